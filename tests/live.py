"""A live Shudu server in its own process, for tests whose client is real (HTTP, browser)."""

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

from tests.support import LANE, fresh_database_url

SHUDU = [sys.executable, "-m", "api"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Demo:
    base: str
    env: dict[str, str]


def wait_until(condition: object, what: str, seconds: float = 180) -> None:
    """Poll ``condition()`` until it is true; fail naming ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if condition():  # type: ignore[operator]
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen within {seconds} s")
        time.sleep(0.1)


def run_demo(data_dir: Path, extra: dict[str, str] | None = None) -> Iterator[Demo]:
    """`shudu demo` on a free port with its own data dir (and database, on PostgreSQL), and
    the ``extra`` settings (e.g. a mail server)."""
    port = free_port()
    env = {
        **os.environ,
        "SHUDU_DATA_DIR": str(data_dir),
        "SHUDU_BASE_URL": f"http://127.0.0.1:{port}",
        **(extra or {}),
    }
    if LANE == "postgres":
        env["SHUDU_DATABASE_URL"] = fresh_database_url(data_dir, "demo")
        subprocess.run([*SHUDU, "db", "upgrade"], env=env, check=True, timeout=120)
    log_path = data_dir / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*SHUDU, "demo", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        base = f"http://127.0.0.1:{port}"

        def searchable() -> bool:
            if process.poll() is not None:
                pytest.fail(f"shudu demo exited: {log_path.read_text()[-3000:]}")
            response = httpx.get(f"{base}/api/v1/search?limit=1", timeout=2)
            return response.status_code == 200 and response.json()["total"] >= 300

        try:
            wait_until(searchable, "the demo serving and its search index filled")
            yield Demo(base, env)
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def run_server(data_dir: Path, *, share: Demo | None = None) -> Iterator[Demo]:
    """`shudu serve` on a free port with a fresh data dir and database (see :func:`shudu`).

    With ``share``, a second process of the same site instead: same data dir (keys), same
    database and public URL, as a second worker behind one proxy would be.
    """
    port = free_port()
    if share is not None:
        env = dict(share.env)
    else:
        env = {
            **os.environ,
            "SHUDU_DATA_DIR": str(data_dir),
            "SHUDU_BASE_URL": f"http://127.0.0.1:{port}",
            "SHUDU_DATABASE_URL": fresh_database_url(data_dir, "live"),
        }
        subprocess.run([*SHUDU, "db", "upgrade"], env=env, check=True, timeout=120)
    log_path = data_dir / f"server-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*SHUDU, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        base = f"http://127.0.0.1:{port}"

        def serving() -> bool:
            if process.poll() is not None:
                pytest.fail(f"shudu serve exited: {log_path.read_text()[-3000:]}")
            return httpx.get(f"{base}/.well-known/jwks.json", timeout=2).status_code == 200

        try:
            wait_until(serving, "the live server answering", seconds=60)
            yield Demo(base, env)
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def start_serve(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    """`shudu serve` on ``port`` with ``env``, output appended to ``log``, once it answers (the
    caller stops it: crash tests kill it on purpose)."""
    handle = log.open("ab")
    process = subprocess.Popen(
        [*SHUDU, "serve", "--port", str(port)], env=env, stdout=handle, stderr=subprocess.STDOUT
    )
    handle.close()

    def answering() -> bool:
        if process.poll() is not None:
            pytest.fail(f"the server exited: {log.read_text()[-3000:]}")
        return httpx.get(f"http://127.0.0.1:{port}/audit/vkey", timeout=2).status_code == 200

    try:
        wait_until(answering, "the server answering", 60)
    except BaseException:
        process.kill()
        raise
    return process


def shudu(env: dict[str, str], *args: str) -> str:
    """Run a ``shudu`` command against a live server's database; its standard output."""
    done = subprocess.run(
        [*SHUDU, *args], env=env, check=True, timeout=120, capture_output=True, text=True
    )
    return done.stdout
