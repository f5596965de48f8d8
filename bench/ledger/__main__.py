"""Benchmark the audit ledger against a ceiling measured in the same run.

    python -m bench.ledger [--size 1000000] [--database-url URL] [--batch 1000]

Ceiling: bare SHA-256 of the same canonical entries plus a batched commit of (seq, bytes)
rows into a plain table. Then: single appends (one transaction each), batched appends,
inclusion-proof latency at ``--size`` entries, and offline verification speed.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import BigInteger, Column, LargeBinary, MetaData, Table, insert

from core import ledger, merkle
from core.db import make_engine, make_session_factory, transaction
from core.migrations import upgrade
from exchange.ledger.checkpoints import checkpoint_now
from exchange.ledger.notes import Signer
from exchange.ledger.services import export_records
from exchange.ledger.verify import verify_records


def _records(n: int, start: int = 0) -> list[ledger.Record]:
    return [
        ledger.Record(
            "bench.event",
            actor="7c9e6679-7425-40de-944b-e07fc1f90ae7",
            org="a8098c1a-f86e-11da-bd1a-00112ae3b7",
            subject=f"dataset:{start + i}",
            data={"i": start + i, "rows": 100},
        )
        for i in range(n)
    ]


def ceiling(engine_url: str, n: int, batch: int) -> float:
    engine = make_engine(engine_url)
    meta = MetaData()
    table = Table(
        "bench_ceiling",
        meta,
        Column("seq", BigInteger, primary_key=True, autoincrement=False),
        Column("body", LargeBinary),
        Column("hash", LargeBinary),
    )
    meta.drop_all(engine)
    meta.create_all(engine)
    started = time.perf_counter()
    for offset in range(0, n, batch):
        rows = []
        for i in range(offset, min(n, offset + batch)):
            body = ledger.canonical({"seq": i, "type": "bench.event", "data": {"i": i}})
            rows.append({"seq": i, "body": body, "hash": hashlib.sha256(b"\0" + body).digest()})
        with engine.begin() as conn:
            conn.execute(insert(table), rows)
    elapsed = time.perf_counter() - started
    meta.drop_all(engine)
    engine.dispose()
    return n / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--size", type=int, default=1_000_000, help="entries in the tree")
    parser.add_argument("--batch", type=int, default=1000, help="entries per batched commit")
    parser.add_argument("--single", type=int, default=2000, help="single appends to time")
    parser.add_argument("--proofs", type=int, default=2000, help="inclusion proofs to time")
    parser.add_argument(
        "--database-url", help="default: a SQLite file in a temp dir (fresh, migrated)"
    )
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="shudu-bench-")
    url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
    engine = make_engine(url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    print(f"database: {engine.dialect.name}; target size {args.size:,}; batch {args.batch}")

    ceil = ceiling(url, min(args.size, 200_000), args.batch)
    print(f"ceiling  (SHA-256 + batched commit)     {ceil:12,.0f} entries/s")

    started = time.perf_counter()
    for record in _records(args.single):
        with transaction(sessions, write=True) as session:
            ledger.append_many(session, [record])
    single = args.single / (time.perf_counter() - started)
    ratio = f"({single / ceil:.2f}x ceiling)"
    print(f"append, one per transaction           {single:12,.0f} appends/s  {ratio}")

    remaining = args.size - args.single
    started = time.perf_counter()
    done = 0
    while done < remaining:
        n = min(args.batch, remaining - done)
        with transaction(sessions, write=True) as session:
            ledger.append_many(session, _records(n, args.single + done))
        done += n
    batched = remaining / (time.perf_counter() - started) if remaining else 0.0
    ratio = f"({batched / ceil:.2f}x ceiling)"
    print(f"append, batched ({args.batch}/transaction)     {batched:12,.0f} appends/s  {ratio}")

    rng = random.Random(1)
    timings = []
    with transaction(sessions) as session:
        size = ledger.head(session).size
        root = ledger.head(session).root
        # Warm up first: each proof shape compiles its statement once, then comes from
        # SQLAlchemy's cache, which is the steady state of a running server.
        for _ in range(200):
            ledger.inclusion_proof(session, rng.randrange(size), size)
        for _ in range(args.proofs):
            index = rng.randrange(size)
            t0 = time.perf_counter()
            leaf, proof = ledger.inclusion_proof(session, index, size)
            timings.append(time.perf_counter() - t0)
            merkle.verify_inclusion(index, size, leaf, proof, root)
    timings.sort()
    p50, p99 = statistics.median(timings) * 1e3, timings[int(len(timings) * 0.99)] * 1e3
    print(f"inclusion proof at {size:,} entries     p50 {p50:.3f} ms  p99 {p99:.3f} ms")

    signer = Signer.generate("bench.shudu.example/audit")
    checkpoint_now(sessions, signer)
    started = time.perf_counter()
    hashing = 0
    for record in export_records(sessions, signer, page=5000):
        if record["kind"] == "entry":
            hashing += 1
    export_rate = hashing / (time.perf_counter() - started)
    started = time.perf_counter()
    report = verify_records(export_records(sessions, signer, page=5000))
    verify_rate = report.entries / (time.perf_counter() - started)
    assert report.ok, report.summary()
    print(f"export stream (read only)              {export_rate:12,.0f} entries/s")
    ratio = f"({verify_rate / ceil:.2f}x ceiling)"
    print(f"export + offline verify                {verify_rate:12,.0f} entries/s  {ratio}")
    engine.dispose()


if __name__ == "__main__":
    main()
