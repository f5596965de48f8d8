"""The OAuth 2.0 endpoints (``/oauth/authorize``, ``token``, ``revoke``, ``introspect``, the
metadata and JWKS documents) and the developer's client pages. The authorization server they
drive, and resource protection, are ``api.access``."""
