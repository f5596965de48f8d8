"""Who is calling, and may they: web sessions and CSRF, personal API tokens, and the OAuth 2.0
authorization server (Authlib's core and our adapter) with its signing keys, access tokens,
client keys, usage counts and rate limits. Shared by every family of routes; the OAuth
endpoints themselves are ``api.oauth``."""
