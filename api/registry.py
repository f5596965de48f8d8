"""A registry of API operations: one declaration feeds both routing and the OpenAPI document."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

Endpoint = Callable[[Request], Awaitable[Response]]
Access = Literal["public", "read", "write"]
# The OAuth scope an access token needs for an operation (core.identity.oauth.SCOPES).
Scope = Literal[
    "catalog:read",
    "catalog:write",
    "datastore:read",
    "exchange:apply",
    "exchange:manage",
    "audit:read",
    "admin",
]
SCOPE_KEY = "shudu.oauth_scope"  # where the dispatcher leaves it in the ASGI scope


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    where: Literal["path", "query", "header"]
    description: str
    schema: dict[str, object] = field(default_factory=lambda: {"type": "string"})
    required: bool = False


@dataclass(frozen=True, slots=True)
class Operation:
    method: str
    path: str  # relative to the API prefix, Starlette syntax: /datasets/{name}
    endpoint: Endpoint
    summary: str
    tag: str
    access: Access
    params: tuple[Param, ...] = ()
    body: type[BaseModel] | Literal["multipart"] | None = None
    response: str | None = None  # a component schema name
    status: int = 200
    errors: tuple[int, ...] = ()
    raw_response: str | None = None  # a media type, for non-JSON responses
    # Every operation declares one; an OAuth token is refused where it is missing (fail closed).
    # A tuple is a choice: any one of the scopes will do (reads both sides of a deal share).
    scope: Scope | tuple[Scope, ...] | None = None

    @property
    def scopes(self) -> tuple[Scope, ...]:
        if self.scope is None:
            return ()
        return self.scope if isinstance(self.scope, tuple) else (self.scope,)


@dataclass
class Registry:
    prefix: str
    operations: list[Operation] = field(default_factory=list)

    def op(self, method: str, path: str, **kwargs: object) -> Callable[[Endpoint], Endpoint]:
        def register(endpoint: Endpoint) -> Endpoint:
            self.operations.append(Operation(method, path, endpoint, **kwargs))  # type: ignore[arg-type]
            return endpoint

        return register

    def routes(self) -> list[Route]:
        by_path: dict[str, dict[str, Operation]] = {}
        for operation in self.operations:
            by_path.setdefault(operation.path, {})[operation.method] = operation
        routes = []
        for path, methods in by_path.items():
            routes.append(Route(self.prefix + path, _dispatch(methods), methods=list(methods)))
        return routes


def _dispatch(methods: dict[str, Operation]) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        operation = methods["GET" if request.method == "HEAD" else request.method]
        request.scope[SCOPE_KEY] = operation.scope
        return await operation.endpoint(request)

    return endpoint
