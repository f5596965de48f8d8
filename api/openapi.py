"""The OpenAPI 3.1 document, built from the operation registry and the input models."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from api.registry import Operation, Registry
from catalog.schemas import ResourceCreate
from core.identity.oauth import SCOPES

_STR = {"type": "string"}
_NSTR = {"type": ["string", "null"]}
_TS = {"type": ["string", "null"], "format": "date-time"}
_TEXT2 = {"type": "object", "properties": {"zh": _STR, "en": _STR}}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _list_of(item: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["items", "total", "next_cursor"],
        "properties": {
            "items": {"type": "array", "items": _ref(item)},
            "total": {"type": "integer"},
            "next_cursor": _NSTR,
        },
    }


RESPONSE_SCHEMAS: dict[str, dict[str, Any]] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "details"],
                "properties": {
                    "code": _STR,
                    "message": _STR,
                    "details": {"type": ["object", "array"]},
                },
            }
        },
    },
    "Organization": {
        "type": "object",
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "name": _STR,
            "kind": {"enum": ["department", "enterprise", "exchange", "regulator"]},
            "title": _TEXT2,
            "description": _TEXT2,
            "created_at": _TS,
        },
    },
    "Resource": {
        "type": "object",
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "dataset_id": {"type": "string", "format": "uuid"},
            "name": _STR,
            "description": _STR,
            "format": _STR,
            "media_type": _STR,
            "url": _NSTR,
            "download_url": _NSTR,
            "kind": {"enum": ["upload", "link"]},
            "size": {"type": ["integer", "null"]},
            "sha256": _NSTR,
            "filename": _NSTR,
            "created_at": _TS,
            "modified": _TS,
        },
    },
    "Theme": {"type": "object", "properties": {"code": _STR, "title": _TEXT2}},
    "License": {
        "type": "object",
        "properties": {
            "id": _STR,
            "title": _TEXT2,
            "url": _STR,
            "attribution": {"type": "boolean"},
            "share_alike": {"type": "boolean"},
        },
    },
    "Dataset": {
        "type": "object",
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "name": _STR,
            "title": _TEXT2,
            "description": _TEXT2,
            "organization": {"type": "object", "properties": {"name": _STR, "title": _TEXT2}},
            "contact_point": {"type": "object", "properties": {"name": _STR, "email": _NSTR}},
            "keywords": {"type": "array", "items": _STR},
            "themes": {"type": "array", "items": _ref("Theme")},
            "license": {"oneOf": [{"type": "null"}, {"type": "object"}]},
            "open_level": {"enum": ["open", "conditional", "closed"]},
            "grade": {"enum": ["general", "important", "core"]},
            "update_frequency": _NSTR,
            "temporal": {
                "type": "object",
                "properties": {
                    "start": {"type": ["string", "null"], "format": "date"},
                    "end": {"type": ["string", "null"], "format": "date"},
                },
            },
            "spatial": _STR,
            "version": _STR,
            "state": {"enum": ["draft", "published", "withdrawn"]},
            "issued": _TS,
            "modified": _TS,
            "created_at": _TS,
            "download_count": {"type": "integer"},
            "resources": {"type": "array", "items": _ref("Resource")},
            "url": _STR,
        },
    },
    "Revision": {
        "type": "object",
        "properties": {
            "number": {"type": "integer"},
            "action": _STR,
            "changes": {"type": "object"},
            "actor_id": _NSTR,
            "created_at": _TS,
        },
    },
    "Token": {
        "type": "object",
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "name": _STR,
            "prefix": _STR,
            "write": {"type": "boolean"},
            "created_at": _TS,
            "expires_at": _TS,
            "revoked_at": _TS,
            "last_used_at": _TS,
        },
    },
    "NewToken": {
        "allOf": [
            _ref("Token"),
            {"type": "object", "properties": {"token": _STR}, "required": ["token"]},
        ]
    },
    "Me": {
        "type": "object",
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "email": _STR,
            "display_name": _STR,
            "is_admin": {"type": "boolean"},
            "authenticated_by": {"enum": ["session", "token"]},
            "write": {"type": "boolean"},
            "memberships": {"type": "array", "items": {"type": "object"}},
        },
    },
    "DatasetPage": _list_of("Dataset"),
    "OrganizationPage": _list_of("Organization"),
    "ThemeList": _list_of("Theme"),
    "LicenseList": _list_of("License"),
    "RevisionList": _list_of("Revision"),
    "TokenList": _list_of("Token"),
}

_STATUS_TEXT = {
    200: "OK",
    201: "Created",
    204: "No content",
    304: "Not modified",
    400: "Malformed request",
    401: "No or invalid credentials",
    403: "Not allowed",
    404: "Not found",
    409: "Conflict with the current state",
    413: "Upload too large",
    415: "Unsupported content type",
    416: "Range not satisfiable",
    422: "Invalid fields",
    503: "A backing service is unavailable",
}


def _model_schema(model: type[BaseModel], components: dict[str, Any]) -> dict[str, str]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in schema.pop("$defs", {}).items():
        components[name] = definition
    components[model.__name__] = schema
    return _ref(model.__name__)


def _operation(op: Operation, components: dict[str, Any]) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "summary": op.summary,
        "operationId": op.endpoint.__name__,
        "tags": [op.tag],
        # public: anyone; read: a signed-in caller; write: one whose credential may write.
        "x-shudu-access": op.access,
        "parameters": [
            {
                "name": p.name,
                "in": p.where,
                "description": p.description,
                "required": p.required or p.where == "path",
                "schema": p.schema,
            }
            for p in op.params
        ],
    }
    # Security requirements are alternatives (OR): one per scope that will do.
    oauth = [{"oauth2": [scope]} for scope in op.scopes]
    if op.access != "public":
        doc["security"] = [*oauth, {"bearerToken": []}, {"sessionCookie": []}]
    elif oauth:
        doc["security"] = [{}, *oauth]  # anonymous works too; a token must carry the scope
    if op.body == "multipart":
        doc["requestBody"] = {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {
                            "file": {
                                "type": "string",
                                "contentMediaType": "application/octet-stream",
                            },
                            "name": _STR,
                            "description": _STR,
                            "format": _STR,
                            "media_type": _STR,
                        },
                    }
                },
                "application/json": {"schema": _model_schema(ResourceCreate, components)},
            },
        }
    elif op.body is not None:
        doc["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _model_schema(op.body, components)}},
        }
    responses: dict[str, Any] = {}
    if op.raw_response is not None:
        responses[str(op.status)] = {
            "description": _STATUS_TEXT[op.status],
            "content": {op.raw_response: {"schema": {"type": "string"}}},
        }
    elif op.response is not None:
        responses[str(op.status)] = {
            "description": _STATUS_TEXT[op.status],
            "content": {"application/json": {"schema": _ref(op.response)}},
        }
    else:
        responses[str(op.status)] = {"description": _STATUS_TEXT[op.status]}
    for status in op.errors:
        if status == 304:
            responses["304"] = {"description": _STATUS_TEXT[304]}
            continue
        responses[str(status)] = {
            "description": _STATUS_TEXT[status],
            "content": {"application/json": {"schema": _ref("Error")}},
        }
    doc["responses"] = responses
    return doc


def _oauth2_scheme(base_url: str) -> dict[str, Any]:
    scopes = {name: words[0] for name, words in SCOPES.items()}
    return {
        "type": "oauth2",
        "description": "JWT access tokens (RFC 9068) from this site's authorization server",
        "flows": {
            "clientCredentials": {"tokenUrl": base_url + "/oauth/token", "scopes": scopes},
            "authorizationCode": {
                "authorizationUrl": base_url + "/oauth/authorize",
                "tokenUrl": base_url + "/oauth/token",
                "refreshUrl": base_url + "/oauth/token",
                "scopes": scopes,
            },
        },
    }


def openapi_document(registry: Registry, base_url: str) -> dict[str, Any]:
    components: dict[str, Any] = dict(RESPONSE_SCHEMAS)
    paths: dict[str, dict[str, Any]] = {}
    for op in registry.operations:
        paths.setdefault(registry.prefix + op.path, {})[op.method.lower()] = _operation(
            op, components
        )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Shudu API",
            "version": "1",
            "summary": "数都 — the open-data portal and data exchange's JSON API",
            "description": 'Errors are `{"error": {"code", "message", "details"}}`. '
            'Lists are `{"items", "total", "next_cursor"}`; pass `cursor` for the next page.',
        },
        "servers": [{"url": base_url}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "oauth2": _oauth2_scheme(base_url),
                "bearerToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal API token (shudu token create)",
                },
                "sessionCookie": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "shudu_session",
                    "description": "Web session; writes also need X-CSRF-Token",
                },
            },
        },
    }
