"""Outbound HTTP that a URL from outside cannot steer into our own network (SSRF guard).

Checking a URL's host before the request is not enough: the HTTP client resolves the name again
when it connects, and a hostile DNS server can answer the check with a public address and the
connection with ``127.0.0.1`` or ``169.254.169.254`` (DNS rebinding). Here the check happens
where the connection is made: the transport's network backend resolves the name once, refuses
unless every address is public (``ipaddress``'s ``is_global``), and connects to the address it
checked. TLS still verifies the certificate against the host name (httpcore passes the URL's host
as the server name), and the Host header is unchanged. Every redirect hop connects through the
same backend.

httpx has no option for the network backend, so the guarded transports build their own
connection pool; a test of each fetcher checks the guard still holds.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from typing import Any

import anyio.to_thread
import httpcore
import httpx


class NonPublicAddress(httpcore.ConnectError):
    """The host resolves to a loopback, private, link-local or otherwise non-public address."""


def public_address(host: str, port: int) -> str:
    """The address to connect to for ``host``: the first one, once every one is public."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise httpcore.ConnectError(f"{host} could not be resolved ({exc})") from exc
    addresses = [str(info[4][0]) for info in infos]
    if not addresses or not all(_is_public(a) for a in addresses):
        raise NonPublicAddress(f"{host} is not a public address")
    return addresses[0]


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global


class _PublicOnlyBackend(httpcore.SyncBackend):
    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        address = public_address(host, port)
        return super().connect_tcp(address, port, timeout, local_address, socket_options)


class _AsyncPublicOnlyBackend(httpcore.AnyIOBackend):
    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 — httpcore's interface names it
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        address = await anyio.to_thread.run_sync(public_address, host, port)
        return await super().connect_tcp(address, port, timeout, local_address, socket_options)


class PublicTransport(httpx.HTTPTransport):
    """``httpx.HTTPTransport`` that connects to public addresses only."""

    def __init__(self) -> None:
        super().__init__()
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(), network_backend=_PublicOnlyBackend()
        )


class AsyncPublicTransport(httpx.AsyncHTTPTransport):
    """``httpx.AsyncHTTPTransport`` that connects to public addresses only."""

    def __init__(self) -> None:
        super().__init__()
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(), network_backend=_AsyncPublicOnlyBackend()
        )
