"""Every OAuth grant with a real OAuth client (Authlib's httpx client) against a live server.

The server is ``shudu serve`` in its own process on a fresh data dir and database; accounts
and clients are made with the ``shudu`` command, as an operator would.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.httpx_client import OAuth2Client
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet

from tests.live import Demo, run_server, shudu, wait_until

pytestmark = [pytest.mark.live, pytest.mark.database]

PASSWORD = "correct horse battery"
REDIRECT = "http://127.0.0.1:9/callback"  # never followed: the test reads the redirect


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    data = tmp_path_factory.mktemp("oauth-live")
    yield from run_server(data)


def _register(live: Demo, *args: str) -> dict[str, str]:
    last = shudu(live.env, "client", "create", *args).strip().splitlines()[-1]
    created: dict[str, str] = orjson.loads(last)
    return created


@pytest.fixture(scope="module")
def people(live: Demo) -> dict[str, str]:
    shudu(live.env, "user", "create", "dev@example.org", "--password", PASSWORD)
    return {"email": "dev@example.org"}


def test_metadata_and_a_token_verified_with_a_standard_jose_library(live: Demo) -> None:
    meta = httpx.get(f"{live.base}/.well-known/oauth-authorization-server").json()
    assert meta["issuer"] == live.base
    assert meta["code_challenge_methods_supported"] == ["S256"]
    creds = _register(
        live, "--name", "reader", "--grant", "client_credentials", "--scope", "catalog:read"
    )
    with OAuth2Client(creds["client_id"], creds["client_secret"], scope="catalog:read") as client:
        token = client.fetch_token(meta["token_endpoint"], grant_type="client_credentials")
        jwks = KeySet.import_key_set(httpx.get(meta["jwks_uri"]).json())
        decoded = jwt.decode(token["access_token"], jwks, algorithms=["ES256"])
        assert decoded.header["typ"] == "at+jwt"
        registry = jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": live.base},
            aud={"essential": True, "value": live.base + "/api"},
            exp={"essential": True},
        )
        registry.validate(decoded.claims)
        assert token["expires_in"] == 900
        # The Authlib client sends the token; the API takes it.
        response = client.get(f"{live.base}/api/v1/datasets")
        assert response.status_code == 200, response.text


def test_client_credentials_with_secret_post_and_revocation(live: Demo) -> None:
    creds = _register(
        live,
        "--name", "poster", "--grant", "client_credentials", "--scope", "catalog:read",
        "--auth-method", "client_secret_post",
    )  # fmt: skip
    with OAuth2Client(
        creds["client_id"],
        creds["client_secret"],
        token_endpoint_auth_method="client_secret_post",
        revocation_endpoint_auth_method="client_secret_post",
    ) as client:
        token = client.fetch_token(f"{live.base}/oauth/token", grant_type="client_credentials")
        assert client.get(f"{live.base}/api/v1/themes").status_code == 200
        revoked = client.revoke_token(f"{live.base}/oauth/revoke", token["access_token"])
        assert revoked.status_code == 200
        # Refused by the API within seconds (at once in the process that revoked it).
        wait_until(
            lambda: client.get(f"{live.base}/api/v1/themes").status_code == 401,
            "the revoked token refused",
            seconds=5,
        )


def test_private_key_jwt_client(live: Demo, tmp_path: Path) -> None:
    key = ECKey.generate_key("P-256", {"kid": "app-1"}, private=True)
    jwks_file = tmp_path / "jwks.json"
    jwks_file.write_bytes(orjson.dumps({"keys": [key.as_dict(private=False)]}))
    creds = _register(
        live, "--name", "signer", "--grant", "client_credentials", "--scope", "catalog:read",
        "--jwks", str(jwks_file),
    )  # fmt: skip
    assert creds["client_secret"] is None
    token_url = f"{live.base}/oauth/token"
    auth = PrivateKeyJWT(token_url, alg="ES256")
    with OAuth2Client(creds["client_id"], key, token_endpoint_auth_method=auth) as client:
        token = client.fetch_token(token_url, grant_type="client_credentials")
        assert client.get(f"{live.base}/api/v1/datasets").status_code == 200
        assert token["scope"] == "catalog:read"
    # Someone else's key does not do.
    stranger = ECKey.generate_key("P-256", {"kid": "app-1"}, private=True)
    with (
        OAuth2Client(creds["client_id"], stranger, token_endpoint_auth_method=auth) as client,
        pytest.raises(OAuthError) as refused,
    ):
        client.fetch_token(token_url, grant_type="client_credentials")
    assert refused.value.error == "invalid_client"


def _browser_login(live: Demo, email: str) -> httpx.Client:
    browser = httpx.Client(base_url=live.base, follow_redirects=False)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/login").text)
    assert csrf is not None
    done = browser.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf.group(1)}
    )
    assert done.status_code == 303
    return browser


def _consent(browser: httpx.Client, url: str) -> str:
    page = browser.get(url)
    assert page.status_code == 200, page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    decided = browser.post(url, data={"csrf_token": csrf.group(1), "decision": "allow"})
    assert decided.status_code == 302, decided.text
    return decided.headers["location"]


def test_authorization_code_with_pkce_then_refresh_rotation_and_reuse(
    live: Demo, people: dict[str, str]
) -> None:
    creds = _register(
        live, "--name", "timetable", "--grant", "authorization_code",
        "--scope", "catalog:read catalog:write", "--owner", people["email"],
        "--redirect-uri", REDIRECT,
    )  # fmt: skip
    token_url = f"{live.base}/oauth/token"
    client = OAuth2Client(
        creds["client_id"],
        creds["client_secret"],
        redirect_uri=REDIRECT,
        scope="catalog:read",
        code_challenge_method="S256",
    )
    verifier = hashlib.sha256(b"a test verifier").hexdigest()
    url, state = client.create_authorization_url(
        f"{live.base}/oauth/authorize", code_verifier=verifier
    )
    assert "code_challenge_method=S256" in url
    with closing(_browser_login(live, people["email"])) as browser:
        callback = _consent(browser, url)
    token: dict[str, Any] = client.fetch_token(
        token_url, authorization_response=callback, code_verifier=verifier, state=state
    )
    assert token["scope"] == "catalog:read"
    me = client.get(f"{live.base}/api/v1/me")
    assert me.json()["email"] == people["email"]

    first_refresh = token["refresh_token"]
    rotated = client.refresh_token(token_url, refresh_token=first_refresh)
    assert rotated["refresh_token"] != first_refresh
    assert client.get(f"{live.base}/api/v1/me").status_code == 200

    # Reusing the old refresh token revokes the family: the rotated one dies too.
    reuse = httpx.post(
        token_url,
        data={"grant_type": "refresh_token", "refresh_token": first_refresh},
        auth=(creds["client_id"], creds["client_secret"]),
    )
    assert reuse.json()["error"] == "invalid_grant"
    after = httpx.post(
        token_url,
        data={"grant_type": "refresh_token", "refresh_token": rotated["refresh_token"]},
        auth=(creds["client_id"], creds["client_secret"]),
    )
    assert after.json()["error"] == "invalid_grant"
    # The family's access tokens die with it: the client's current one, and the first.
    refused = client.get(f"{live.base}/api/v1/me")
    assert refused.status_code == 401
    assert 'error="invalid_token"' in refused.headers["www-authenticate"]
    first_access = {"Authorization": f"Bearer {token['access_token']}"}
    assert httpx.get(f"{live.base}/api/v1/me", headers=first_access).status_code == 401
    client.close()


def test_plain_pkce_and_unregistered_redirects_are_refused_live(
    live: Demo, people: dict[str, str]
) -> None:
    creds = _register(
        live, "--name", "strict", "--grant", "authorization_code", "--scope", "catalog:read",
        "--owner", people["email"], "--redirect-uri", REDIRECT,
    )  # fmt: skip
    with closing(_browser_login(live, people["email"])) as browser:
        plain = OAuth2Client(
            creds["client_id"], redirect_uri=REDIRECT, code_challenge_method="plain"
        )
        url, _ = plain.create_authorization_url(
            f"{live.base}/oauth/authorize", code_verifier="x" * 50
        )
        refused = browser.get(url)
        assert refused.status_code == 302
        assert "error=invalid_request" in refused.headers["location"]
        evil = OAuth2Client(
            creds["client_id"],
            redirect_uri=REDIRECT + ".evil.example",
            code_challenge_method="S256",
        )
        url, _ = evil.create_authorization_url(
            f"{live.base}/oauth/authorize", code_verifier="y" * 50
        )
        page = browser.get(url)
        assert page.status_code == 400
        assert "location" not in page.headers


@pytest.fixture(scope="module")
def second_worker(live: Demo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    yield from run_server(tmp_path_factory.mktemp("oauth-live-2"), share=live)


def test_a_second_worker_honours_revocation_and_shares_rate_limits(
    live: Demo, second_worker: Demo
) -> None:
    creds = _register(
        live, "--name", "two-workers", "--grant", "client_credentials", "--scope", "catalog:read"
    )
    auth = (creds["client_id"], creds["client_secret"])
    token = httpx.post(
        f"{live.base}/oauth/token", data={"grant_type": "client_credentials"}, auth=auth
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    # The token from worker 1 works on worker 2 (same keys), and both count one budget.
    first = httpx.get(f"{live.base}/api/v1/themes", headers=headers)
    second = httpx.get(f"{second_worker.base}/api/v1/themes", headers=headers)
    assert first.status_code == second.status_code == 200
    assert int(second.headers["ratelimit-remaining"]) == (
        int(first.headers["ratelimit-remaining"]) - 1
    )
    # Revoked at worker 1, refused by worker 2 within seconds.
    assert httpx.post(f"{live.base}/oauth/revoke", data={"token": token}, auth=auth).is_success
    wait_until(
        lambda: (
            httpx.get(f"{second_worker.base}/api/v1/themes", headers=headers).status_code == 401
        ),
        "worker 2 refusing the revoked token",
        seconds=5,
    )


def test_login_comes_back_to_consent_which_is_then_remembered(
    live: Demo, people: dict[str, str]
) -> None:
    creds = _register(
        live, "--name", "remembered", "--grant", "authorization_code",
        "--scope", "catalog:read catalog:write", "--owner", people["email"],
        "--redirect-uri", REDIRECT,
    )  # fmt: skip
    token_url = f"{live.base}/oauth/token"

    def authorize_url(scope: str) -> tuple[OAuth2Client, str, str, str]:
        client = OAuth2Client(
            creds["client_id"], creds["client_secret"], redirect_uri=REDIRECT, scope=scope,
            code_challenge_method="S256",
        )  # fmt: skip
        verifier = hashlib.sha256(scope.encode() + b"verifier").hexdigest()
        url, state = client.create_authorization_url(
            f"{live.base}/oauth/authorize", code_verifier=verifier
        )
        return client, url, state, verifier

    client, url, state, verifier = authorize_url("catalog:read catalog:write")
    with httpx.Client(base_url=live.base, follow_redirects=False) as browser:
        to_login = browser.get(url)
        assert to_login.status_code == 303
        login = to_login.headers["location"]
        assert login.startswith("/login?next=%2Foauth%2Fauthorize%3F")
        page = browser.get(login)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        following = re.search(r'name="next" value="([^"]+)"', page.text)
        assert csrf is not None
        assert following is not None
        done = browser.post(
            "/login",
            data={
                "email": people["email"], "password": PASSWORD,
                "csrf_token": csrf.group(1), "next": following.group(1).replace("&amp;", "&"),
            },
        )  # fmt: skip
        assert done.status_code == 303
        back = done.headers["location"]
        assert back.startswith("/oauth/authorize?")
        callback = _consent(browser, live.base + back)
        token = client.fetch_token(
            token_url, authorization_response=callback, code_verifier=verifier, state=state
        )
        assert token["scope"] == "catalog:read catalog:write"
        client.close()

        # The same person, the same client, fewer scopes: no page, straight back with a code.
        client, url, state, verifier = authorize_url("catalog:read")
        again = browser.get(url)
        assert again.status_code == 302
        token = client.fetch_token(
            token_url,
            authorization_response=again.headers["location"],
            code_verifier=verifier,
            state=state,
        )
        assert token["scope"] == "catalog:read"
        client.close()
        # More scopes than allowed before would show the page again; an open redirect never.
        evil = browser.get("/login?next=//evil.example/")
        assert "evil.example" not in evil.text


def test_clients_page_registers_a_private_key_jwt_client_from_its_jwks_uri(
    live: Demo, people: dict[str, str]
) -> None:
    # The client's keys are published at a URL; here the site's own JWKS stands in for the
    # client's, and the test signs with the matching private key from the data dir.
    browser = _browser_login(live, people["email"])
    with closing(browser):
        page = browser.get("/account/clients")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert csrf is not None
        created = browser.post(
            "/account/clients",
            data={
                "csrf_token": csrf.group(1), "action": "create", "name": "keys-by-url",
                "grant": "client_credentials", "scope:catalog:read": "on",
                "auth_method": "private_key_jwt",
                "jwks_uri": f"{live.base}/.well-known/jwks.json",
            },
        )  # fmt: skip
        assert created.status_code == 200, created.text
        found = re.search(r'id="new-client-id">([^<]+)<', created.text)
        assert found is not None
        unreachable = browser.post(
            "/account/clients",
            data={
                "csrf_token": csrf.group(1), "action": "create", "name": "nowhere",
                "grant": "client_credentials", "scope:catalog:read": "on",
                "auth_method": "private_key_jwt", "jwks_uri": "http://127.0.0.1:9/jwks.json",
            },
        )  # fmt: skip
        assert unreachable.status_code == 422
    [key_file] = (Path(live.env["SHUDU_DATA_DIR"]) / "oauth_keys").glob("*.json")
    private = ECKey.import_key(orjson.loads(key_file.read_bytes())["jwk"])
    token_url = f"{live.base}/oauth/token"
    auth = PrivateKeyJWT(token_url, alg="ES256")
    with OAuth2Client(found.group(1), private, token_endpoint_auth_method=auth) as client:
        token = client.fetch_token(token_url, grant_type="client_credentials")
        assert token["scope"] == "catalog:read"


def test_usage_counts_calls_made_at_either_worker(
    live: Demo, second_worker: Demo, people: dict[str, str]
) -> None:
    creds = _register(
        live, "--name", "counted", "--grant", "client_credentials", "--scope", "catalog:read",
        "--owner", people["email"],
    )  # fmt: skip
    auth = (creds["client_id"], creds["client_secret"])
    token = httpx.post(
        f"{live.base}/oauth/token", data={"grant_type": "client_credentials"}, auth=auth
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    for base in (live.base, second_worker.base, second_worker.base):
        assert httpx.get(f"{base}/api/v1/themes", headers=headers).status_code == 200
    personal = shudu(live.env, "token", "create", people["email"]).strip().splitlines()[-1]
    owner = {"Authorization": f"Bearer {personal}"}

    def counted() -> bool:
        shown = httpx.get(f"{live.base}/api/v1/oauth/clients/{creds['client_id']}", headers=owner)
        return bool(shown.json()["calls_total"] == 3)

    # Each worker adds its counts to the shared rows about once a second.
    wait_until(counted, "both workers' calls counted", seconds=10)
