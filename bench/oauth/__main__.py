"""Benchmark the OAuth authorization server and resource protection, in one run.

    python -m bench.oauth [--seconds 10] [--concurrency 8] [--requests 3000] [--workers 1]

Starts ``shudu serve`` (uvicorn) on a fresh SQLite data dir, registers a client with the
``shudu`` command, then measures:

1. ``client_credentials`` tokens per second at ``--concurrency`` parallel HTTP clients (each
   grant verifies the client secret, signs an ES256 JWT and queues its ledger entry in the
   outbox, in the grant's transaction), as a ratio of the harness ceiling measured in the same
   run; then how long after the burst the ledger held every grant (the drainers append the
   queued entries in batches);
2. the added latency of a protected request: the same route (``GET /api/v1/themes``) called
   anonymously and with a bearer token, interleaved, sequentially, median and p90 of each;
3. the protector alone in-process (signature, typ, alg, claims, deny-list, scope), which is
   what a protected request adds on the server;
4. one rate-limit count in-process (the database upsert every limited API request makes).
   Rate limits are off for phases 1-3 so that they measure the protection alone.

Anchors: ORY Hydra 513 tokens/s on 2 CPUs; Keycloak sizes 120 grants/s per vCPU.
Goals: >= 500 tokens/s, <= 0.3 ms added per protected request.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import orjson

from bench.serving import serving

SHUDU = [sys.executable, "-m", "api"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tokens_per_second(
    base: str, creds: tuple[str, str], seconds: float, concurrency: int, *, ceiling: bool = False
) -> tuple[float, int]:
    stop = time.perf_counter() + seconds
    counts = [0] * concurrency
    errors = [0] * concurrency

    def worker(i: int) -> None:
        with httpx.Client(base_url=base, auth=creds) as client:
            while time.perf_counter() < stop:
                if ceiling:  # the same harness on a route with no database and no crypto
                    response = client.get("/.well-known/jwks.json")
                else:
                    response = client.post(
                        "/oauth/token", data={"grant_type": "client_credentials"}
                    )
                if response.status_code == 200:
                    counts[i] += 1
                else:
                    errors[i] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.perf_counter() - started), sum(errors)


def _latencies(base: str, token: str, n: int) -> tuple[list[float], list[float]]:
    plain: list[float] = []
    protected: list[float] = []
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base) as client:
        for _ in range(200):  # warm up both paths
            client.get("/api/v1/themes")
            client.get("/api/v1/themes", headers=headers)
        for _ in range(n):
            t0 = time.perf_counter()
            assert client.get("/api/v1/themes").status_code == 200
            t1 = time.perf_counter()
            assert client.get("/api/v1/themes", headers=headers).status_code == 200
            t2 = time.perf_counter()
            plain.append(t1 - t0)
            protected.append(t2 - t1)
    return plain, protected


def _in_process(data_dir: Path, token: str, base: str, n: int) -> tuple[float, float]:
    """Seconds the protector, and a rate-limit count, spend on one request (no HTTP)."""
    from starlette.requests import Request

    from api.access.protector import principal_from_access_token
    from api.access.ratelimit import hit
    from api.registry import SCOPE_KEY
    from api.runtime.oauth import start_oauth
    from core.db import make_engine, make_session_factory, transaction
    from core.settings import load_settings

    settings = load_settings(
        {**os.environ, "SHUDU_DATA_DIR": str(data_dir), "SHUDU_BASE_URL": base}
    )
    runtime = start_oauth(settings)

    class _App:
        class state:
            oauth = runtime

    engine = make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    scope = {"type": "http", "app": _App, "headers": [], SCOPE_KEY: "catalog:read"}
    request = Request(scope)
    with transaction(sessions) as session:
        for _ in range(200):
            principal_from_access_token(request, session, token)
        started = time.perf_counter()
        for _ in range(n):
            principal_from_access_token(request, session, token)
        elapsed = (time.perf_counter() - started) / n
    started = time.perf_counter()
    for _ in range(n):
        hit(sessions, "bench:counting", 10**9, time.time())
    counting = (time.perf_counter() - started) / n
    engine.dispose()
    return elapsed, counting


def _ledger_watch(data_dir: Path, base: str) -> Callable[[float], tuple[float, int]]:
    """A function giving, after a burst that ended at ``since``, the seconds until no grant
    waited in the outbox, and how many waited when first looked at (set up beforehand, so
    that imports and connecting are not counted)."""
    from core import ledger_outbox
    from core.db import make_engine, make_session_factory, transaction
    from core.settings import load_settings

    settings = load_settings(
        {**os.environ, "SHUDU_DATA_DIR": str(data_dir), "SHUDU_BASE_URL": base}
    )
    sessions = make_session_factory(make_engine(settings.database_url))

    def caught_up(since: float) -> tuple[float, int]:
        first = None
        while True:
            with transaction(sessions) as session:
                waiting = ledger_outbox.pending_count(session)
            first = waiting if first is None else first
            if waiting == 0:
                return time.perf_counter() - since, first
            time.sleep(0.01)

    with transaction(sessions) as session:
        ledger_outbox.pending_count(session)  # connected and warm
    return caught_up


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="token phase duration")
    parser.add_argument("--concurrency", type=int, default=8, help="parallel token clients")
    parser.add_argument("--requests", type=int, default=3000, help="latency pairs to time")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="shudu-bench-oauth-"))
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "SHUDU_DATA_DIR": str(data_dir),
        "SHUDU_BASE_URL": base,
        "SHUDU_RATE_LIMIT_CLIENT": "0",
        "SHUDU_RATE_LIMIT_ANONYMOUS": "0",
    }
    subprocess.run([*SHUDU, "db", "upgrade"], env=env, check=True, capture_output=True)
    out = subprocess.run(
        [*SHUDU, "client", "create", "--name", "bench", "--grant", "client_credentials",
         "--scope", "catalog:read"],
        env=env, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    created = orjson.loads(out.strip().splitlines()[-1])
    creds = (created["client_id"], created["client_secret"])
    command = [*SHUDU, "serve", "--port", str(port)]
    if args.workers > 1:
        command = [sys.executable, "-m", "uvicorn", "bench.oauth.asgi:app", "--port", str(port),
                   "--workers", str(args.workers), "--log-level", "warning"]  # fmt: skip
    with serving(command, env, base, data_dir / "server.log"):
        postgres = env.get("SHUDU_DATABASE_URL", "").startswith("postgresql")
        database = "PostgreSQL" if postgres else "SQLite"
        print(
            f"server: uvicorn, {args.workers} process(es), {database};"
            f" {os.cpu_count()} CPUs on this machine, shared with the load generator"
        )

        top, _ = _tokens_per_second(base, creds, args.seconds / 2, args.concurrency, ceiling=True)
        print(f"harness ceiling      {top:10,.0f} requests/s  (GET /.well-known/jwks.json)")
        caught_up = _ledger_watch(data_dir, base)
        rate, errors = _tokens_per_second(base, creds, args.seconds, args.concurrency)
        burst_ended = time.perf_counter()
        print(
            f"client_credentials   {rate:10,.0f} tokens/s"
            f"  ({args.concurrency} clients, {args.seconds:.0f} s, {errors} errors;"
            f" {rate / top:.2f} of the ceiling)"
        )
        lag, queued = caught_up(burst_ended)
        print(f"ledger caught up     {lag:10.2f} s after the burst ({queued} entries queued then)")

        token = httpx.post(
            f"{base}/oauth/token", data={"grant_type": "client_credentials"}, auth=creds
        ).json()["access_token"]
        plain, protected = _latencies(base, token, args.requests)
        p50p, p50t = statistics.median(plain) * 1e3, statistics.median(protected) * 1e3
        q = statistics.quantiles
        p90p, p90t = q(plain, n=10)[-1] * 1e3, q(protected, n=10)[-1] * 1e3
        print(f"GET /api/v1/themes anonymous    p50 {p50p:.3f} ms  p90 {p90p:.3f} ms")
        print(f"GET /api/v1/themes with token   p50 {p50t:.3f} ms  p90 {p90t:.3f} ms")
        print(f"added by protection (HTTP)      p50 {p50t - p50p:+.3f} ms")
        alone, counting = _in_process(data_dir, token, base, args.requests)
        print(f"protector alone (in-process)    {alone * 1e3:.3f} ms per request")
        print(f"rate-limit count (in-process)   {counting * 1e3:.3f} ms per request")


if __name__ == "__main__":
    main()
