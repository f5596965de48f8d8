"""Several worker processes append at once: one gapless total order, and a tree that verifies.

Runs on the lane's database (a fresh SQLite file, or a fresh PostgreSQL database).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from core import ledger, merkle
from core.db import make_engine, make_session_factory, transaction
from core.ledger import LedgerEntry
from core.migrations import upgrade
from exchange.ledger.checkpoints import checkpoint_now
from exchange.ledger.notes import Signer
from exchange.ledger.services import export_records
from exchange.ledger.verify import verify_records
from tests.support import fresh_database_url

pytestmark = pytest.mark.database

WORKERS = 4
PER_WORKER = 60

WORKER = """
import sys
from core import ledger
from core.db import make_engine, make_session_factory, transaction

url, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
sessions = make_session_factory(make_engine(url))
for i in range(count):
    with transaction(sessions, write=True) as session:
        # Read first, then append: the pattern that fails on SQLite without BEGIN IMMEDIATE.
        ledger.head(session)
        if i % 3 == 2:
            ledger.append_many(session, [
                ledger.Record("batch", actor=name, data={"i": i, "part": 0}),
                ledger.Record("batch", actor=name, data={"i": i, "part": 1}),
            ])
        else:
            ledger.append(session, "single", actor=name, data={"i": i})
"""


def test_concurrent_appenders_get_one_gapless_order(tmp_path: Path) -> None:
    url = fresh_database_url(tmp_path, "ledger_concurrency")
    engine = make_engine(url)
    upgrade(engine)
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, url, f"w{n}", str(PER_WORKER)],
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(WORKERS)
    ]
    for process in processes:
        _, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
    sessions = make_session_factory(engine)
    per_worker = PER_WORKER + PER_WORKER // 3
    with transaction(sessions) as session:
        size = ledger.head(session).size
        assert size == WORKERS * per_worker
        rows = session.execute(
            select(LedgerEntry.seq, LedgerEntry.actor, LedgerEntry.entry).order_by(LedgerEntry.seq)
        ).all()
        assert [r.seq for r in rows] == list(range(size))
        # Each worker's own entries keep the order it wrote them in.
        for n in range(WORKERS):
            mine = [r.entry for r in rows if r.actor == f"w{n}"]
            assert len(mine) == per_worker
        hashes = ledger.leaf_hashes(session, 0, size)
        assert ledger.root_at(session, size) == merkle.root_of(hashes) == ledger.head(session).root
    signer = Signer.generate("concurrency.test/audit")
    assert checkpoint_now(sessions, signer) == size
    report = verify_records(export_records(sessions, signer))
    assert report.ok, report.summary()
    assert report.verified_size == size
    engine.dispose()
