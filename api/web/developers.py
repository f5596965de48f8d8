"""The developer portal: a guide (first call, tokens, OAuth, paging, filters, errors, limits,
quotas) and a reference of every operation, rendered from the OpenAPI document the API itself
serves (docs/architecture.md, "Pages and their design system").

The reference is our own template over ``/api/v1/openapi.json`` rather than a vendored
renderer: it shares the design system, the elder mode and the message catalogs, works without
JavaScript, and is searchable both by ``?q=`` on the server and, with ``shudu.js``, as you type.
The app hands the document in (``app.state.api_document``); pages may not import the API
families that build it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.html import page_language, render
from api.i18n import N_
from api.runtime.search import search_runtime
from api.state import app_state, in_transaction
from core.errors import ServiceUnavailable
from core.identity.oauth import SCOPES
from core.identity.principal import Principal
from exchange.figures import latest_checkpoint

# The API's tags, in the order the reference shows them, with their words.
TAGS: dict[str, str] = {
    "catalog": N_("目录词表：主题与许可"),
    "organizations": N_("机构与部门"),
    "datasets": N_("数据集与元数据"),
    "resources": N_("资源与文件"),
    "search": N_("数据集搜索"),
    "data": N_("数据接口：记录查询与导出"),
    "account": N_("账户与个人令牌"),
    "oauth": N_("OAuth 应用登记"),
    "exchange": N_("数据交易：产品、申请与授权"),
    "audit": N_("审计账本"),
}
ACCESS: dict[str, str] = {
    "public": N_("公开：无需登录"),
    "read": N_("需要登录凭据"),
    "write": N_("需要可写的凭据"),
}


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    type: str
    required: bool
    description: str


@dataclass(frozen=True, slots=True)
class Reply:
    status: str
    description: str
    schema: str | None
    fields: tuple[Field, ...]


@dataclass(frozen=True, slots=True)
class Operation:
    id: str
    method: str
    path: str
    summary: str
    tag: str
    access: str
    scopes: tuple[str, ...]
    params: tuple[tuple[str, Field], ...]  # (where, field)
    body_media: str | None
    body: tuple[Field, ...]
    replies: tuple[Reply, ...]
    example: str

    @property
    def haystack(self) -> str:
        """What the reference's search looks in, lower-cased."""
        words = [self.method, self.path, self.summary, self.tag, self.id, *self.scopes]
        words += [f.name for _, f in self.params] + [f.name for f in self.body]
        return " ".join(words).lower()


@dataclass(frozen=True, slots=True)
class Group:
    tag: str
    title: str
    operations: tuple[Operation, ...]


def _schema_name(schema: Mapping[str, Any]) -> str | None:
    ref = schema.get("$ref")
    return ref.rsplit("/", 1)[1] if isinstance(ref, str) else None


def type_text(schema: Mapping[str, Any]) -> str:
    """A schema as a short type expression: ``string (uuid)``, ``integer | null``, ``Theme[]``,
    ``"open" | "conditional"``."""
    name = _schema_name(schema)
    if name is not None:
        return name
    if "enum" in schema:
        return " | ".join(json.dumps(v, ensure_ascii=False) for v in schema["enum"])
    if "const" in schema:
        return json.dumps(schema["const"], ensure_ascii=False)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return " | ".join(dict.fromkeys(type_text(s) for s in schema[key]))
    kind = schema.get("type")
    if isinstance(kind, list):
        return " | ".join(str(k) for k in kind)
    if kind == "array":
        item = type_text(schema.get("items", {}))
        return f"({item})[]" if " | " in item else f"{item}[]"
    if kind is None:
        return "object" if "properties" in schema else "any"
    fmt = schema.get("format")
    return f"{kind} ({fmt})" if fmt else str(kind)


def _resolve(schema: Mapping[str, Any], components: Mapping[str, Any]) -> Mapping[str, Any]:
    seen = 0
    while (name := _schema_name(schema)) is not None and seen < 8:
        schema = components.get(name, {})
        seen += 1
    all_of = schema.get("allOf")
    if isinstance(all_of, list):  # NewToken = Token + {token}: one flat object
        merged: dict[str, Any] = {"properties": {}, "required": []}
        for part in all_of:
            part = _resolve(part, components)
            merged["properties"].update(part.get("properties", {}))
            merged["required"] += part.get("required", [])
        return merged
    return schema


def fields_of(schema: Mapping[str, Any], components: Mapping[str, Any]) -> tuple[Field, ...]:
    """The top-level fields of an object schema (following ``$ref`` and ``allOf``)."""
    resolved = _resolve(schema, components)
    required = set(resolved.get("required", []))
    return tuple(
        Field(name, type_text(prop), name in required, str(prop.get("description", "")))
        for name, prop in resolved.get("properties", {}).items()
    )


def _example_value(name: str, schema: Mapping[str, Any], components: Mapping[str, Any]) -> Any:
    if schema.get("examples"):
        return schema["examples"][0]
    if schema.get("default") not in (None, ""):
        return schema["default"]
    for key in ("anyOf", "oneOf"):
        if key in schema:  # the first choice that is not null
            choices = [s for s in schema[key] if s.get("type") != "null"]
            return _example_value(name, choices[0] if choices else {}, components)
    if _schema_name(schema) is not None:
        return _example_value(name, _resolve(schema, components), components)
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    if kind == "array":  # one choice of an enumerated item, else an empty list
        item = _resolve(schema.get("items", {}), components)
        return item["enum"][:1] if item.get("enum") else []
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {k: _example_value(k, v, components) for k, v in props.items()}
    return f"<{name}>"


def _example_body(schema: Mapping[str, Any], components: Mapping[str, Any]) -> dict[str, Any]:
    """A request body with the required fields (or, when none is required, the first two)."""
    resolved = _resolve(schema, components)
    props: Mapping[str, Any] = resolved.get("properties", {})
    names = [n for n in props if n in set(resolved.get("required", []))] or list(props)[:2]
    return {n: _example_value(n, props[n], components) for n in names}


def _example(
    method: str,
    url: str,
    op: Mapping[str, Any],
    components: Mapping[str, Any],
) -> str:
    lines = [f"curl -X {method} '{url}" if method != "GET" else f"curl '{url}"]
    required = [
        p["name"] for p in op.get("parameters", []) if p["in"] == "query" and p.get("required")
    ]
    if required:
        lines[0] += "?" + "&".join(f"{n}=<{n}>" for n in required)
    lines[0] += "'"
    if op.get("x-shudu-access", "public") != "public":
        lines.append('-H "Authorization: Bearer $SHUDU_TOKEN"')
    content = op.get("requestBody", {}).get("content", {})
    if "multipart/form-data" in content:
        lines.append("-F 'file=@data.csv'")
    elif "application/json" in content:
        body = _example_body(content["application/json"]["schema"], components)
        lines.append("-H 'Content-Type: application/json'")
        lines.append("-d '" + json.dumps(body, ensure_ascii=False).replace("'", "'\\''") + "'")
    return " \\\n  ".join(lines)


def reference(document: Mapping[str, Any]) -> tuple[Group, ...]:
    """Every operation of the OpenAPI document, grouped by tag in the order of :data:`TAGS`."""
    components: Mapping[str, Any] = document.get("components", {}).get("schemas", {})
    base = document["servers"][0]["url"].rstrip("/")
    grouped: dict[str, list[Operation]] = {}
    for path, methods in document["paths"].items():
        for method, op in methods.items():
            scopes = tuple(
                dict.fromkeys(s for req in op.get("security", []) for s in req.get("oauth2", []))
            )
            params = tuple(
                (
                    p["in"],
                    Field(
                        p["name"],
                        type_text(p.get("schema", {})),
                        bool(p.get("required")),
                        p.get("description", ""),
                    ),
                )
                for p in op.get("parameters", [])
            )
            content = op.get("requestBody", {}).get("content", {})
            media = next(iter(content), None)
            body = fields_of(content[media]["schema"], components) if media else ()
            replies = []
            for status, reply in op["responses"].items():
                media_types: Mapping[str, Any] = reply.get("content", {})
                first: Mapping[str, Any] = next(iter(media_types.values()), {})
                schema: Mapping[str, Any] = first.get("schema", {})
                name = _schema_name(schema)
                shown = status.startswith("2") and name is not None
                replies.append(
                    Reply(
                        status,
                        reply["description"],
                        name,
                        fields_of(schema, components) if shown else (),
                    )
                )
            tag = op["tags"][0]
            grouped.setdefault(tag, []).append(
                Operation(
                    id=op["operationId"],
                    method=method.upper(),
                    path=path,
                    summary=op["summary"],
                    tag=tag,
                    access=op.get("x-shudu-access", "public"),
                    scopes=scopes,
                    params=params,
                    body_media=media,
                    body=body,
                    replies=tuple(replies),
                    example=_example(method.upper(), base + path, op, components),
                )
            )
    order = list(TAGS) + sorted(set(grouped) - set(TAGS))
    return tuple(
        Group(tag, TAGS.get(tag, tag), tuple(grouped[tag])) for tag in order if tag in grouped
    )


def matching(groups: Iterable[Group], query: str) -> tuple[Group, ...]:
    """The groups with only the operations whose every word of ``query`` appears in them."""
    words = query.lower().split()
    kept = []
    for group in groups:
        ops = tuple(o for o in group.operations if all(w in o.haystack for w in words))
        if ops:
            kept.append(Group(group.tag, group.title, ops))
    return tuple(kept)


def _document(request: Request) -> Mapping[str, Any]:
    build: Callable[[str], Mapping[str, Any]] = request.app.state.api_document
    return build(app_state(request).settings.base_url)


def _scopes(language: str) -> list[tuple[str, str]]:
    return [(name, words[1] if language == "zh" else words[0]) for name, words in SCOPES.items()]


@dataclass(frozen=True, slots=True)
class Status:
    database_ms: float
    search: int | None  # datasets in the index; None: the engine did not answer
    checkpoint_size: int | None
    checkpoint_signed_at: datetime | None


async def _status(request: Request) -> Status:
    def work(session: Session, _: Principal) -> tuple[float, int | None, datetime | None]:
        started = time.perf_counter()
        session.execute(text("SELECT 1"))
        elapsed = (time.perf_counter() - started) * 1000
        latest = latest_checkpoint(session)
        if latest is None:
            return elapsed, None, None
        return elapsed, latest.size, latest.signed_at

    database_ms, size, signed_at = await in_transaction(request, work)
    try:
        indexed: int | None = await search_runtime(request).backend.count()
    except ServiceUnavailable:
        indexed = None
    return Status(database_ms, indexed, size, signed_at)


async def developers(request: Request) -> Response:
    settings = app_state(request).settings
    groups = reference(_document(request))
    return render(
        request,
        "developers.html",
        {
            "groups": groups,
            "operation_count": sum(len(g.operations) for g in groups),
            "base_url": settings.base_url.rstrip("/"),
            "scopes": _scopes(page_language(request)),
            "access_words": ACCESS,
            "rate_client": settings.rate_limit_client,
            "rate_anonymous": settings.rate_limit_anonymous,
            "token_minutes": settings.access_token_seconds // 60,
            "status": await _status(request),
        },
    )


async def api_reference(request: Request) -> Response:
    groups = reference(_document(request))
    query = request.query_params.get("q", "").strip()[:100]
    shown = matching(groups, query) if query else groups
    return render(
        request,
        "developers_reference.html",
        {
            "all_groups": groups,
            "shown_tags": {g.tag for g in shown},
            "shown_ids": {o.id for g in shown for o in g.operations},
            "query": query,
            "total": sum(len(g.operations) for g in groups),
            "count": sum(len(g.operations) for g in shown),
            "access_words": ACCESS,
            "scope_words": dict(_scopes(page_language(request))),
        },
    )


def routes() -> list[Route]:
    return [
        Route("/developers", developers, methods=["GET"]),
        Route("/developers/reference", api_reference, methods=["GET"]),
    ]
