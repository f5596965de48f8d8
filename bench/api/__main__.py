"""Benchmark reads against the machine's ceiling: bare Starlette, measured in the same run.

    python -m bench.api [--seconds 5] [--workers 1,2] [--postgres URL] [--only NAME]

The demo catalog (embedded search) is loaded with ``shudu demo --no-serve`` and served by
``shudu serve --workers N`` in its own processes, on SQLite and, given ``--postgres`` (a
PostgreSQL URL whose role may create databases), on a new PostgreSQL database. Before each
server, ``bench/api/bare.py`` (a Starlette app that answers a small JSON object) is served by the
same uvicorn with the same workers and measured: that is the ceiling the ratios are taken to.

The load comes from ``wrk`` (Debian's package ``wrk``) with 8 keep-alive connections from one
thread, each URL for ``--seconds`` after one second of warm-up. Each API read is measured
anonymous and with a personal API token of a demo member; each page anonymous and signed in.
Rate limits are off: the whole load comes from one address.

Printed per request: requests/s, p50/p95/p99 in ms, and the ratio to the ceiling beside its
goal (dataset reads and package_show 0.5, pages 0.25, searches 0.2).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx
import orjson

from bench.datastore.__main__ import free_port
from bench.serving import serving

HERE = Path(__file__).parent
SHUDU = [sys.executable, "-m", "api"]
MEMBER = "member@demo-enterprise.demo.shudu.example"
PASSWORD = "shudu-demo"  # noqa: S105 — the demo's published password
CONNECTIONS = 8


@dataclass(frozen=True, slots=True)
class Target:
    name: str
    path: str
    goal: float
    page: bool = False


@dataclass(frozen=True, slots=True)
class Figure:
    rps: float
    p50: float  # ms
    p95: float
    p99: float
    failed: int


def targets(name: str) -> list[Target]:
    q = quote("空气")
    return [
        Target("GET /api/v1/datasets/{name}", f"/api/v1/datasets/{name}", 0.5),
        Target("package_show", f"/api/3/action/package_show?id={name}", 0.5),
        Target("package_search q=空气", f"/api/3/action/package_search?q={q}", 0.2),
        Target("/api/v1/search?q=空气", f"/api/v1/search?q={q}", 0.2),
        Target("home page /", "/", 0.25, page=True),
        Target("dataset page", f"/dataset/{name}", 0.25, page=True),
    ]


def wrk(url: str, seconds: int, headers: dict[str, str]) -> Figure:
    """``wrk`` against ``url``: one second of warm-up, then ``seconds`` measured."""
    if shutil.which("wrk") is None:
        sys.exit("bench.api needs wrk (Debian: apt-get install wrk)")
    flags = [f for k, v in headers.items() for f in ("-H", f"{k}: {v}")]
    base = ["wrk", "-t1", f"-c{CONNECTIONS}", "-s", str(HERE / "report.lua"), *flags]
    subprocess.run([*base, "-d1s", url], capture_output=True, check=True)
    done = subprocess.run([*base, f"-d{seconds}s", url], capture_output=True, text=True, check=True)
    line = [x for x in done.stdout.splitlines() if x.startswith("{")][-1]
    r = orjson.loads(line)
    return Figure(
        rps=r["requests"] / (r["duration_us"] / 1e6),
        p50=r["p50"] / 1e3,
        p95=r["p95"] / 1e3,
        p99=r["p99"] / 1e3,
        failed=r["socket_errors"] + r["status_errors"],
    )


def _run(command: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command[2:])} failed:\n{done.stderr[-2000:]}")
    return done.stdout


@contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """A new, empty database on the server of ``server_url``, dropped afterwards."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(server_url)
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"bench_api_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")  # type: ignore[arg-type]
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")  # type: ignore[arg-type]


def signed_in_cookie(base: str) -> str:
    with httpx.Client(base_url=base, follow_redirects=False, timeout=30) as client:
        page = client.get("/login").text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
        if csrf is None:
            sys.exit("the sign-in page has no CSRF field")
        client.post(
            "/login", data={"email": MEMBER, "password": PASSWORD, "csrf_token": csrf.group(1)}
        )
        cookie = client.cookies.get("shudu_session")
        if not cookie:
            sys.exit(f"signing in as {MEMBER} failed")
        return f"shudu_session={cookie}"


def wait_until_indexed(base: str) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        with_text = httpx.get(f"{base}/api/v1/search", params={"q": "空气"}, timeout=30)
        if with_text.status_code == 200 and with_text.json()["total"]:
            return
        time.sleep(0.5)
    sys.exit("the search index did not fill within three minutes")


def measure_database(
    label: str, database_url: str | None, workers: list[int], seconds: int, only: str
) -> list[tuple[str, str, int, Figure, float, float]]:
    work = Path(tempfile.mkdtemp(prefix="bench-api-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "SHUDU_DATA_DIR": str(work / "data"),
        "SHUDU_BASE_URL": base,
        "SHUDU_RATE_LIMIT_ANONYMOUS": "0",
        "SHUDU_RATE_LIMIT_CLIENT": "0",
    }
    env.pop("SHUDU_SEARCH_URL", None)
    env.pop("SHUDU_DATABASE_URL", None)
    if database_url:
        env["SHUDU_DATABASE_URL"] = database_url
        _run([*SHUDU, "db", "upgrade"], env)
    _run([*SHUDU, "demo", "--no-serve"], env)
    # Indexed before serving: the server's indexer would otherwise still be catching up (and
    # moving the read generation) while the first lines are measured.
    _run([*SHUDU, "search", "reindex"], env)
    token = _run([*SHUDU, "token", "create", MEMBER], env).strip().splitlines()[-1]
    rows: list[tuple[str, str, int, Figure, float, float]] = []
    for n in workers:
        bare = [
            sys.executable, "-m", "uvicorn", "bench.api.bare:app_factory", "--factory",
            "--port", str(port), "--workers", str(n), "--log-level", "info",
        ]  # fmt: skip
        with serving(bare, env, base, work / "bare.log"):
            ceiling = wrk(f"{base}/", seconds, {})
        rows.append((f"bare Starlette JSON ({label})", "-", n, ceiling, 1.0, 1.0))
        serve = [*SHUDU, "serve", "--port", str(port), "--workers", str(n)]
        with serving(serve, env, base, work / f"server-{n}.log"):
            wait_until_indexed(base)
            name = httpx.get(f"{base}/api/v1/search", params={"q": "空气", "limit": 1}).json()[
                "items"
            ][0]["name"]
            cookie = signed_in_cookie(base)
            for target in targets(name):
                if only and only not in target.name:
                    continue
                who = {"anonymous": {}}
                who["session" if target.page else "token"] = (
                    {"Cookie": cookie} if target.page else {"Authorization": f"Bearer {token}"}
                )
                for kind, headers in who.items():
                    figure = wrk(base + target.path, seconds, headers)
                    rows.append(
                        (f"{target.name} ({label})", kind, n, figure, figure.rps / ceiling.rps,
                         target.goal)
                    )  # fmt: skip
    shutil.rmtree(work, ignore_errors=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.api")
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--postgres", default=None, help="a PostgreSQL URL (CREATE DATABASE)")
    parser.add_argument("--only", default="", help="only the requests whose name holds this")
    args = parser.parse_args()
    workers = [int(w) for w in args.workers.split(",")]
    rows = measure_database("SQLite", None, workers, args.seconds, args.only)
    if args.postgres:
        with postgres_database(args.postgres) as url:
            rows += measure_database("PostgreSQL", url, workers, args.seconds, args.only)
    print(
        f"wrk -c{CONNECTIONS}, {args.seconds} s per line; ratio to bare Starlette of the same run"
    )
    print(
        f"{'request':44} {'caller':9} {'w':>2} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7}"
        f" {'p99 ms':>7} {'ratio':>6} {'goal':>5}"
    )
    for what, who, n, f, ratio, goal in rows:
        mark = "" if ratio >= goal else "  below goal"
        failed = f"  ({f.failed} failed)" if f.failed else ""
        print(
            f"{what:44} {who:9} {n:>2} {f.rps:8.0f} {f.p50:7.2f} {f.p95:7.2f} {f.p99:7.2f}"
            f" {ratio:6.2f} {goal:5.2f}{mark}{failed}"
        )


if __name__ == "__main__":
    main()
