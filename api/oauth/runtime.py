"""The authorization server built once per process in the lifespan (keys from the data dir)."""

from __future__ import annotations

from dataclasses import dataclass

from api.oauth.keys import KeyRing
from api.oauth.server import ShuduAuthorizationServer
from core.settings import Settings

API_AUDIENCE_PATH = "/api"


@dataclass(slots=True)
class OAuthRuntime:
    server: ShuduAuthorizationServer


def audience(settings: Settings) -> str:
    """The ``aud`` of our access tokens: the JSON APIs of this deployment."""
    return settings.base_url + API_AUDIENCE_PATH


def start_oauth(settings: Settings) -> OAuthRuntime:
    keys = KeyRing(settings.data_dir / "oauth_keys", settings.access_token_seconds)
    server = ShuduAuthorizationServer(
        issuer=settings.base_url,
        audience=audience(settings),
        keys=keys,
        lifetime=settings.access_token_seconds,
    )
    return OAuthRuntime(server)
