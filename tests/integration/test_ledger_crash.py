"""`kill -9` the server during a burst of appends; after a restart every acknowledged append is
there and the ledger verifies. Runs in both lanes, against a real `python -m api serve`."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from pathlib import Path

import httpx
import orjson
import pytest

from tests.live import SHUDU, free_port, start_serve, wait_until
from tests.support import fresh_database_url

pytestmark = [pytest.mark.database, pytest.mark.live]

EMAIL = "auditor@crash.example"


def test_kill_9_during_a_burst_loses_no_acknowledged_append(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "SHUDU_DATA_DIR": str(tmp_path / "data"),
        "SHUDU_BASE_URL": base,
        "SHUDU_CHECKPOINT_INTERVAL": "0.2",
        "SHUDU_DATABASE_URL": fresh_database_url(tmp_path, "crash"),
    }
    run = {"env": env, "check": True, "timeout": 120, "capture_output": True, "text": True}
    subprocess.run([*SHUDU, "db", "upgrade"], **run)  # type: ignore[call-overload]
    subprocess.run([*SHUDU, "user", "create", EMAIL, "--password", "x" * 12, "--admin"], **run)  # type: ignore[call-overload]
    made = subprocess.run([*SHUDU, "token", "create", EMAIL, "--write"], **run)  # type: ignore[call-overload]
    headers = {"Authorization": f"Bearer {made.stdout.strip().splitlines()[-1]}"}
    log = tmp_path / "server.log"
    server = start_serve(env, port, log)

    acknowledged: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def burst() -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=10) as client:
            while not stop.is_set():
                try:
                    response = client.post("/api/v1/me/tokens", json={"name": "burst"})
                except httpx.TransportError:
                    return  # the server is gone
                if response.status_code == 201:
                    with lock:
                        acknowledged.append(response.json()["id"])

    threads = [threading.Thread(target=burst) for _ in range(4)]
    for thread in threads:
        thread.start()

    def enough() -> bool:  # kill mid-burst, once a good number of appends were acknowledged
        with lock:
            return len(acknowledged) >= 60

    wait_until(enough, "60 acknowledged appends", 60)
    server.send_signal(signal.SIGKILL)
    server.wait(timeout=30)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)

    server = start_serve(env, port, log)
    try:
        export = httpx.get(f"{base}/api/v1/audit/export", headers=headers, timeout=60)
        assert export.status_code == 200
        records = [orjson.loads(line) for line in export.content.splitlines()]
        subjects = {r["entry"]["subject"] for r in records if r["kind"] == "entry"}
        missing = [t for t in acknowledged if f"api_token:{t}" not in subjects]
        assert not missing, f"{len(missing)} acknowledged appends lost"
        size = records[0]["size"]
        # The restarted server signs the tree it found; wait for a checkpoint covering it all.
        wait_until(
            lambda: int(httpx.get(f"{base}/audit/checkpoint").text.split("\n")[1]) >= size,
            "a checkpoint covering the whole tree after the restart",
            30,
        )
        verified = subprocess.run(
            [*SHUDU, "audit", "verify", base, "--token", headers["Authorization"][7:]],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert verified.returncode == 0, verified.stdout + verified.stderr
        assert verified.stdout.startswith("OK:")
        public = subprocess.run(
            [*SHUDU, "audit", "verify", base], env=env, capture_output=True, text=True, timeout=120
        )
        assert public.returncode == 0, public.stdout + public.stderr
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
