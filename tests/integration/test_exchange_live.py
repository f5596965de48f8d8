"""The exchange against a live `shudu demo` with a real OAuth client (Authlib's httpx client).

- the demo's credentials (demo-credentials.json) read the licensed table with only the allowed
  fields; another field is refused with its term; a client without a licence is refused;
- a second licence with a quota of 20 calls a day, made through the API as the people involved
  would, is hit by 60 concurrent calls: exactly 20 succeed, the rest get 429;
- revoking it is effective at once, and a regulator finds every step in the ledger, which
  `shudu audit verify` then verifies.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from authlib.integrations.httpx_client import OAuth2Client

from tests.live import Demo, run_demo, shudu, wait_until

pytestmark = [pytest.mark.live, pytest.mark.database]

SCOPE = "datastore:read catalog:read"
QUOTA = 20
CALLERS = 60
# The demo's licensed table (attraction visitor flows): the second licence grants three of its
# fields, masks one, and only the rows of one area.
LICENSED_FIELDS = ("week_starting", "area", "visitors_10k")
MASKED = "visitors_10k"
ROW_FIELD, ROW_VALUE = "area", "豫园"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    yield from run_demo(tmp_path_factory.mktemp("exchange-live"))


@pytest.fixture(scope="module")
def credentials(demo: Demo) -> dict[str, Any]:
    path = Path(demo.env["SHUDU_DATA_DIR"]) / "demo-credentials.json"
    loaded: dict[str, Any] = orjson.loads(path.read_bytes())
    return loaded


@contextmanager
def _oauth(demo: Demo, client_id: str, secret: str) -> Iterator[OAuth2Client]:
    with OAuth2Client(client_id, secret, scope=SCOPE) as client:
        client.fetch_token(f"{demo.base}/oauth/token", grant_type="client_credentials")
        yield client


def _token(demo: Demo, email: str) -> dict[str, str]:
    secret = shudu(demo.env, "token", "create", email, "--write").strip().splitlines()[-1]
    return {"Authorization": f"Bearer {secret}"}


def _records(demo: Demo, credentials: dict[str, Any]) -> str:
    return f"{demo.base}/api/v1/resources/{credentials['resource']}/records"


def test_demo_credentials_read_only_the_allowed_fields(
    demo: Demo, credentials: dict[str, Any]
) -> None:
    assert set(credentials) >= {"client_id", "client_secret", "dataset", "allowed_fields"}
    url = _records(demo, credentials)
    with _oauth(demo, credentials["client_id"], credentials["client_secret"]) as client:
        response = client.get(url, params={"limit": 5})
        assert response.status_code == 200, response.text
        assert [f["id"] for f in response.json()["fields"]] == credentials["allowed_fields"]
        assert len(response.json()["records"]) == 5
        assert int(response.headers["X-Quota-Calls-Remaining"]) < 1000
        table = httpx.get(
            f"{demo.base}/api/v1/datasets/{credentials['dataset']}",
        ).json()
        assert table["open_level"] == "conditional"
        refused = client.get(url, params={"fields": "not_a_licensed_field"})
        assert refused.status_code == 403
        assert refused.json()["error"]["details"]["term"] == "shudu:fields"
    assert httpx.get(url).status_code == 401
    other = orjson.loads(
        shudu(
            demo.env, "client", "create", "--name", "unlicensed", "--grant", "client_credentials",
            "--scope", SCOPE, "--org", "yunfu-fintech",
        ).strip().splitlines()[-1]
    )  # fmt: skip
    with _oauth(demo, other["client_id"], other["client_secret"]) as client:
        denied = client.get(url)
        assert denied.status_code == 403
        assert denied.json()["error"]["details"]["term"] == "entitlement"
        assert "records" not in denied.json()


def _licence_with_quota(
    demo: Demo, credentials: dict[str, Any]
) -> tuple[dict[str, Any], str, dict[str, str]]:
    """A second licence for demo-enterprise, through the API: offer, apply, review, accept."""
    people = credentials["accounts"]
    publisher = _token(demo, people["publisher"])
    member = _token(demo, people["enterprise"])
    reviewer = _token(demo, people["reviewer"])
    api = f"{demo.base}/api/v1/exchange"
    product = next(
        p for p in httpx.get(f"{api}/products").json()["items"]
        if p["dataset"] == credentials["dataset"]
    )  # fmt: skip

    def term(operand: str, operator: str, value: Any) -> dict[str, Any]:
        return {"leftOperand": operand, "operator": operator, "rightOperand": value}

    policy = {
        "permission": [
            {
                "action": "read",
                "constraint": [
                    term("shudu:fields", "isAnyOf", [*LICENSED_FIELDS]),
                    term("shudu:maskedFields", "isAllOf", [MASKED]),
                    term("shudu:rowFilter", "eq", {ROW_FIELD: ROW_VALUE}),
                    term("shudu:callsPerDay", "lteq", QUOTA),
                ],
            }
        ]
    }
    offer = httpx.post(
        f"{api}/products/{product['id']}/offers",
        json={"name": "Trial", "policy": policy, "price_plan": {"kind": "free"}},
        headers=publisher,
    )
    assert offer.status_code == 201, offer.text
    client = orjson.loads(
        shudu(
            demo.env, "client", "create", "--name", "quota", "--grant", "client_credentials",
            "--scope", SCOPE, "--org", "demo-enterprise",
        ).strip().splitlines()[-1]
    )  # fmt: skip
    created = httpx.post(
        f"{api}/applications",
        json={
            "offer_id": offer.json()["id"],
            "purpose_code": "academic_research",
            "usage_scenario": "Load test",
            "security_measures": "None needed",
            "contact_name": "QA",
            "contact_email": "qa@example.org",
            "client_ids": [client["client_id"]],
        },
        headers=member,
    )
    assert created.status_code == 201, created.text
    app_id = created.json()["id"]
    for action, who in (
        ("submit", member),
        ("start_review", publisher),
        ("provider_approve", publisher),
        ("compliance_approve", reviewer),
        ("issue_agreement", publisher),
    ):
        step = httpx.post(f"{api}/applications/{app_id}/{action}", json={}, headers=who)
        assert step.status_code == 200, (action, step.text)
    digest = step.json()["agreement"]["hash"]
    for path, who in (("accept", member), ("countersign", publisher)):
        done = httpx.post(f"{api}/applications/{app_id}/{path}", json={"hash": digest}, headers=who)
        assert done.status_code == 200, done.text
    entitlement = next(
        e for e in httpx.get(f"{api}/entitlements", headers=member).json()["items"]
        if client["client_id"] in e["clients"]
    )  # fmt: skip
    steps = {"offer": offer.json()["id"], "application": app_id, "entitlement": entitlement["id"]}
    return client, entitlement["id"], steps


def test_quota_is_exact_under_concurrent_calls_and_revocation_is_immediate(
    demo: Demo, credentials: dict[str, Any]
) -> None:
    client, entitlement_id, steps = _licence_with_quota(demo, credentials)
    url = _records(demo, credentials)
    with _oauth(demo, client["client_id"], client["client_secret"]) as oauth:
        token = oauth.token["access_token"]
        # Only the licensed fields, only the licensed rows, the masked field masked.
        first = oauth.get(url, params={"limit": 1000})
        assert first.status_code == 200, first.text
        assert [f["id"] for f in first.json()["fields"]] == list(LICENSED_FIELDS)
        records = first.json()["records"]
        assert records
        assert {r[ROW_FIELD] for r in records} == {ROW_VALUE}
        assert {r[MASKED] for r in records} == {"***"}
        assert first.headers["X-Quota-Calls-Remaining"] == str(QUOTA - 1)
    left = QUOTA - 1
    statuses: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(CALLERS // 3)

    def caller() -> None:
        with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
            barrier.wait()
            for _ in range(3):
                code = http.get(url, params={"limit": 1}).status_code
                with lock:
                    statuses.append(code)

    threads = [threading.Thread(target=caller) for _ in range(CALLERS // 3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(set(statuses)) == [200, 429]
    assert statuses.count(200) == left
    assert statuses.count(429) == CALLERS - left

    people = credentials["accounts"]
    member = _token(demo, people["enterprise"])
    usage = httpx.get(
        f"{demo.base}/api/v1/exchange/entitlements/{entitlement_id}/usage", headers=member
    ).json()["items"]
    assert usage[0]["calls"] == QUOTA
    assert usage[0]["denials"] == CALLERS - left

    # Revoked: refused at the next call (a fresh token, so the quota is not what refuses).
    reviewer = _token(demo, people["reviewer"])
    revoked = httpx.post(
        f"{demo.base}/api/v1/exchange/entitlements/{entitlement_id}/revoke",
        json={"reason": "End of trial"},
        headers=reviewer,
    )
    assert revoked.status_code == 200, revoked.text
    with _oauth(demo, client["client_id"], client["client_secret"]) as oauth:
        wait_until(
            lambda: oauth.get(url).status_code == 403,
            "the revoked licence refused",
            seconds=5,
        )

    # The regulator finds every step in the ledger, and the ledger verifies.
    regulator = _token(demo, "regulator@cyberspace-affairs-office.demo.shudu.example")

    def entries(**params: str) -> list[dict[str, Any]]:
        seen = httpx.get(f"{demo.base}/api/v1/audit/entries", params=params, headers=regulator)
        assert seen.status_code == 200, seen.text
        items: list[dict[str, Any]] = seen.json()["items"]
        return items

    application = [e["type"] for e in entries(subject=f"application:{steps['application']}")]
    assert application == [
        "exchange.application.created",
        "exchange.application.submit",
        "exchange.application.start_review",
        "exchange.application.provider_approve",
        "exchange.application.compliance_approve",
        "exchange.application.issue_agreement",
        "exchange.application.activate",
    ]
    assert [e["type"] for e in entries(subject=f"offer:{steps['offer']}")] == [
        "exchange.offer.created"
    ]
    assert [e["type"] for e in entries(subject=f"entitlement:{entitlement_id}")] == [
        "exchange.entitlement.granted",
        "exchange.entitlement.revoke",
    ]

    # Licensed calls queue their entries; the drainers append them within moments: every
    # granted call, and every refusal (the quota's, then the revoked licence's).
    def calls_recorded() -> bool:
        found = entries(type="exchange.access,exchange.access.denied", limit="1000")
        mine = [e["type"] for e in found if e["data"].get("entitlement") == entitlement_id]
        return (
            mine.count("exchange.access") == QUOTA
            and mine.count("exchange.access.denied") > CALLERS - left
        )

    wait_until(calls_recorded, "every licensed call and refusal in the ledger", seconds=10)
    verified = shudu(
        {**demo.env, "SHUDU_TOKEN": regulator["Authorization"].split()[1]},
        "audit", "verify", demo.base,
    )  # fmt: skip
    assert verified.startswith("OK:"), verified
