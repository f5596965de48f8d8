"""The JSON API under ``/api/v1``, one module per resource family. Each module declares its
operations on a :class:`api.registry.Registry`; routing and the OpenAPI document both come from
those registries (``api.app``)."""
