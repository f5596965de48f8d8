"""Validated input for registering an OAuth client through the API."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from core.identity.schemas import _Strict


class OAuthClientCreate(_Strict):
    name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    grant_types: Annotated[
        list[Literal["client_credentials", "authorization_code"]], Field(min_length=1)
    ]
    scope: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    organization: str | None = None  # register it for this organization (by name)
    redirect_uris: Annotated[list[str], Field(max_length=10, default_factory=list)]
    auth_method: Literal["client_secret_basic", "client_secret_post", "private_key_jwt"] = (
        "client_secret_basic"
    )
    jwks: dict[str, Any] | None = None
