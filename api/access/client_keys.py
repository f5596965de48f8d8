"""A private_key_jwt client's public keys, read from the ``jwks_uri`` it gives at registration.

The keys are copied once, validated (core.identity.oauth.check_jwks), and kept with the
client: the token endpoint never fetches URLs (no network on the hot path, no server-side
request forgery at authentication time). New keys mean registering them again.

Only ``https`` URLs are fetched — plain ``http`` on a loopback host only when the site itself
runs on loopback (development and tests) — without redirects, within a few seconds and a
small size, and (unless the site runs on loopback) only from public addresses, checked where the
connection is made (``core.netguard``), so a form cannot make the server probe its own network.
A failure says only that the document could not be fetched: no status code, no error class.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson

from core.errors import ValidationFailed
from core.identity.oauth import check_jwks
from core.netguard import AsyncPublicTransport

FETCH_SECONDS = 5.0
MAX_JWKS_BYTES = 64 * 1024
LOOPBACK = ("127.0.0.1", "localhost", "::1")
# One answer for every failure to fetch: telling a status code or a connection error apart
# would let the form map which internal hosts and ports answer.
UNREACHABLE = "it could not be fetched as a JSON Web Key Set (HTTP 200, public https host)"


def _refuse(why: str) -> ValidationFailed:
    return ValidationFailed(f"Could not use the jwks_uri: {why}", {"jwks_uri": [why]})


def _site_is_local(site_base_url: str) -> bool:
    return urlsplit(site_base_url).hostname in LOOPBACK


def check_jwks_uri(uri: str, site_base_url: str) -> str:
    parts = urlsplit(uri)
    site_is_local = _site_is_local(site_base_url)
    if parts.scheme == "https" and parts.hostname and parts.hostname not in LOOPBACK:
        return uri
    if parts.scheme in ("http", "https") and parts.hostname in LOOPBACK and site_is_local:
        return uri
    raise _refuse("an absolute https URL on a public host is required")


async def fetch_jwks(uri: str, site_base_url: str) -> dict[str, Any]:
    check_jwks_uri(uri, site_base_url)
    transport = None if _site_is_local(site_base_url) else AsyncPublicTransport()
    try:
        async with (
            httpx.AsyncClient(
                timeout=FETCH_SECONDS, follow_redirects=False, transport=transport
            ) as client,
            client.stream("GET", uri, headers={"accept": "application/json"}) as r,
        ):
            if r.status_code != 200:
                raise _refuse(UNREACHABLE)
            body = b""
            async for chunk in r.aiter_bytes():
                body += chunk
                if len(body) > MAX_JWKS_BYTES:
                    raise _refuse(f"the document is larger than {MAX_JWKS_BYTES} bytes")
    except httpx.HTTPError as exc:
        raise _refuse(UNREACHABLE) from exc
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise _refuse("it did not return JSON") from exc
    return check_jwks(document)
