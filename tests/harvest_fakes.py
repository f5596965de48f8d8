"""Sources for harvest tests: a CKAN site and DCAT documents answered without a network.

The CKAN fake is a ``requests`` transport adapter (what ``ckanapi`` speaks through); the DCAT
fake an ``httpx`` transport. Both answer the way the real things do, including badly.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import requests
from requests.adapters import BaseAdapter

DATA = Path(__file__).parent / "data" / "harvest"


def fixture(name: str) -> bytes:
    return (DATA / name).read_bytes()


def ckan_packages() -> list[dict[str, Any]]:
    packages: list[dict[str, Any]] = json.loads(fixture("ckan_packages.json"))
    return packages


class FakeCkan(BaseAdapter):
    """package_search (fq metadata_modified range, sort, start, rows) and package_list.

    ``mode``: "ok", or how to misbehave — "malformed" (broken JSON), "html" (an error page),
    "timeout", "redirect" (a 302 to itself), or "fail_after:N" (search pages after the Nth
    time out: an interruption).
    """

    def __init__(self, packages: list[dict[str, Any]], mode: str = "ok") -> None:
        super().__init__()
        self.packages = packages
        self.mode = mode
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        action = str(request.url).rstrip("/").rsplit("/", 1)[-1]
        body = request.body or b"{}"
        params = json.loads(body if isinstance(body, bytes) else body.encode())
        self.calls.append((action, params))
        searches = sum(1 for a, _ in self.calls if a == "package_search")
        if self.mode == "timeout" or (
            self.mode.startswith("fail_after:") and searches > int(self.mode.split(":")[1])
        ):
            raise requests.ReadTimeout("read timed out")
        if self.mode == "malformed":
            return _response(request, 200, b'{"success": true, "result": {"count": 3, "resu')
        if self.mode == "html":
            page = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
            return _response(request, 502, page, "text/html")
        if self.mode == "redirect":
            response = _response(request, 302, b"", "text/html")
            response.headers["Location"] = str(request.url)
            return response
        if action == "package_list":
            return _ok(request, sorted(p["name"] for p in self.packages if "name" in p))
        if action == "package_search":
            return _ok(request, self.search(params))
        return _response(request, 400, b'{"success": false, "error": {"__type": "Bad Request"}}')

    def search(self, params: dict[str, Any]) -> dict[str, Any]:
        found = sorted(self.packages, key=lambda p: p["metadata_modified"])
        fq = params.get("fq") or ""
        if fq.startswith("metadata_modified:["):
            since = datetime.fromisoformat(fq.split("[", 1)[1].split(" TO ")[0].rstrip("Z"))
            found = [p for p in found if datetime.fromisoformat(p["metadata_modified"]) >= since]
        start, rows = int(params.get("start", 0)), int(params.get("rows", 10))
        return {"count": len(found), "results": found[start : start + rows]}

    def close(self) -> None:
        pass


def _response(
    request: requests.PreparedRequest, status: int, content: bytes, kind: str = "application/json"
) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = content
    response.headers["Content-Type"] = kind
    response.url = str(request.url)
    response.request = request
    response.encoding = "utf-8"
    return response


def _ok(request: requests.PreparedRequest, result: Any) -> requests.Response:
    return _response(request, 200, json.dumps({"success": True, "result": result}).encode())


def ckan_session(adapter: FakeCkan) -> requests.Session:
    session = requests.Session()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def dcat_transport(
    pages: dict[str, tuple[bytes, str]] | Callable[[httpx.Request], httpx.Response],
) -> httpx.MockTransport:
    """Answer each URL (without query's order mattering) with (content, media type)."""
    if callable(pages):
        return httpx.MockTransport(pages)

    def handler(request: httpx.Request) -> httpx.Response:
        answer = pages.get(str(request.url))
        if answer is None:
            return httpx.Response(404, text="not here", headers={"content-type": "text/plain"})
        content, kind = answer
        return httpx.Response(200, content=content, headers={"content-type": kind})

    return httpx.MockTransport(handler)
