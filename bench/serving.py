"""A live server for the benchmarks: started as its own process, as deployed, and stopped."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx


@contextmanager
def serving(command: list[str], env: Mapping[str, str], base: str, log: Path) -> Iterator[None]:
    """Run ``command`` (a server answering at ``base``) until the block ends; its output goes
    to ``log``. Ready once its JWKS answers; exits the benchmark if it does not start."""
    with log.open("wb") as out:
        server = subprocess.Popen(command, env=dict(env), stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/.well-known/jwks.json").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit(f"the server did not start; see {log}")
                time.sleep(0.1)
            yield
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
