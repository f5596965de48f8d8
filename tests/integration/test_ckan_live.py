"""The real ``ckanapi`` client against live Shudu servers: RemoteCKAN and the ckanapi CLI.

Not our own client: ckanapi POSTs JSON to /api/action/NAME with redirects off, sends the
token raw in Authorization, and reads only ``success``. The CLI round trip dumps every
dataset of one Shudu, loads them into a fresh one, dumps that, and compares the metadata.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from ckanapi import NotAuthorized, NotFound, RemoteCKAN, ValidationError

from tests.live import SHUDU, Demo, run_server, shudu, wait_until

pytestmark = [pytest.mark.database, pytest.mark.live]

PASSWORD = "a long enough password"
BIN = str(Path(sys.executable).parent)


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    yield from run_server(tmp_path_factory.mktemp("ckan-source"))


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    yield from run_server(tmp_path_factory.mktemp("ckan-target"))


def admin_token(server: Demo) -> str:
    shudu(server.env, "user", "create", "admin@example.org", "--password", PASSWORD, "--admin")
    return shudu(server.env, "token", "create", "admin@example.org", "--write").splitlines()[-1]


@pytest.fixture(scope="module")
def source_token(source: Demo) -> str:
    return admin_token(source)


def ckanapi(*args: str) -> subprocess.CompletedProcess[str]:
    """The ckanapi command line (its workers are `ckanapi` processes found on PATH)."""
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(
        [f"{BIN}/ckanapi", *args], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def _package(name: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name,
        "title": f"{name.replace('-', ' ').title()}",
        "title_translated": {"zh": f"{name} 数据", "en": name.replace("-", " ").title()},
        "notes": "Sailings between the islands",
        "owner_org": "port-authority",
        "license_id": "cc-by",
        "tags": [{"name": "ferry"}, {"name": name.split("-")[0]}],
        "maintainer": "Port office",
        "maintainer_email": "port@example.org",
        "version": "1.2",
        "extras": [
            {"key": "frequency", "value": "weekly"},
            {"key": "spatial", "value": "崇明区"},
            {"key": "temporal_start", "value": "2024-01-01"},
        ],
        "resources": [
            {
                "name": "timetable",
                "url": "https://example.org/timetable.csv",
                "format": "CSV",
                "description": "All sailings",
            }
        ],
    }
    body.update(extra)
    return body


@pytest.fixture(scope="module")
def catalog(source: Demo, source_token: str) -> RemoteCKAN:
    ckan = RemoteCKAN(source.base, apikey=source_token)
    ckan.action.organization_create(name="port-authority", title="港口管理局")
    for name in ("ferry-times", "ferry-fares", "harbour-berths"):
        ckan.action.package_create(**_package(name))
    ckan.action.package_create(**_package("port-draft", state="draft"))
    return ckan


def test_remote_ckan_reads_and_writes(source: Demo, catalog: RemoteCKAN, source_token: str) -> None:
    anonymous = RemoteCKAN(source.base)
    assert anonymous.action.package_list() == ["ferry-fares", "ferry-times", "harbour-berths"]
    shown = anonymous.action.package_show(id="ferry-times", include_password_hash=True)
    assert shown["organization"]["name"] == "port-authority"
    assert shown["license_id"] == "CC-BY-4.0"
    assert shown["resources"][0]["url"] == "https://example.org/timetable.csv"

    def indexed() -> bool:  # q= ranks through the search index, which follows writes shortly
        return bool(anonymous.action.package_search(q="ferry", rows=0)["count"] == 3)

    wait_until(indexed, "the three datasets becoming searchable", seconds=30)
    found = anonymous.action.package_search(
        q="ferry",
        fq="organization:port-authority",
        rows=1,
        facet="true",
        **{"facet.field": ["tags"]},
    )
    assert found["count"] == 3  # the draft is not listed
    assert len(found["results"]) == 1
    assert found["facets"]["tags"]["ferry"] == 3
    assert anonymous.action.package_search(start=10)["results"] == []
    assert "port-authority" in anonymous.action.organization_list()

    with pytest.raises(NotFound):
        anonymous.action.package_show(id="port-draft")
    with pytest.raises(NotAuthorized):
        anonymous.action.package_create(**_package("sneaky"))
    with pytest.raises(ValidationError) as refused:
        catalog.action.package_create(**_package("bad-license", license_id="all-rights-reserved"))
    assert "license_id" in refused.value.error_dict

    patched = catalog.action.package_patch(id="ferry-times", version="2.0")
    assert patched["version"] == "2.0"
    assert patched["notes"] == "Sailings between the islands"

    upload = catalog.action.resource_create(
        package_id="ferry-times",
        name="berths",
        upload=("berths.csv", io.BytesIO(b"berth,length\nA1,120\nA2,95\n")),
    )
    assert upload["url_type"] == "upload"
    got = httpx.get(upload["url"])
    assert got.content == b"berth,length\nA1,120\nA2,95\n", got.text

    def loaded() -> bool:
        return bool(anonymous.action.resource_show(id=upload["id"])["datastore_active"])

    wait_until(loaded, "the uploaded table loaded into the datastore", seconds=60)
    rows = anonymous.action.datastore_search(resource_id=upload["id"], filters={"berth": "A2"})
    assert rows["total"] == 1
    assert rows["records"][0]["length"] == 95

    # The API never redirects: a POST with the body lost would be worse than an error.
    response = httpx.post(f"{source.base}/api/action/package_list/", json={})
    assert response.status_code == 200
    assert response.json()["result"] == anonymous.action.package_list()
    unknown = httpx.post(f"{source.base}/api/3/action/no/such/", json={})
    assert unknown.status_code == 400
    assert unknown.json()["success"] is False


def _comparable(line: str) -> dict[str, Any]:
    """What a round trip must keep: the metadata, not ids or timestamps of this copy."""
    package = json.loads(line)
    volatile = {"id", "owner_org", "metadata_created", "metadata_modified", "url", "revision_id"}
    out = {k: v for k, v in package.items() if k not in volatile}
    out["organization"] = package["organization"]["name"]
    out["extras"] = [e for e in package["extras"] if e["key"] != "issued"]
    out["resources"] = [
        {k: r[k] for k in ("name", "description", "format", "url", "position")}
        for r in package["resources"]
    ]
    return out


def test_ckanapi_cli_dump_load_dump_round_trip(
    source: Demo, catalog: RemoteCKAN, target: Demo, tmp_path: Path
) -> None:
    dumped = tmp_path / "datasets.jsonl"
    ckanapi("dump", "datasets", "--all", "-r", source.base, "-O", str(dumped), "-q")
    lines = dumped.read_text().splitlines()
    assert sorted(json.loads(x)["name"] for x in lines) == [
        "ferry-fares",
        "ferry-times",
        "harbour-berths",
    ]
    # Uploaded files would be fetched from the source: keep the trip to metadata and links.
    links_only = tmp_path / "links.jsonl"
    trimmed = []
    for line in lines:
        package = json.loads(line)
        package["resources"] = [r for r in package["resources"] if r["url_type"] != "upload"]
        package["num_resources"] = len(package["resources"])
        trimmed.append(json.dumps(package, ensure_ascii=False))
    links_only.write_text("\n".join(trimmed) + "\n")

    orgs = tmp_path / "orgs.jsonl"
    ckanapi("dump", "organizations", "--all", "-r", source.base, "-O", str(orgs), "-q")
    token = admin_token(target)
    ckanapi("load", "organizations", "-r", target.base, "-a", token, "-I", str(orgs), "-q")
    loaded = ckanapi("load", "datasets", "-r", target.base, "-a", token, "-I", str(links_only))
    assert "Error" not in loaded.stderr, loaded.stderr

    again = tmp_path / "again.jsonl"
    ckanapi("dump", "datasets", "--all", "-r", target.base, "-O", str(again), "-q")
    before = sorted((_comparable(x) for x in trimmed), key=lambda p: p["name"])
    after = sorted(
        (_comparable(x) for x in again.read_text().splitlines()), key=lambda p: p["name"]
    )
    assert [p["name"] for p in after] == [p["name"] for p in before]
    for was, now in zip(before, after, strict=True):
        differences = {k: (was.get(k), now.get(k)) for k in was.keys() | now.keys()}
        assert {k: v for k, v in differences.items() if v[0] != v[1]} == {}, was["name"]


def test_ckanapi_cli_search(source: Demo, catalog: RemoteCKAN) -> None:
    done = ckanapi("search", "datasets", "q=ferry", "-r", source.base)
    names = sorted(json.loads(line)["name"] for line in done.stdout.splitlines())
    assert names == ["ferry-fares", "ferry-times", "harbour-berths"]
    done = ckanapi("search", "datasets", "fq=tags:harbour", "-r", source.base)
    assert [json.loads(line)["name"] for line in done.stdout.splitlines()] == ["harbour-berths"]


# -- harvesting a live Shudu ----------------------------------------------------------------


@pytest.fixture(scope="module")
def harvester(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    yield from run_server(tmp_path_factory.mktemp("ckan-harvester"))


@pytest.fixture(scope="module")
def dcat_harvester(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    yield from run_server(tmp_path_factory.mktemp("dcat-harvester"))


def harvest(server: Demo, name: str) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(shudu(server.env, "harvest", "run", name))
    return report


def local_names(server: Demo) -> set[str]:
    body = httpx.get(f"{server.base}/api/v1/datasets", params={"limit": 1000}).json()
    return {d["name"] for d in body["items"]}


def test_harvest_a_live_ckan_source_incrementally(
    source: Demo, catalog: RemoteCKAN, source_token: str, harvester: Demo
) -> None:
    shudu(
        harvester.env,
        "harvest", "add", "upstream", "--type", "ckan", "--url", source.base, "--delay-ms", "50",
    )  # fmt: skip
    first = harvest(harvester, "upstream")
    assert first["status"] == "finished", first
    assert (first["created"], first["failed"]) == (3, 0), first
    assert local_names(harvester) == {"ferry-fares", "ferry-times", "harbour-berths"}
    shown = RemoteCKAN(harvester.base).action.package_show(id="ferry-fares")
    assert shown["organization"]["name"] == "upstream"
    assert shown["license_id"] == "CC-BY-4.0"

    catalog.action.package_patch(id="ferry-fares", notes="Fares from 1 July")
    catalog.action.package_create(**_package("harbour-tides"))
    withdrawn = httpx.post(
        f"{source.base}/api/v1/datasets/harbour-berths/withdraw",
        headers={"Authorization": f"Bearer {source_token}"},
    )
    assert withdrawn.status_code == 200
    second = harvest(harvester, "upstream")
    assert (second["created"], second["updated"], second["deleted"]) == (1, 1, 1), second
    assert local_names(harvester) == {"ferry-fares", "ferry-times", "harbour-tides"}
    fares = RemoteCKAN(harvester.base).action.package_show(id="ferry-fares")
    assert fares["notes"] == "Fares from 1 July"
    listed = json.loads(shudu(harvester.env, "harvest", "list"))
    assert listed[0]["last_run"]["updated"] == 1


def test_harvest_a_live_dcat_catalog_across_pages(
    source: Demo, catalog: RemoteCKAN, dcat_harvester: Demo
) -> None:
    url = f"{source.base}/catalog.ttl?per_page=1"  # one dataset a page: Hydra paging is used
    shudu(
        dcat_harvester.env,
        "harvest", "add", "upstream-dcat", "--type", "dcat", "--url", url, "--delay-ms", "0",
    )  # fmt: skip
    report = harvest(dcat_harvester, "upstream-dcat")
    assert report["status"] == "finished", report
    public = set(RemoteCKAN(source.base).action.package_list())
    assert report["created"] == len(public)
    assert local_names(dcat_harvester) == public


def test_shudu_worker_runs_due_harvests(
    source: Demo, catalog: RemoteCKAN, dcat_harvester: Demo
) -> None:
    catalog.action.package_create(**_package("scheduled-only"))
    shudu(
        dcat_harvester.env,
        "harvest", "add", "scheduled", "--type", "dcat", "--url", f"{source.base}/catalog.jsonld",
        "--interval", "60", "--delay-ms", "0",
    )  # fmt: skip
    log = (Path(dcat_harvester.env["SHUDU_DATA_DIR"]) / "worker.log").open("wb")
    worker = subprocess.Popen(
        [*SHUDU, "worker"], env=dcat_harvester.env, stdout=log, stderr=subprocess.STDOUT
    )
    try:

        def ran() -> bool:
            sources = json.loads(shudu(dcat_harvester.env, "harvest", "list"))
            scheduled = next(s for s in sources if s["name"] == "scheduled")
            return (
                scheduled["last_run"] is not None and scheduled["last_run"]["status"] != "running"
            )

        wait_until(ran, "the worker running the due harvest", seconds=120)
    finally:
        worker.send_signal(signal.SIGINT)
        worker.wait(timeout=30)
        log.close()
    assert "scheduled-only" in local_names(dcat_harvester)
