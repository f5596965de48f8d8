"""OAuth clients as JSON, with their organization and usage: for the clients API and page."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from core.identity.oauth import IssuedClient, OAuthClientService, Usage
from core.identity.oauth_models import OAuthClient
from core.identity.services import OrganizationService


def client_json(client: OAuthClient, org_name: str | None, usage: Usage | None) -> dict[str, Any]:
    usage = usage or Usage(0, 0, [])
    return {
        "client_id": client.client_id,
        "name": client.name,
        "organization": org_name,
        "grant_types": list(client.grant_types),
        "scope": client.scope,
        "redirect_uris": list(client.redirect_uris),
        "auth_method": client.auth_method,
        "usage_count": client.usage_count,
        "calls_total": usage.calls_total,
        "calls_today": usage.calls_today,
        "daily_usage": usage.daily,
        "last_used_at": client.last_used_at,
        "created_at": client.created_at,
        "secret_rotated_at": client.secret_rotated_at,
    }


def _org_name(session: Session, client: OAuthClient) -> str | None:
    if client.organization_id is None:
        return None
    return OrganizationService(session).get_by_id(client.organization_id).name


def clients_json(session: Session, clients: list[OAuthClient]) -> list[dict[str, Any]]:
    """Clients with their organization's name and their usage (two queries in all)."""
    usage = OAuthClientService(session).usage([c.client_id for c in clients])
    return [client_json(c, _org_name(session, c), usage[c.client_id]) for c in clients]


def issued_client_json(session: Session, issued: IssuedClient) -> dict[str, Any]:
    body = client_json(issued.client, _org_name(session, issued.client), None)
    return {**body, "client_secret": issued.secret}
