"""Resource protection: an OAuth access token on an API request becomes a Principal.

Checks, in order: signature, ``typ: at+jwt``, algorithm allow-list, ``iss``, ``aud``, ``exp``
(all in :class:`AccessTokenVerifier`), revocation (the jti deny-list), then the scope the
operation declared. The principal is then the client's owner: the person who consented
(authorization_code), the user who owns the client, or its organization in the role the
organization's kind gives (client_credentials). Roles still apply on top, in the services.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request

from api.access.tokens import InvalidAccessToken
from api.registry import SCOPE_KEY
from core.errors import PermissionDenied
from core.identity.models import Organization, OrgKind, OrgStatus, Role, User
from core.identity.principal import OrgRole, Principal

WRITE_SCOPES = frozenset({"catalog:write", "exchange:apply", "exchange:manage", "admin"})
# An organization's own client acts in the organization's working role, never as its admin.
ORG_CLIENT_ROLE = {
    OrgKind.DEPARTMENT: Role.PUBLISHER,
    OrgKind.ENTERPRISE: Role.MEMBER,
    OrgKind.EXCHANGE: Role.REVIEWER,
    OrgKind.REGULATOR: Role.REGULATOR,
}


class InsufficientScope(PermissionDenied):
    code = "insufficient_scope"


def principal_from_access_token(request: Request, session: Session, token: str) -> Principal:
    server = request.app.state.oauth.server
    claims: dict[str, Any] = server.verifier.verify(token)
    if server.deny_list.is_revoked(session, str(claims["jti"])):
        raise InvalidAccessToken("The access token has been revoked")
    scopes = frozenset(str(claims.get("scope", "")).split())
    required = request.scope.get(SCOPE_KEY)
    if required is None:
        raise InsufficientScope("This route accepts no OAuth access tokens")
    choices = (required,) if isinstance(required, str) else tuple(required)
    if not scopes.intersection(choices):
        wanted = " or ".join(repr(c) for c in choices)
        raise InsufficientScope(
            f"The access token lacks the scope {wanted}", {"required_scope": " ".join(choices)}
        )
    client = server.clients.get(session, str(claims["client_id"]))
    if client is None:
        raise InvalidAccessToken("The client of this access token no longer exists")
    server.usage.count_call(client.client_id)
    can_write = bool(scopes & WRITE_SCOPES)
    user: User | None = None
    sub = str(claims["sub"])
    if sub != client.client_id:
        try:
            user = session.get(User, uuid.UUID(sub))
        except ValueError:
            user = None
        if user is None:
            raise InvalidAccessToken("The subject of this access token is unknown")
    elif client.owner_user_id is not None:
        user = session.get(User, client.owner_user_id)
    if user is not None:
        if not user.is_active:
            raise InvalidAccessToken("The account behind this access token is disabled")
        base = Principal.for_user(user, can_write=can_write, via="oauth")
        return Principal(
            user_id=base.user_id,
            email=base.email,
            is_admin=base.is_admin and "admin" in scopes,
            roles=base.roles,
            can_write=can_write,
            via="oauth",
            client_id=client.client_id,
            scopes=scopes,
        )
    roles: tuple[OrgRole, ...] = ()
    if client.organization_id is not None:
        org = session.get(Organization, client.organization_id)
        # Fail closed, as for people: an organization not (or no longer) approved gives no role.
        if org is not None and org.status is OrgStatus.APPROVED:
            roles = (OrgRole(org.id, org.name, org.kind, ORG_CLIENT_ROLE[org.kind]),)
    return Principal(
        roles=roles, can_write=can_write, via="oauth", client_id=client.client_id, scopes=scopes
    )
