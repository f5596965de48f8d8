"""Benchmark the exchange: the latency a licence adds to a data API call.

    python -m bench.exchange [--rows 10000] [--requests 500] [--database-url URL]

One table is loaded twice: into an open dataset and into a conditional one that an enterprise
holds a licence for (projection to four of six fields, a row filter, a masked field, calls and
rows quotas), and indexed as the worker would. The enterprise's client-credentials token then
asks both for the same page (50 rows, same filter and sort) from `shudu serve` running in its
own process, over loopback, interleaved, in the same run. Printed: p50/p95 of each, and the
added p95 and p50 (licensed minus open). The licensed path checks the entitlement and evaluates
the policy while reading, then takes the quotas atomically and queues the ledger entry in the
same transaction (or a short writing one). The goal is <= 2 ms p95 added.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy.orm import Session, sessionmaker

from bench.datastore.__main__ import free_port
from bench.serving import serving
from catalog.datastore.services import DatastoreService
from catalog.datastore.worker import index_pending
from catalog.filestore import FileStore
from catalog.schemas import DatasetCreate, ResourceCreate
from catalog.services import DatasetService
from core.db import make_engine, make_session_factory, transaction
from core.identity.models import OrgKind, Role
from core.identity.oauth import OAuthClientService
from core.identity.principal import Principal
from core.identity.services import OrganizationService, UserService
from core.migrations import upgrade
from core.settings import load_settings
from exchange.schemas import ApplicationCreate, Decision, OfferCreate, ProductCreate
from exchange.services import ApplicationService, ProductService
from exchange.states import Action

DISTRICTS = ["Pudong", "Xuhui", "Jingan", "Minhang", "Baoshan"]


def write_csv(path: Path, rows: int, *, personal: bool) -> None:
    """The same table; the open copy's phone column holds no phone numbers (publication of
    open data refuses personal data)."""
    rng = random.Random(3)
    with path.open("w", encoding="utf-8") as out:
        out.write("id,district,category,name,phone,amount\n")
        for i in range(rows):
            phone = f"138{rng.randrange(10**8):08d}" if personal else f"p{rng.randrange(10**8):08d}"
            out.write(
                f"{i},{rng.choice(DISTRICTS)},c{rng.randrange(20)},n{i},{phone},"
                f"{rng.randrange(10000)}\n"
            )


def setup(
    sessions: sessionmaker[Session], files: FileStore, work: Path, rows: int
) -> dict[str, str]:
    with transaction(sessions, write=True) as session:
        users, orgs = UserService(session), OrganizationService(session)
        dept = orgs.create("bench-dept", OrgKind.DEPARTMENT)
        enterprise = orgs.create("bench-enterprise", OrgKind.ENTERPRISE)
        people = {}
        for role, org in ((Role.PUBLISHER, dept), (Role.MEMBER, enterprise)):
            user = users.create(f"{role.value}@bench.example", "bench password 1")
            orgs.add_member(org, user, role)
            session.flush()
            session.refresh(user)
            people[role] = Principal.for_user(user, can_write=True, via="bench")
        catalog = DatasetService(session, people[Role.PUBLISHER])
        resources = {}
        for level in ("open", "conditional"):
            dataset = catalog.create(
                DatasetCreate.model_validate(
                    {
                        "name": f"bench-{level}",
                        "title": {"zh": f"基准 {level}", "en": f"Bench {level}"},
                        "organization": dept.name,
                        "open_level": level,
                        "license": "CC-BY-4.0" if level == "open" else None,
                        "state": "draft",
                    },
                    strict=False,
                )
            )
            csv = work / f"{level}.csv"
            write_csv(csv, rows, personal=level == "conditional")
            blob = files.put_bytes(csv.read_bytes())
            resource = catalog.add_resource(
                dataset.name, ResourceCreate(), blob=blob, filename="t.csv"
            )
            DatastoreService(session).ingest(resource, files.existing_path(blob.sha256))
            catalog.publish(dataset.name)
            resources[level] = str(resource.id)
        products = ProductService(session, people[Role.PUBLISHER])
        product = products.list_product(ProductCreate(dataset="bench-conditional"))
        policy = {
            "permission": [
                {
                    "action": "read",
                    "constraint": [
                        {
                            "leftOperand": "shudu:fields",
                            "operator": "isAnyOf",
                            "rightOperand": ["district", "category", "phone", "amount"],
                        },
                        {
                            "leftOperand": "shudu:maskedFields",
                            "operator": "isAllOf",
                            "rightOperand": ["phone"],
                        },
                        {
                            "leftOperand": "shudu:rowFilter",
                            "operator": "eq",
                            "rightOperand": {"district": ["Pudong", "Xuhui", "Jingan"]},
                        },
                        {
                            "leftOperand": "shudu:callsPerDay",
                            "operator": "lteq",
                            "rightOperand": 10**9,
                        },
                        {
                            "leftOperand": "shudu:rowsPerMonth",
                            "operator": "lteq",
                            "rightOperand": 10**12,
                        },
                    ],
                }
            ]
        }
        offer = products.add_offer(
            product.id,
            OfferCreate(name="bench", policy=policy, price_plan={"kind": "free"}),
        )
        issued = OAuthClientService(session).create(
            people[Role.MEMBER],
            name="bench",
            grant_types=["client_credentials"],
            scope="datastore:read",
            organization=enterprise,
        )
        applicant = ApplicationService(session, people[Role.MEMBER])
        provider = ApplicationService(session, people[Role.PUBLISHER])
        application = applicant.create(
            ApplicationCreate(
                offer_id=str(offer.id),
                purpose_code="academic_research",
                usage_scenario="bench",
                security_measures="bench",
                contact_name="bench",
                contact_email="bench@bench.example",
                client_ids=[issued.client.client_id],
            )
        )
        none = Decision()
        applicant.act(application.id, Action.SUBMIT, none)
        provider.act(application.id, Action.START_REVIEW, none)
        provider.act(application.id, Action.PROVIDER_APPROVE, none)
        provider.act(application.id, Action.ISSUE_AGREEMENT, none)
        agreement = provider.agreement_of(application)
        assert agreement is not None
        applicant.accept(application.id, agreement.hash)
        provider.accept(application.id, agreement.hash)
        assert issued.secret is not None
        return {
            **resources,
            "client_id": issued.client.client_id,
            "client_secret": issued.secret,
        }


def percentile(timings: list[float], q: float) -> float:
    ordered = sorted(timings)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.exchange")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-exchange-"))
    url = args.database_url or f"sqlite:///{work / 'bench.db'}"
    engine = make_engine(url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "SHUDU_DATA_DIR": str(work / "data"),
        "SHUDU_DATABASE_URL": url,
        "SHUDU_BASE_URL": base,
        # Rate limits off: the run makes more calls a minute than a client may, and their
        # counting costs both paths the same.
        "SHUDU_RATE_LIMIT_ANONYMOUS": "0",
        "SHUDU_RATE_LIMIT_CLIENT": "0",
    }
    settings = load_settings({k: v for k, v in env.items() if k.startswith("SHUDU_")})
    files = FileStore(settings.files_dir)
    ids = setup(sessions, files, work, args.rows)
    index_pending(sessions)  # the indexes the worker builds after a load, as in production
    engine.dispose()
    print(f"backend {engine.dialect.name}; {args.rows:,} rows in each table")

    # The server runs in its own process, as deployed: a load generator in the same process
    # would compete with it for the GIL and inflate both paths' times.
    command = [sys.executable, "-m", "api", "serve", "--port", str(port)]
    with serving(command, env, base, work / "server.log"):
        timings = _measure(base, ids, args.requests)
    for level, label in (("open", "open dataset    "), ("conditional", "licensed dataset")):
        t = timings[level]
        print(
            f"{label}  p50 {statistics.median(t) * 1e3:6.2f} ms  p95 {percentile(t, 0.95):6.2f} ms"
            f"  ({len(t)} requests)"
        )
    p95 = {level: percentile(t, 0.95) for level, t in timings.items()}
    p50 = {level: statistics.median(t) * 1e3 for level, t in timings.items()}
    print(
        f"added by the licence: p95 {p95['conditional'] - p95['open']:+.2f} ms"
        f" ({p95['conditional'] / p95['open']:.2f}x the open call; goal <= 2 ms),"
        f" p50 {p50['conditional'] - p50['open']:+.2f} ms"
    )
    shutil.rmtree(work, ignore_errors=True)


def _measure(base: str, ids: dict[str, str], requests: int) -> dict[str, list[float]]:
    with httpx.Client(timeout=60) as client:
        token = client.post(
            f"{base}/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(ids["client_id"], ids["client_secret"]),
        ).json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        params = {
            "fields": "district,category,amount",
            "filters": '{"district": ["Pudong", "Xuhui"]}',
            "sort": "-amount",
            "limit": "50",
            "total": "false",
        }
        timings: dict[str, list[float]] = {"open": [], "conditional": []}
        for i in range(requests + 20):
            for level in ("open", "conditional"):
                t0 = time.perf_counter()
                response = client.get(
                    f"{base}/api/v1/resources/{ids[level]}/records", params=params
                )
                elapsed = time.perf_counter() - t0
                if response.status_code != 200:
                    sys.exit(f"{level}: {response.status_code} {response.text[:300]}")
                if i >= 20:  # the first ones warm caches
                    timings[level].append(elapsed)
    return timings


if __name__ == "__main__":
    main()
