"""The OAuth 2.0 authorization server and resource protection, through the ASGI app.

The flows with a real OAuth client against a live server are in
tests/integration/test_oauth_live.py; here are the rules, one by one, and the negative cases.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from api.access.keys import KeyRing, rotate
from api.app import REGISTRIES
from core import ledger_outbox
from core.identity.models import OrgKind, Role, User
from core.identity.oauth import OAuthClientService
from core.identity.principal import Principal
from core.ledger import LedgerEntry
from core.settings import Settings, load_settings
from tests.factories import PASSWORD, make_dataset, make_member, make_org, make_theme, token_for
from tests.live import wait_until

BASE = "http://localhost"
REDIRECT = "http://127.0.0.1:9999/callback"


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    # Authlib insists on https except for loopback hosts; localhost stands in for the site.
    return load_settings(
        {
            "SHUDU_DATA_DIR": str(tmp_path / "data"),
            "SHUDU_DATABASE_URL": db_url,
            "SHUDU_BASE_URL": BASE,
        }
    )


def _new_client(
    session: Session, principal: Principal, *, scope: str, org: Any = None, **kw: Any
) -> tuple[str, str]:
    issued = OAuthClientService(session).create(
        principal,
        name=kw.pop("name", "Test app"),
        grant_types=kw.pop("grant_types", ["client_credentials"]),
        scope=scope,
        organization=org,
        **kw,
    )
    session.commit()
    assert issued.secret is not None
    return issued.client.client_id, issued.secret


@pytest.fixture
def world(session: Session) -> dict[str, Any]:
    make_theme(session, "transport")
    dept = make_org(session, OrgKind.DEPARTMENT, name="transport-dept")
    other = make_org(session, OrgKind.DEPARTMENT, name="water-dept")
    publisher = make_member(session, dept, Role.PUBLISHER)
    other_publisher = make_member(session, other, Role.PUBLISHER)
    ours = make_dataset(session, dept, publisher, name="bus-lines")
    theirs = make_dataset(session, other, other_publisher, name="water-quality")
    session.commit()
    dept_client = _new_client(
        session,
        Principal.for_user(publisher, can_write=True, via="session"),
        scope="catalog:read catalog:write",
        org=dept,
    )
    reader_client = _new_client(session, Principal.operator(), scope="catalog:read")
    return {
        "publisher": publisher,
        "ours": ours.name,
        "theirs": theirs.name,
        "dept_client": dept_client,
        "reader_client": reader_client,
        "personal": token_for(session, publisher),
    }


def _token(client: TestClient, creds: tuple[str, str], **form: str) -> Any:
    return client.post(
        "/oauth/token", data={"grant_type": "client_credentials", **form}, auth=creds
    )


def _access(client: TestClient, creds: tuple[str, str], scope: str | None = None) -> str:
    form = {} if scope is None else {"scope": scope}
    response = _token(client, creds, **form)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _keys(settings: Settings) -> KeyRing:
    return KeyRing(settings.data_dir / "oauth_keys", settings.access_token_seconds)


def _claims(client_id: str, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": BASE,
        "aud": BASE + "/api",
        "sub": client_id,
        "client_id": client_id,
        "scope": "catalog:read",
        "iat": now,
        "exp": now + 300,
        "jti": secrets.token_urlsafe(8),
    }
    claims.update(overrides)
    return claims


def _sign(settings: Settings, claims: dict[str, Any], **header: Any) -> str:
    key = _keys(settings).current
    full = {"alg": "ES256", "typ": "at+jwt", "kid": key.kid, **header}
    full = {k: v for k, v in full.items() if v is not None}
    return jwt.encode(full, claims, key.key, algorithms=["ES256"])


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# -- client credentials and the token itself --------------------------------------------------


def test_client_credentials_token_is_an_rfc9068_jwt(
    client: TestClient, world: dict[str, Any]
) -> None:
    response = _token(client, world["reader_client"])
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900  # 15 minutes, not Authlib's 10 days
    assert body["scope"] == "catalog:read"
    assert "refresh_token" not in body

    jwks = KeySet.import_key_set(client.get("/.well-known/jwks.json").json())
    token = jwt.decode(body["access_token"], jwks, algorithms=["ES256"])
    assert token.header["typ"] == "at+jwt"
    assert token.header["kid"] in {k.kid for k in jwks.keys}
    claims = token.claims
    assert claims["iss"] == BASE
    assert claims["aud"] == BASE + "/api"
    assert claims["client_id"] == claims["sub"] == world["reader_client"][0]
    assert claims["exp"] - claims["iat"] == 900
    assert len(claims["jti"]) >= 16


def test_metadata_names_every_endpoint_and_only_s256(client: TestClient) -> None:
    meta = client.get("/.well-known/oauth-authorization-server").json()
    assert meta["issuer"] == BASE
    assert meta["token_endpoint"] == BASE + "/oauth/token"
    assert meta["jwks_uri"] == BASE + "/.well-known/jwks.json"
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert "implicit" not in meta["grant_types_supported"]
    assert "password" not in meta["grant_types_supported"]
    assert set(meta["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
    }
    jwks = client.get("/.well-known/jwks.json").json()
    assert all("d" not in key for key in jwks["keys"])  # never the private part


def test_client_secret_post_and_wrong_secret(client: TestClient, session: Session) -> None:
    creds = _new_client(
        session, Principal.operator(), scope="catalog:read", auth_method="client_secret_post"
    )
    response = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": creds[0], "client_secret": creds[1]},
    )
    assert response.status_code == 200, response.text
    # A client registered for client_secret_post may not use basic, and a wrong secret fails.
    assert _token(client, creds).json()["error"] == "invalid_client"
    wrong = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": creds[0], "client_secret": "x"},
    )
    assert wrong.status_code in (400, 401)
    assert wrong.json()["error"] == "invalid_client"


def test_scope_escalation_is_refused(client: TestClient, world: dict[str, Any]) -> None:
    response = _token(client, world["reader_client"], scope="catalog:read catalog:write")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"
    assert _token(client, world["reader_client"], scope="nonsense").json()["error"] == (
        "invalid_scope"
    )


def test_no_implicit_or_password_grant(client: TestClient, world: dict[str, Any]) -> None:
    for grant in ("password", "implicit"):
        response = client.post(
            "/oauth/token",
            data={"grant_type": grant, "username": "a", "password": "b"},
            auth=world["reader_client"],
        )
        assert response.json()["error"] == "unsupported_grant_type"


# -- resource protection ------------------------------------------------------------------------


def test_every_api_operation_declares_a_scope(client: TestClient) -> None:
    # Read from the OpenAPI document, which lists every registry the app mounts.
    document = client.get("/api/v1/openapi.json").json()
    undeclared = [
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if not any("oauth2" in requirement for requirement in operation.get("security", []))
    ]
    assert undeclared == []
    operations = {(op.method, op.path) for registry in REGISTRIES for op in registry.operations}
    documented = {(m.upper(), p) for p, item in document["paths"].items() for m in item}
    assert len(documented) == len(operations)


def test_openapi_documents_oauth2_and_each_scope(client: TestClient) -> None:
    document = client.get("/api/v1/openapi.json").json()
    scheme = document["components"]["securitySchemes"]["oauth2"]
    flows = scheme["flows"]
    assert flows["clientCredentials"]["tokenUrl"] == BASE + "/oauth/token"
    assert flows["authorizationCode"]["authorizationUrl"] == BASE + "/oauth/authorize"
    create = document["paths"]["/api/v1/datasets"]["post"]
    assert {"oauth2": ["catalog:write"]} in create["security"]
    listing = document["paths"]["/api/v1/datasets"]["get"]
    assert {"oauth2": ["catalog:read"]} in listing["security"]


def test_a_token_reads_and_roles_apply_on_top(client: TestClient, world: dict[str, Any]) -> None:
    token = _access(client, world["dept_client"])
    listed = client.get("/api/v1/datasets", headers=_bearer(token))
    assert listed.status_code == 200
    # The department's client publishes for its department …
    own = client.patch(
        f"/api/v1/datasets/{world['ours']}",
        json={"version": "2"},
        headers=_bearer(token),
    )
    assert own.status_code == 200, own.text
    # … and not for another one, whatever its scopes say.
    theirs = client.patch(
        f"/api/v1/datasets/{world['theirs']}",
        json={"version": "2"},
        headers=_bearer(token),
    )
    assert theirs.status_code == 403, theirs.text


def test_missing_scope_is_insufficient_scope(client: TestClient, world: dict[str, Any]) -> None:
    token = _access(client, world["dept_client"], scope="catalog:read")
    response = client.patch(
        f"/api/v1/datasets/{world['ours']}", json={"version": "3"}, headers=_bearer(token)
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "insufficient_scope"
    audit = client.get("/api/v1/audit/entries", headers=_bearer(token))
    assert audit.status_code == 403


def test_shared_reads_take_either_side_of_the_deal(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    manager = _new_client(
        session,
        Principal.for_user(world["publisher"], can_write=True, via="session"),
        scope="catalog:read exchange:manage",
        org=world["publisher"].memberships[0].organization,
    )
    token = _access(client, manager)
    listed = client.get("/api/v1/exchange/entitlements", headers=_bearer(token))
    assert listed.status_code == 200, listed.text
    reader = _access(client, manager, scope="catalog:read")
    refused = client.get("/api/v1/exchange/entitlements", headers=_bearer(reader))
    assert refused.status_code == 403
    assert "exchange:apply" in refused.json()["error"]["message"]
    assert "exchange:manage" in refused.headers["www-authenticate"]
    document = client.get("/api/v1/openapi.json").json()
    security = document["paths"]["/api/v1/exchange/entitlements"]["get"]["security"]
    assert {"oauth2": ["exchange:apply"]} in security
    assert {"oauth2": ["exchange:manage"]} in security


def test_personal_api_tokens_keep_working(client: TestClient, world: dict[str, Any]) -> None:
    response = client.get("/api/v1/me", headers=_bearer(world["personal"]))
    assert response.status_code == 200
    assert response.json()["authenticated_by"] == "token"


@pytest.mark.parametrize(
    "case",
    ["expired", "wrong_audience", "wrong_issuer", "missing_typ", "jwt_typ", "no_jti"],
)
def test_forged_or_stale_tokens_are_refused(
    client: TestClient, settings: Settings, world: dict[str, Any], case: str
) -> None:
    client.get("/.well-known/jwks.json")  # the app made its key ring
    cid = world["reader_client"][0]
    now = int(time.time())
    if case == "expired":
        token = _sign(settings, _claims(cid, iat=now - 2000, exp=now - 1000))
    elif case == "wrong_audience":
        token = _sign(settings, _claims(cid, aud="https://elsewhere.example/api"))
    elif case == "wrong_issuer":
        token = _sign(settings, _claims(cid, iss="https://evil.example"))
    elif case == "missing_typ":
        token = _sign(settings, _claims(cid), typ=None)
    elif case == "jwt_typ":
        token = _sign(settings, _claims(cid), typ="JWT")
    else:
        claims = _claims(cid)
        del claims["jti"]
        token = _sign(settings, claims)
    response = client.get("/api/v1/datasets", headers=_bearer(token))
    assert response.status_code == 401, (case, response.text)
    assert response.json()["error"]["code"] == "invalid_token"


def test_alg_none_and_hs256_with_the_public_key_are_refused(
    client: TestClient, world: dict[str, Any]
) -> None:
    public = client.get("/.well-known/jwks.json").json()["keys"][0]
    claims = _claims(world["reader_client"][0])
    payload = _b64(json.dumps(claims).encode())
    header_none = _b64(json.dumps({"alg": "none", "typ": "at+jwt"}).encode())
    unsigned = f"{header_none}.{payload}."
    # The classic confusion attack: HMAC keyed with the server's public key.
    hmac_key = OctKey.import_key(json.dumps(public).encode())
    confused = jwt.encode(
        {"alg": "HS256", "typ": "at+jwt", "kid": public["kid"]},
        claims,
        hmac_key,
        algorithms=["HS256"],
    )
    for token in (unsigned, confused):
        response = client.get("/api/v1/datasets", headers=_bearer(token))
        assert response.status_code == 401, response.text


def test_revoked_token_is_refused_and_introspects_inactive(
    client: TestClient, session: Session, sessions: sessionmaker[Session], world: dict[str, Any]
) -> None:
    creds = world["reader_client"]
    token = _access(client, creds)
    active = client.post("/oauth/introspect", data={"token": token}, auth=creds).json()
    assert active["active"] is True
    assert active["client_id"] == creds[0]
    assert client.get("/api/v1/datasets", headers=_bearer(token)).status_code == 200

    assert client.post("/oauth/revoke", data={"token": token}, auth=creds).status_code == 200
    refused = client.get("/api/v1/datasets", headers=_bearer(token))
    assert refused.status_code == 401
    assert "revoked" in refused.json()["error"]["message"]
    assert client.post("/oauth/introspect", data={"token": token}, auth=creds).json() == {
        "active": False
    }
    types = set(session.scalars(select(LedgerEntry.type)))
    assert {"oauth.token_revoked", "oauth_client.created"} <= types
    # The grant waits in the outbox (committed with it) until a drainer appends it.
    assert "oauth.token_granted" not in types
    assert ledger_outbox.drain_all(sessions) == 1
    types = set(session.scalars(select(LedgerEntry.type)))
    assert "oauth.token_granted" in types


def test_another_client_cannot_revoke_or_introspect_my_token(
    client: TestClient, world: dict[str, Any]
) -> None:
    token = _access(client, world["reader_client"])
    other = world["dept_client"]
    client.post("/oauth/revoke", data={"token": token}, auth=other)
    assert client.get("/api/v1/datasets", headers=_bearer(token)).status_code == 200
    seen = client.post("/oauth/introspect", data={"token": token}, auth=other)
    assert seen.json().get("active") is not True


def test_a_deleted_client_tokens_stop_working(
    client: TestClient, session: Session, world: dict[str, Any]
) -> None:
    creds = world["reader_client"]
    token = _access(client, creds)
    OAuthClientService(session).delete(Principal.operator(), creds[0])
    session.commit()
    assert client.get("/api/v1/datasets", headers=_bearer(token)).status_code == 401


# -- authorization code with PKCE, consent, refresh rotation ----------------------------------


def _login(client: TestClient, email: str) -> None:
    page = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    response = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": csrf.group(1)},
        follow_redirects=False,
    )
    assert response.status_code == 303


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = _b64(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge


@pytest.fixture
def web_app(session: Session, world: dict[str, Any]) -> dict[str, Any]:
    publisher: User = world["publisher"]
    creds = _new_client(
        session,
        Principal.for_user(publisher, can_write=True, via="session"),
        scope="catalog:read catalog:write",
        name="Bus timetable app",
        grant_types=["authorization_code"],
        redirect_uris=[REDIRECT],
    )
    return {"creds": creds, "user": publisher}


def _authorize_url(client_id: str, challenge: str | None, **extra: str) -> str:
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "scope": "catalog:read",
        "state": "xyz",
    }
    if challenge is not None:
        params.update(code_challenge=challenge, code_challenge_method="S256")
    params.update(extra)
    return "/oauth/authorize?" + urlencode(params)


def _consent(client: TestClient, url: str, decision: str = "allow") -> Any:
    page = client.get(url)
    assert page.status_code == 200, page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    return client.post(
        url, data={"csrf_token": csrf.group(1), "decision": decision}, follow_redirects=False
    )


def _code_from(response: Any) -> str:
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    query = parse_qs(location.query)
    assert query["state"] == ["xyz"]
    return query["code"][0]


def test_consent_page_names_client_owner_and_scopes(
    client: TestClient, web_app: dict[str, Any]
) -> None:
    _login(client, web_app["user"].email)
    _, challenge = _pkce()
    page = client.get(
        _authorize_url(web_app["creds"][0], challenge, scope="catalog:read catalog:write")
        + "&lang=en"
    )
    assert page.status_code == 200
    assert "Bus timetable app" in page.text
    assert web_app["user"].email in page.text
    assert "Read the catalog" in page.text
    assert "Create and change datasets" in page.text


def test_consent_post_without_csrf_is_refused(client: TestClient, web_app: dict[str, Any]) -> None:
    _login(client, web_app["user"].email)
    _, challenge = _pkce()
    url = _authorize_url(web_app["creds"][0], challenge)
    response = client.post(url, data={"decision": "allow"}, follow_redirects=False)
    assert response.status_code == 403


def test_code_flow_with_refresh_rotation_and_reuse_detection(
    client: TestClient, session: Session, web_app: dict[str, Any]
) -> None:
    creds = web_app["creds"]
    _login(client, web_app["user"].email)
    verifier, challenge = _pkce()
    code = _code_from(_consent(client, _authorize_url(creds[0], challenge)))

    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    tokens = client.post("/oauth/token", data={**form, "code_verifier": verifier}, auth=creds)
    assert tokens.status_code == 200, tokens.text
    first = tokens.json()
    claims = jwt.decode(
        first["access_token"],
        KeySet.import_key_set(client.get("/.well-known/jwks.json").json()),
        algorithms=["ES256"],
    ).claims
    assert claims["sub"] == str(web_app["user"].id)
    me = client.get("/api/v1/me", headers=_bearer(first["access_token"]))
    assert me.json()["email"] == web_app["user"].email

    # The code is good once; a replay is refused and revokes what it bought.
    replay = client.post("/oauth/token", data={**form, "code_verifier": verifier}, auth=creds)
    assert replay.json()["error"] == "invalid_grant"

    refresh = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    assert client.post("/oauth/token", data=refresh, auth=creds).json()["error"] == (
        "invalid_grant"
    )
    types = list(session.scalars(select(LedgerEntry.type)))
    assert "oauth.refresh_token_reuse" in types


def test_refresh_token_reuse_revokes_the_family(
    client: TestClient, session: Session, web_app: dict[str, Any]
) -> None:
    creds = web_app["creds"]
    _login(client, web_app["user"].email)
    verifier, challenge = _pkce()
    code = _code_from(_consent(client, _authorize_url(creds[0], challenge)))
    first = client.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
        },
        auth=creds,
    ).json()
    rotated = client.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        auth=creds,
    ).json()
    assert rotated["refresh_token"] != first["refresh_token"]
    # The old one again: a copy is in someone's hands. Both stop working.
    reuse = client.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        auth=creds,
    )
    assert reuse.json()["error"] == "invalid_grant"
    latest = client.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": rotated["refresh_token"]},
        auth=creds,
    )
    assert latest.json()["error"] == "invalid_grant"
    assert "oauth.refresh_token_reuse" in set(session.scalars(select(LedgerEntry.type)))


@pytest.mark.parametrize(
    ("case", "url_extra"),
    [
        ("no_pkce", {}),
        ("plain", {"code_challenge_method": "plain"}),
        ("prefix_redirect", {"redirect_uri": REDIRECT + "/evil"}),
        ("other_redirect", {"redirect_uri": "http://127.0.0.1:9999/callbackx"}),
    ],
)
def test_bad_authorization_requests_are_refused(
    client: TestClient, web_app: dict[str, Any], case: str, url_extra: dict[str, str]
) -> None:
    _login(client, web_app["user"].email)
    verifier, challenge = _pkce()
    if case == "no_pkce":
        url = _authorize_url(web_app["creds"][0], None)
    elif case == "plain":
        url = _authorize_url(web_app["creds"][0], verifier, **url_extra)
    else:
        url = _authorize_url(web_app["creds"][0], challenge, **url_extra)
    response = client.get(url, follow_redirects=False)
    if case.endswith("redirect"):
        # Never redirect to an unregistered URI: show an error page instead.
        assert response.status_code == 400, response.text
        assert "location" not in response.headers
    else:
        assert response.status_code == 302
        query = parse_qs(urlsplit(response.headers["location"]).query)
        assert query["error"] == ["invalid_request"]


def test_token_request_without_verifier_is_refused(
    client: TestClient, web_app: dict[str, Any]
) -> None:
    creds = web_app["creds"]
    _login(client, web_app["user"].email)
    _, challenge = _pkce()
    code = _code_from(_consent(client, _authorize_url(creds[0], challenge)))
    response = client.post(
        "/oauth/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
        auth=creds,
    )
    assert response.json()["error"] == "invalid_request"
    wrong = client.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": secrets.token_urlsafe(48),
        },
        auth=creds,
    )
    assert wrong.json()["error"] == "invalid_grant"


def test_denied_consent_redirects_with_access_denied(
    client: TestClient, web_app: dict[str, Any]
) -> None:
    _login(client, web_app["user"].email)
    _, challenge = _pkce()
    response = _consent(client, _authorize_url(web_app["creds"][0], challenge), "deny")
    assert response.status_code == 302
    assert parse_qs(urlsplit(response.headers["location"]).query)["error"] == ["access_denied"]


# -- signing-key rotation -------------------------------------------------------------------


def test_rotated_keys_stay_published_until_their_tokens_expire(
    client: TestClient, settings: Settings, world: dict[str, Any]
) -> None:
    creds = world["reader_client"]
    old_token = _access(client, creds)
    old_kid = jwt.decode(
        old_token, KeySet.import_key_set(client.get("/.well-known/jwks.json").json())
    ).header["kid"]
    directory = settings.data_dir / "oauth_keys"
    new_kid = rotate(directory)
    ring = client.app.state.oauth.server.keys  # type: ignore[attr-defined]
    ring._refresh(force=True)  # the server notices within RELOAD_SECONDS; do not wait here

    published = {k["kid"] for k in client.get("/.well-known/jwks.json").json()["keys"]}
    assert published == {old_kid, new_kid}
    new_token = _access(client, creds)
    assert jwt.decode(new_token, ring.verification_keys()).header["kid"] == new_kid
    for token in (old_token, new_token):
        assert client.get("/api/v1/datasets", headers=_bearer(token)).status_code == 200

    # Once every token of the old key has expired, the old key leaves the JWKS.
    later = KeyRing(directory, settings.access_token_seconds)
    horizon = time.time() + settings.access_token_seconds + 120
    assert [k.kid for k in later.published_at(horizon)] == [new_kid]


def test_behind_a_tls_proxy_the_issuer_and_urls_are_https(
    tmp_path: Path, db_url: str, sessions: Any, session: Session
) -> None:
    from api.app import create_app
    from catalog.search.sqlite_fts import SqliteFtsBackend

    https = load_settings(
        {
            "SHUDU_DATA_DIR": str(tmp_path / "tls"),
            "SHUDU_DATABASE_URL": db_url,
            "SHUDU_BASE_URL": "https://data.example.gov.cn",
        }
    )
    creds = _new_client(session, Principal.operator(), scope="catalog:read")
    app = create_app(https, sessions=sessions, search_backend=SqliteFtsBackend(tmp_path / "s.db"))
    # The proxy speaks plain HTTP to us; Authlib still sees the public https URL.
    with TestClient(app, base_url="http://backend:8000") as behind:
        meta = behind.get("/.well-known/oauth-authorization-server").json()
        assert meta["issuer"] == "https://data.example.gov.cn"
        assert all(
            meta[k].startswith("https://data.example.gov.cn/")
            for k in ("authorization_endpoint", "token_endpoint", "jwks_uri")
        )
        token = _access(behind, creds)
        claims = jwt.decode(
            token, KeySet.import_key_set(behind.get(urlsplit(meta["jwks_uri"]).path).json())
        )
        assert claims.claims["iss"] == "https://data.example.gov.cn"
        assert behind.get("/api/v1/datasets", headers=_bearer(token)).status_code == 200


def test_oversized_or_overlong_token_requests_are_refused(
    client: TestClient, world: dict[str, Any]
) -> None:
    huge = client.post(
        "/oauth/token",
        content=b"grant_type=client_credentials&x=" + b"a" * 70_000,
        headers={"content-type": "application/x-www-form-urlencoded"},
        auth=world["reader_client"],
    )
    assert huge.status_code == 413
    many = "&".join(f"f{i}=1" for i in range(50))
    response = client.post(
        "/oauth/token",
        content=many.encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
        auth=world["reader_client"],
    )
    assert response.status_code == 400


# -- RFC 6750 challenges ------------------------------------------------------------------------


def _challenge(response: Any) -> dict[str, str]:
    value = response.headers["www-authenticate"]
    assert value.startswith("Bearer ")
    return dict(re.findall(r'(\w+)="([^"]*)"', value))


def test_401_and_403_carry_rfc6750_challenges(
    client: TestClient, settings: Settings, world: dict[str, Any]
) -> None:
    anonymous = client.get("/api/v1/me")
    assert anonymous.status_code == 401
    assert _challenge(anonymous) == {"realm": "shudu"}  # no error code without credentials

    cid = world["reader_client"][0]
    client.get("/.well-known/jwks.json")
    past = int(time.time()) - 3600
    expired = _sign(settings, _claims(cid, iat=past - 900, exp=past))
    revoked = _access(client, world["reader_client"])
    client.post("/oauth/revoke", data={"token": revoked}, auth=world["reader_client"])
    for bad in ("ey.not.a-jwt", expired, revoked, "sdu_not_a_real_personal_token"):
        response = client.get("/api/v1/datasets", headers=_bearer(bad))
        assert response.status_code == 401, bad
        challenge = _challenge(response)
        assert challenge["realm"] == "shudu"
        assert challenge["error"] == "invalid_token"
        assert challenge["error_description"]
    assert (
        "revoked"
        in _challenge(client.get("/api/v1/datasets", headers=_bearer(revoked)))["error_description"]
    )

    narrow = _access(client, world["dept_client"], scope="catalog:read")
    refused = client.patch(
        f"/api/v1/datasets/{world['ours']}", json={"version": "3"}, headers=_bearer(narrow)
    )
    assert refused.status_code == 403
    challenge = _challenge(refused)
    assert challenge["error"] == "insufficient_scope"
    assert challenge["scope"] == "catalog:write"
    # A role refusal is not a token problem: no challenge.
    denied = client.patch(
        f"/api/v1/datasets/{world['theirs']}",
        json={"version": "3"},
        headers=_bearer(_access(client, world["dept_client"])),
    )
    assert denied.status_code in (403, 404)
    assert "www-authenticate" not in denied.headers


# -- login returns to the consent page; remembered consent -------------------------------------


def _login_page_csrf(client: TestClient, url: str = "/login") -> str:
    page = client.get(url)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    return csrf.group(1)


def test_authorize_sends_to_login_and_login_comes_back(
    client: TestClient, web_app: dict[str, Any]
) -> None:
    _, challenge = _pkce()
    url = _authorize_url(web_app["creds"][0], challenge)
    to_login = client.get(url, follow_redirects=False)
    assert to_login.status_code == 303
    login = to_login.headers["location"]
    assert login.startswith("/login?next=")
    assert parse_qs(urlsplit(login).query)["next"] == [url]
    page = client.get(login)
    assert 'name="next"' in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    done = client.post(
        "/login",
        data={
            "email": web_app["user"].email,
            "password": PASSWORD,
            "csrf_token": csrf.group(1),
            "next": url,
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"] == url
    consent = client.get(done.headers["location"])
    assert consent.status_code == 200
    assert "Bus timetable app" in consent.text


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "\\\\evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        "evil.example",
    ],
)
def test_login_never_redirects_off_site(
    client: TestClient, web_app: dict[str, Any], target: str
) -> None:
    csrf = _login_page_csrf(client, "/login?" + urlencode({"next": target}))
    done = client.post(
        "/login",
        data={
            "email": web_app["user"].email,
            "password": PASSWORD,
            "csrf_token": csrf,
            "next": target,
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/account/tokens"


def test_consent_is_remembered_for_the_same_or_fewer_scopes_and_can_be_withdrawn(
    client: TestClient, session: Session, web_app: dict[str, Any]
) -> None:
    creds = web_app["creds"]
    _login(client, web_app["user"].email)
    _, challenge = _pkce()
    both = "catalog:read catalog:write"
    _code_from(_consent(client, _authorize_url(creds[0], challenge, scope=both)))
    # Again, and with fewer scopes: straight back to the client with a code, no page.
    for scope in (both, "catalog:read"):
        _code_from(client.get(_authorize_url(creds[0], challenge, scope=scope),
                              follow_redirects=False))  # fmt: skip
    # The client may ask for the page anyway.
    forced = client.get(_authorize_url(creds[0], challenge, prompt="consent"))
    assert forced.status_code == 200

    # A code from the remembered consent still buys tokens; withdrawing kills them.
    verifier, challenge = _pkce()
    code = _code_from(client.get(_authorize_url(creds[0], challenge), follow_redirects=False))
    tokens = client.post(
        "/oauth/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
              "code_verifier": verifier},
        auth=creds,
    ).json()  # fmt: skip
    assert client.get("/api/v1/me", headers=_bearer(tokens["access_token"])).status_code == 200
    page = client.get("/account/clients")
    assert creds[0] in page.text
    assert 'value="withdraw"' in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    withdrawn = client.post(
        "/account/clients",
        data={"csrf_token": csrf.group(1), "action": "withdraw", "client_id": creds[0]},
    )
    assert withdrawn.status_code == 200
    assert 'value="withdraw"' not in withdrawn.text
    again = client.get(_authorize_url(creds[0], challenge), follow_redirects=False)
    assert again.status_code == 200  # the page again
    refresh = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    assert client.post("/oauth/token", data=refresh, auth=creds).json()["error"] == (
        "invalid_grant"
    )
    # The deny-list is re-read at most once a second in each process.
    wait_until(
        lambda: (
            client.get("/api/v1/me", headers=_bearer(tokens["access_token"])).status_code == 401
        ),
        "the withdrawn consent's access token refused",
        seconds=5,
    )
    types = set(session.scalars(select(LedgerEntry.type)))
    assert {"oauth.consent_granted", "oauth.consent_withdrawn"} <= types


def test_refresh_token_reuse_also_revokes_the_family_access_tokens(
    client: TestClient, web_app: dict[str, Any]
) -> None:
    creds = web_app["creds"]
    _login(client, web_app["user"].email)
    verifier, challenge = _pkce()
    code = _code_from(_consent(client, _authorize_url(creds[0], challenge)))
    first = client.post(
        "/oauth/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
              "code_verifier": verifier},
        auth=creds,
    ).json()  # fmt: skip
    refresh = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    rotated = client.post("/oauth/token", data=refresh, auth=creds).json()
    for token in (first["access_token"], rotated["access_token"]):
        assert client.get("/api/v1/me", headers=_bearer(token)).status_code == 200
    assert client.post("/oauth/token", data=refresh, auth=creds).json()["error"] == (
        "invalid_grant"
    )
    for token in (first["access_token"], rotated["access_token"]):
        refused = client.get("/api/v1/me", headers=_bearer(token))
        assert refused.status_code == 401  # at once in the process that saw the reuse
        assert "revoked" in refused.json()["error"]["message"]
