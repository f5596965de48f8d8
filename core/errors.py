"""The one error tree of Shudu.

Services raise these; the API renders them in one place as
``{"error": {"code", "message", "details"}}`` with the status each class names.
Foreign errors (database, file system, search client) are converted at the boundary
with ``raise ... from exc`` so that no handler has to know about them::

    ShuduError (500)
    ├── ConfigError                  start-up refused: a setting is missing or malformed
    ├── BadRequest (400)             the request cannot be parsed (malformed JSON, bad cursor)
    ├── NotAuthenticated (401)       no or invalid credentials
    ├── PermissionDenied (403)       authenticated, but not allowed
    ├── NotFound (404)
    ├── Conflict (409)               a unique name is taken, or a state change is not allowed
    ├── PayloadTooLarge (413)        upload over the configured limit
    ├── UnsupportedMediaType (415)
    ├── ValidationFailed (422)       fields are unknown, missing or of the wrong type
    └── ServiceUnavailable (503)     a backing service (search) is down
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar


class ShuduError(Exception):
    status_code: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"

    def __init__(self, message: str, details: Mapping[str, Any] | Sequence[Any] | None = None):
        super().__init__(message)
        self.message = message
        self.details = details


class ConfigError(ShuduError):
    code = "config_error"


class BadRequest(ShuduError):
    status_code = 400
    code = "bad_request"


class NotAuthenticated(ShuduError):
    status_code = 401
    code = "not_authenticated"


class PermissionDenied(ShuduError):
    status_code = 403
    code = "forbidden"


class NotFound(ShuduError):
    status_code = 404
    code = "not_found"


class Conflict(ShuduError):
    status_code = 409
    code = "conflict"


class PayloadTooLarge(ShuduError):
    status_code = 413
    code = "payload_too_large"


class UnsupportedMediaType(ShuduError):
    status_code = 415
    code = "unsupported_media_type"


class ValidationFailed(ShuduError):
    """Field-level problems; ``details`` maps a field path to its messages."""

    status_code = 422
    code = "validation_failed"


class ServiceUnavailable(ShuduError):
    status_code = 503
    code = "service_unavailable"
