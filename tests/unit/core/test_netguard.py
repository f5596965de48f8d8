"""The SSRF guard's address rule (core.netguard): only public addresses are connected to."""

from __future__ import annotations

import httpx
import pytest

from core.netguard import NonPublicAddress, PublicTransport, public_address


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "localhost", "10.1.2.3", "172.16.0.1", "192.168.0.1", "169.254.169.254",
     "::1", "::ffff:127.0.0.1", "fd00::1", "0.0.0.0", "100.64.0.1"],  # noqa: S104 — refused
)  # fmt: skip
def test_non_public_addresses_are_refused(host: str) -> None:
    with pytest.raises(NonPublicAddress):
        public_address(host, 80)


@pytest.mark.parametrize("host", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"])
def test_public_addresses_pass(host: str) -> None:
    assert public_address(host, 443) == host


def test_the_transport_refuses_before_any_byte_is_sent() -> None:
    with (
        httpx.Client(transport=PublicTransport()) as client,
        pytest.raises(httpx.ConnectError, match="not a public address"),
    ):
        client.get("http://127.0.0.1:9/")
