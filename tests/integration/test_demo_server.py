"""The README's run command, for real: `shudu demo` in its own process, a real HTTP client.

Runs in both database lanes: on SQLite the demo migrates its own file; on PostgreSQL we run
`shudu db upgrade` first, as an operator would.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from openapi_spec_validator import validate

from tests.support import LANE, fresh_database_url

pytestmark = [pytest.mark.database, pytest.mark.live]

SHUDU = [sys.executable, "-m", "api"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Demo:
    base: str
    env: dict[str, str]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    data_dir = tmp_path_factory.mktemp("demo")
    port = _free_port()
    env = {
        **os.environ,
        "SHUDU_DATA_DIR": str(data_dir),
        "SHUDU_BASE_URL": f"http://127.0.0.1:{port}",
    }
    if LANE == "postgres":
        env["SHUDU_DATABASE_URL"] = fresh_database_url(Path(data_dir), "demo")
        subprocess.run([*SHUDU, "db", "upgrade"], env=env, check=True, timeout=120)
    log = (data_dir / "server.log").open("wb")
    process = subprocess.Popen(
        [*SHUDU, "demo", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(f"shudu demo exited: {(data_dir / 'server.log').read_text()[-3000:]}")
            try:
                if httpx.get(f"{base}/api/v1/datasets?limit=1", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("shudu demo did not answer within 180 s")
            time.sleep(0.25)
        yield Demo(base, env)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


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
