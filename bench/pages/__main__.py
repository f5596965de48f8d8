"""Benchmark the portal's pages: how long the server takes for each, and for the API call behind it.

    python -m bench.pages [--requests 300]

The demo catalog (370 datasets, embedded SQLite and search: the default a city starts with) is
loaded with ``shudu demo --no-serve`` and served by ``shudu serve`` in its own process. Each
page and the JSON API call that carries the same data are then requested in turn over loopback
with keep-alive, interleaved in the same run:

    home      /                        ~ /api/v1/search?limit=6&sort=updated
    search    /search?q=空气           ~ /api/v1/search?q=空气
    dataset   /dataset/NAME            ~ /api/v1/datasets/NAME

Printed per pair: p50 and p95 in ms, and the page's p95 as a multiple of its API call's. The
goal is a page p95 of at most 30 ms. The time measured is the whole request as a client sees it
on loopback: the server's time plus a constant few tenths of a millisecond of transport.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.datastore.__main__ import free_port
from bench.serving import serving

GOAL_MS = 30.0


def percentile(timings: list[float], q: float) -> float:
    ordered = sorted(timings)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1e3


def _pairs(base: str, client: httpx.Client) -> list[tuple[str, str, str]]:
    found = client.get(f"{base}/api/v1/search", params={"q": "空气", "limit": 1}).json()
    if not found["items"]:
        sys.exit("the demo catalog has no dataset about 空气; was it loaded?")
    name = found["items"][0]["name"]
    return [
        ("home", "/", "/api/v1/search?limit=6&sort=updated"),
        ("search", "/search?q=空气", "/api/v1/search?q=空气"),
        ("dataset", f"/dataset/{name}", f"/api/v1/datasets/{name}"),
    ]


def _measure(base: str, requests: int) -> dict[str, dict[str, list[float]]]:
    with httpx.Client(timeout=60) as client:
        pairs = _pairs(base, client)
        timings: dict[str, dict[str, list[float]]] = {
            name: {"page": [], "api": []} for name, _, _ in pairs
        }
        for i in range(requests + 20):
            for name, page, api in pairs:
                for kind, path in (("page", page), ("api", api)):
                    t0 = time.perf_counter()
                    response = client.get(base + path)
                    elapsed = time.perf_counter() - t0
                    if response.status_code != 200:
                        sys.exit(f"{path}: {response.status_code} {response.text[:300]}")
                    if i >= 20:  # the first ones warm caches
                        timings[name][kind].append(elapsed)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.pages")
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "SHUDU_DATA_DIR": str(work / "data"),
        "SHUDU_BASE_URL": base,
        "SHUDU_RATE_LIMIT_ANONYMOUS": "0",  # the run makes more calls a minute than allowed
    }
    env.pop("SHUDU_DATABASE_URL", None)
    env.pop("SHUDU_SEARCH_URL", None)
    shudu = [sys.executable, "-m", "api"]
    loaded = subprocess.run([*shudu, "demo", "--no-serve"], env=env, capture_output=True)
    if loaded.returncode != 0:
        sys.exit(f"loading the demo failed:\n{loaded.stderr.decode()[-2000:]}")
    with serving([*shudu, "serve", "--port", str(port)], env, base, work / "server.log"):
        _wait_until_indexed(base)
        timings = _measure(base, args.requests)
    print(f"embedded SQLite and search, demo catalog; {args.requests} requests each")
    for name, kinds in timings.items():
        page, api = kinds["page"], kinds["api"]
        print(
            f"{name:8} page p50 {statistics.median(page) * 1e3:6.2f} ms"
            f"  p95 {percentile(page, 0.95):6.2f} ms   |  API p50"
            f" {statistics.median(api) * 1e3:6.2f} ms  p95 {percentile(api, 0.95):6.2f} ms"
            f"  |  page/API p95 {percentile(page, 0.95) / percentile(api, 0.95):4.2f}x"
            f"  (goal: page p95 <= {GOAL_MS:.0f} ms)"
        )
    shutil.rmtree(work, ignore_errors=True)


def _wait_until_indexed(base: str) -> None:
    """The web process indexes the demo catalog from the outbox after it starts."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        total = httpx.get(f"{base}/api/v1/search", params={"q": "空气"}).json()["total"]
        if total:
            return
        time.sleep(0.5)
    sys.exit("the search index did not fill within two minutes")


if __name__ == "__main__":
    main()
