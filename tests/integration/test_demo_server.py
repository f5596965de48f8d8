"""The README's run command, for real: `shudu demo` in its own process, a real HTTP client.

Runs in both database lanes: on SQLite the demo migrates its own file; on PostgreSQL we run
`shudu db upgrade` first, as an operator would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from openapi_spec_validator import validate

from tests.live import SHUDU, Demo, run_demo, wait_until

pytestmark = [pytest.mark.database, pytest.mark.live]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    yield from run_demo(tmp_path_factory.mktemp("demo"))


def test_demo_serves_at_least_300_public_datasets(demo: Demo) -> None:
    body = httpx.get(f"{demo.base}/api/v1/datasets", params={"limit": 1}).json()
    assert body["total"] >= 300
    everything: list[dict[str, object]] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"limit": 100}
        if cursor:
            params["cursor"] = cursor
        page = httpx.get(f"{demo.base}/api/v1/datasets", params=params).json()
        everything += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(everything) == body["total"]
    assert {d["open_level"] for d in everything} == {"open", "conditional"}  # closed stay hidden
    organizations = {d["organization"]["name"] for d in everything}  # type: ignore[index]
    themes = {t["code"] for d in everything for t in d["themes"]}  # type: ignore[attr-defined]
    assert len(organizations) >= 20
    assert len(themes) >= 12


def test_demo_openapi_validates(demo: Demo) -> None:
    document = httpx.get(f"{demo.base}/api/v1/openapi.json").json()
    validate(document)
    assert document["openapi"].startswith("3.1")


def test_demo_files_download_with_ranges(demo: Demo) -> None:
    page = httpx.get(f"{demo.base}/api/v1/datasets", params={"limit": 50}).json()
    csv = next(
        r
        for d in page["items"]
        for r in d["resources"]
        if r["kind"] == "upload" and r["format"] == "CSV"
    )
    whole = httpx.get(csv["download_url"])
    assert whole.status_code == 200
    assert len(whole.content) == csv["size"]
    assert whole.content.decode("utf-8").count("\n") > 5
    tail = httpx.get(csv["download_url"], headers={"Range": "bytes=-10"})
    assert tail.status_code == 206
    assert tail.content == whole.content[-10:]


def test_cli_token_works_against_the_server(demo: Demo) -> None:
    # The CLI and the server share the database: a token the CLI makes works on the API, and
    # carries exactly the publisher's rights.
    assert httpx.get(f"{demo.base}/api/v1/me").status_code == 401
    items = httpx.get(f"{demo.base}/api/v1/datasets", params={"limit": 200}).json()["items"]
    mine, theirs = (
        items[0],
        next(d for d in items if d["organization"]["name"] != items[0]["organization"]["name"]),
    )
    org = mine["organization"]["name"]
    made = subprocess.run(
        [*SHUDU, "token", "create", f"publisher@{org}.demo.shudu.example", "--write"],
        env=demo.env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    headers = {"Authorization": f"Bearer {made.stdout.strip().splitlines()[-1]}"}
    me = httpx.get(f"{demo.base}/api/v1/me", headers=headers).json()
    assert me["memberships"] == [{"organization": org, "kind": "department", "role": "publisher"}]
    ok = httpx.patch(
        f"{demo.base}/api/v1/datasets/{mine['name']}", json={"version": "9.9"}, headers=headers
    )
    assert ok.status_code == 200
    assert ok.json()["version"] == "9.9"
    refused = httpx.patch(
        f"{demo.base}/api/v1/datasets/{theirs['name']}", json={"version": "9.9"}, headers=headers
    )
    assert refused.status_code == 403


def admin_token(demo: Demo) -> str:
    """A write token of the demo's site admin, made by the CLI."""
    made = subprocess.run(
        [*SHUDU, "token", "create", "admin@demo.shudu.example", "--write"],
        env=demo.env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return made.stdout.strip().splitlines()[-1]


def test_a_published_change_becomes_searchable(demo: Demo) -> None:
    headers = {"Authorization": f"Bearer {admin_token(demo)}"}
    name = httpx.get(f"{demo.base}/api/v1/datasets", params={"limit": 1}).json()["items"][0]["name"]
    started = time.monotonic()
    patched = httpx.patch(
        f"{demo.base}/api/v1/datasets/{name}",
        json={"title": {"zh": "独一无二的标题", "en": "Quintessential"}},
        headers=headers,
    )
    assert patched.status_code == 200

    def found() -> bool:
        items = httpx.get(f"{demo.base}/api/v1/search", params={"q": "Quintessential"}).json()
        return [i["name"] for i in items["items"]] == [name]

    wait_until(found, "the changed title becoming searchable", seconds=30)
    print(f"\n[search] a change was searchable after {time.monotonic() - started:.2f} s")


def test_ckanapi_dump_returns_every_public_dataset(demo: Demo, tmp_path: Path) -> None:
    # The real ckanapi CLI. A personal token of a user with no roles sees what the public sees
    # (and is not held to the anonymous rate limit, which a full dump would exceed).
    email = "ckan-reader@example.org"
    subprocess.run(
        [*SHUDU, "user", "create", email, "--password", "a long enough password"],
        env=demo.env,
        check=True,
        timeout=60,
        capture_output=True,
    )
    made = subprocess.run(
        [*SHUDU, "token", "create", email],
        env=demo.env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    token = made.stdout.strip().splitlines()[-1]
    bin_dir = str(Path(sys.executable).parent)
    out = tmp_path / "dump.jsonl"
    dump = ["dump", "datasets", "--all", "-q", "-p", "2", "-r", demo.base, "-a", token]
    subprocess.run(
        [f"{bin_dir}/ckanapi", *dump, "-O", str(out)],
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"},
        check=True,
        timeout=600,
    )
    dumped = [json.loads(line) for line in out.read_text().splitlines()]
    total = httpx.get(f"{demo.base}/api/v1/datasets", params={"limit": 1}).json()["total"]
    assert len(dumped) == total
    assert len({d["name"] for d in dumped}) == total
    assert {d["private"] for d in dumped} == {False}


def test_chinese_as_people_type_it_on_the_demo(demo: Demo) -> None:
    """A Traditional title created through the API is found by Simplified, by the variant 台 and
    by pinyin; the real ckanapi CLI's package_search for 空气 ranks the air-quality data first."""
    from ckanapi import RemoteCKAN

    ckan = RemoteCKAN(demo.base, apikey=admin_token(demo))
    ckan.action.package_create(
        name="taipei-air-monitoring",
        title="臺北市空氣品質監測",
        title_translated={"zh": "臺北市空氣品質監測", "en": "Taipei air monitoring"},
        notes="監測站逐時資料",
        owner_org="ecology-environment-bureau",
        license_id="cc-by",
    )

    def first(q: str) -> str | None:
        items = httpx.get(f"{demo.base}/api/v1/search", params={"q": q}).json()["items"]
        return items[0]["name"] if items else None

    wait_until(lambda: first("臺北市空氣品質監測") is not None, "the new dataset indexed", 30)
    for typed in ("台北市空气品质监测", "空气品质", "台北", "taibei", "taibeishi kongqi"):
        assert first(typed) == "taipei-air-monitoring", typed

    bin_dir = Path(sys.executable).parent
    done = subprocess.run(
        [f"{bin_dir}/ckanapi", "action", "package_search", "q=空气", "rows=5", "-r", demo.base],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    ranked = [r["name"] for r in json.loads(done.stdout)["results"]]
    assert all("air" in name for name in ranked[:3]), ranked
