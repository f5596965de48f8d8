"""A jwks_uri given on the clients page cannot make the server probe its own network."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest

from api.access.client_keys import UNREACHABLE, fetch_jwks
from core.errors import ValidationFailed

SITE = "https://portal.example"


@pytest.mark.parametrize(
    "uri",
    [
        "https://10.0.0.5/jwks.json",
        "https://169.254.169.254/latest/meta-data/",
        "https://127.0.0.2:9/jwks.json",
        "https://[::ffff:127.0.0.1]:9/jwks.json",
        "https://internal.example/jwks.json",  # resolves to a private address (below)
    ],
)
def test_non_public_hosts_are_refused_with_one_answer(
    uri: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = socket.getaddrinfo

    def resolver(host: str, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "internal.example":  # the fault: an internal name
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("192.168.1.20", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    with pytest.raises(ValidationFailed) as refused:
        asyncio.run(fetch_jwks(uri, SITE))
    assert refused.value.message == f"Could not use the jwks_uri: {UNREACHABLE}"
