"""The ceiling: a bare Starlette app answering a small JSON object, served as Shudu is."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def hello(request: Request) -> JSONResponse:
    return JSONResponse({"name": "bare", "title": {"zh": "空白", "en": "bare"}, "n": 1})


def app_factory() -> Starlette:
    return Starlette(routes=[Route("/", hello), Route("/.well-known/jwks.json", hello)])
