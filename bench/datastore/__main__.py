"""Benchmark the datastore: ingest, full-table CSV export over HTTP against a raw ceiling, queries.

    python -m bench.datastore [--rows 1000000] [--database-url URL] [--queries 300]

Ingest: rows/s of a generated CSV (six columns: integer, two texts, integer, decimal, date)
through ``DatastoreService.ingest`` (a scan pass, a load pass — COPY of text cells on
PostgreSQL — and the swap); then the indexes the worker builds after it, timed apart.
Export: ``GET /api/v1/resources/{id}/records?format=csv`` from a live uvicorn server over
loopback, in MB/s, against the raw ceiling of the same run: the ``sqlite3 -csv`` CLI on
SQLite (Python's sqlite3 module when the CLI is missing), ``COPY (SELECT …) TO STDOUT`` on
PostgreSQL. Queries: p50/p95 of filtered, sorted first pages through the same server.
"""

from __future__ import annotations

import argparse
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
import orjson
import uvicorn
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from catalog.datastore.services import DatastoreService
from catalog.datastore.worker import index_pending
from catalog.filestore import FileStore
from catalog.models import Resource
from catalog.schemas import DatasetCreate, ResourceCreate
from catalog.services import DatasetService
from core.db import make_engine, make_session_factory, transaction
from core.identity.models import OrgKind
from core.identity.principal import Principal
from core.identity.services import OrganizationService, UserService
from core.migrations import upgrade
from core.settings import load_settings

DISTRICTS = [
    "黄浦区",
    "徐汇区",
    "长宁区",
    "静安区",
    "普陀区",
    "虹口区",
    "杨浦区",
    "闵行区",
    "宝山区",
    "嘉定区",
    "浦东新区",
    "金山区",
    "松江区",
    "青浦区",
    "奉贤区",
    "崇明区",
]


def write_csv(path: Path, rows: int) -> None:
    rng = random.Random(4)
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write("编号,区,站点,客流,金额,日期\n")
        batch = []
        for i in range(rows):
            district = DISTRICTS[i % len(DISTRICTS)]
            day = f"2024-{i % 12 + 1:02d}-{i % 28 + 1:02d}"
            amount = rng.randrange(100, 10_000_000) / 100
            batch.append(f"{i},{district},站点{i % 5000},{rng.randrange(50_000)},{amount},{day}\n")
            if len(batch) == 10_000:
                f.write("".join(batch))
                batch.clear()
        f.write("".join(batch))


def setup(sessions: sessionmaker[Session], files: FileStore, csv_path: Path) -> tuple[str, str]:
    with transaction(sessions, write=True) as session:
        admin = UserService(session).create("bench@example.org", "bench-password", is_admin=True)
        OrganizationService(session).create(
            "bench-dept", OrgKind.DEPARTMENT, title_zh="基准", title_en="Bench"
        )
        principal = Principal.for_user(admin, can_write=True, via="bench")
        service = DatasetService(session, principal)
        data = DatasetCreate.model_validate(
            {
                "name": "bench-stations",
                "title": {"zh": "客流", "en": "Ridership"},
                "organization": "bench-dept",
                "open_level": "open",
                "license": "CC-BY-4.0",
                "state": "published",
            },
            strict=False,
        )
        service.create(data)
        writer = files.open_writer(limit=1 << 40)
        with csv_path.open("rb") as f:
            while chunk := f.read(1 << 20):
                writer.write(chunk)
        blob = writer.commit()
        resource = service.add_resource(
            "bench-stations", ResourceCreate(), blob=blob, filename="bench.csv"
        )
        return str(resource.id), blob.sha256


def ingest(sessions: sessionmaker[Session], files: FileStore, resource_id: str) -> tuple[int, str]:
    with transaction(sessions, write=True) as session:
        resource = session.get(Resource, uuid.UUID(resource_id))
        assert resource is not None
        assert resource.sha256 is not None
        meta = DatastoreService(session).ingest(resource, files.existing_path(resource.sha256))
        assert meta.table_name is not None
        return meta.row_count, meta.table_name


def raw_ceiling(url: str, table: str, out_dir: Path) -> tuple[int, float, str]:
    """Bytes and seconds of the database's own CSV dump of the table."""
    columns = "c0, c1, c2, c3, c4, c5"
    if url.startswith("sqlite"):
        db_path = url.split("///", 1)[1]
        cli = shutil.which("sqlite3")
        if cli is not None:
            target = out_dir / "raw.csv"
            started = time.perf_counter()
            with target.open("wb") as out:
                subprocess.run(
                    [cli, "-csv", "-header", db_path, f"SELECT {columns} FROM {table}"],
                    stdout=out,
                    check=True,
                )
            seconds = time.perf_counter() - started
            return target.stat().st_size, seconds, "sqlite3 -csv"
        import csv
        import io
        import sqlite3

        started = time.perf_counter()
        size = 0
        connection = sqlite3.connect(db_path)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        cursor = connection.execute(f"SELECT {columns} FROM {table}")
        while rows := cursor.fetchmany(5000):
            writer.writerows(rows)
            size += len(buffer.getvalue().encode())
            buffer.seek(0)
            buffer.truncate()
        connection.close()
        return size, time.perf_counter() - started, "python sqlite3 + csv"
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    size = 0
    started = time.perf_counter()
    with psycopg.connect(dsn) as connection, connection.cursor() as cursor:
        statement = f"COPY (SELECT {columns} FROM {table}) TO STDOUT WITH (FORMAT csv, HEADER)"
        with cursor.copy(statement) as copy:  # type: ignore[arg-type]
            for data in copy:
                size += len(data)
    return size, time.perf_counter() - started, "COPY ... TO STDOUT (csv)"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.datastore")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-datastore-"))
    url = args.database_url or f"sqlite:///{work / 'bench.db'}"
    engine = make_engine(url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    settings = load_settings(
        {
            "SHUDU_DATA_DIR": str(work / "data"),
            "SHUDU_DATABASE_URL": url,
            "SHUDU_BASE_URL": "http://127.0.0.1",
            "SHUDU_RATE_LIMIT_ANONYMOUS": "0",  # no limit: the bench is one client
        }
    )
    files = FileStore(settings.files_dir)
    csv_path = work / "bench.csv"
    write_csv(csv_path, args.rows)
    size_mb = csv_path.stat().st_size / 1e6
    resource_id, _ = setup(sessions, files, csv_path)
    print(f"backend {engine.dialect.name}; {args.rows:,} rows, {size_mb:.1f} MB of CSV")

    started = time.perf_counter()
    loaded, table = ingest(sessions, files, resource_id)
    seconds = time.perf_counter() - started
    print(f"ingest (scan, load, swap)          {loaded / seconds:12,.0f} rows/s  ({seconds:.1f} s)")
    started = time.perf_counter()
    index_pending(sessions)
    print(f"indexes (worker, after the swap)   {time.perf_counter() - started:12.1f} s")

    raw_bytes, raw_seconds, how = raw_ceiling(url, table, work)
    raw_rate = raw_bytes / raw_seconds / 1e6
    print(f"raw CSV dump ceiling ({how})  {raw_rate:10.1f} MB/s  ({raw_bytes / 1e6:.1f} MB)")

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            sys.exit("the server did not start")
        time.sleep(0.05)
    records = f"{base}/api/v1/resources/{resource_id}/records"
    with httpx.Client(timeout=600) as client:
        started = time.perf_counter()
        api_bytes = 0
        with client.stream("GET", records, params={"format": "csv"}) as response:
            response.raise_for_status()
            for chunk in response.iter_raw(1 << 20):
                api_bytes += len(chunk)
        api_seconds = time.perf_counter() - started
        api_rate = api_bytes / api_seconds / 1e6
        ratio = api_rate / raw_rate
        print(
            f"API CSV export over HTTP           {api_rate:10.1f} MB/s  "
            f"({api_bytes / 1e6:.1f} MB, {ratio:.2f}x the raw ceiling)"
        )

        rng = random.Random(7)
        timings = []
        for i in range(args.queries + 20):
            low = rng.randrange(40_000)
            filters = {"区": rng.choice(DISTRICTS), "客流": {"gte": low, "lt": low + 5000}}
            params = {
                "filters": orjson.dumps(filters).decode(),
                "sort": "-金额",
                "limit": "50",
                "total": "false",
            }
            t0 = time.perf_counter()
            response = client.get(records, params=params)
            elapsed = time.perf_counter() - t0
            response.raise_for_status()
            if i >= 20:  # the first ones warm caches and the statement cache
                timings.append(elapsed)
        timings.sort()
        p50 = statistics.median(timings) * 1e3
        p95 = timings[int(len(timings) * 0.95)] * 1e3
        print(
            f"filtered query (eq + range, sort, 50 rows)  p50 {p50:.1f} ms  p95 {p95:.1f} ms "
            f"({len(timings)} queries, the data columns indexed at ingest)"
        )
    server.should_exit = True
    thread.join(timeout=30)
    engine.dispose()
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
