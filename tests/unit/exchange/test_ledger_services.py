"""The ledger against the lane's database: appends, proofs, checkpoints and tampering."""

from __future__ import annotations

import orjson
import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from core import ledger, merkle
from core.identity.models import OrgKind, Role
from core.ledger import LedgerCorrupt, LedgerEntry
from exchange.ledger.checkpoints import CheckpointService
from exchange.ledger.models import Checkpoint
from exchange.ledger.notes import CheckpointBody, Signer
from exchange.ledger.services import export_records
from exchange.ledger.verify import verify_records
from tests.factories import make_dataset, make_member, make_org

SIGNER = Signer.generate("test.shudu.example/audit")


def _append(session: Session, n: int, *, checkpoint_each: bool = True) -> None:
    for i in range(n):
        ledger.append(session, "test.event", actor=f"user-{i}", org="org-1", data={"i": i})
        if checkpoint_each:
            CheckpointService(session, SIGNER).create()


def _verify(sessions: sessionmaker[Session]) -> tuple[int | None, str]:
    report = verify_records(export_records(sessions, SIGNER, page=3))
    return report.first_bad_entry, report.summary()


def test_entries_are_canonical_and_ordered(session: Session) -> None:
    first = ledger.append(session, "b.type", actor="x", data={"z": 1, "a": "数据"})
    second = ledger.append(session, "a.type")
    assert second.seq == first.seq + 1
    body = orjson.loads(first.entry)
    assert list(body) == ["actor", "data", "org", "seq", "subject", "time", "type"]
    assert first.entry == ledger.canonical(body).decode()
    assert " " not in first.entry
    assert first.leaf_hash == merkle.leaf_hash(first.entry.encode())


def test_stored_tree_gives_every_proof(session: Session) -> None:
    _append(session, 37, checkpoint_each=False)
    size = ledger.head(session).size
    hashes = ledger.leaf_hashes(session, 0, size)
    assert ledger.head(session).root == merkle.root_of(hashes) == ledger.root_at(session, size)
    for index in range(0, size, 5):
        leaf, proof = ledger.inclusion_proof(session, index, size)
        merkle.verify_inclusion(index, size, leaf, proof, merkle.root_of(hashes))
    for old in range(1, size, 4):
        proof = ledger.consistency_proof(session, old, size)
        merkle.verify_consistency(
            old, size, merkle.root_of(hashes[:old]), merkle.root_of(hashes), proof
        )


def test_service_events_are_recorded(session: Session) -> None:
    before = ledger.head(session).size
    dept = make_org(session, OrgKind.DEPARTMENT)
    publisher = make_member(session, dept, Role.PUBLISHER)
    make_dataset(session, dept, publisher)
    types = list(
        session.scalars(
            select(LedgerEntry.type).where(LedgerEntry.seq >= before).order_by(LedgerEntry.seq)
        )
    )
    assert types == [
        "organization.created",
        "user.created",
        "membership.added",
        "dataset.published",
    ]


def test_a_rolled_back_change_leaves_no_entry(session: Session) -> None:
    before = ledger.head(session).size
    savepoint = session.begin_nested()
    make_org(session, OrgKind.ENTERPRISE)  # the change and its entry ...
    assert ledger.head(session).size == before + 1
    savepoint.rollback()  # ... fail together
    assert ledger.head(session).size == before
    assert session.scalar(select(LedgerEntry).where(LedgerEntry.seq == before)) is None


def test_checkpoints_sign_only_growth_and_only_one_root_per_size(session: Session) -> None:
    service = CheckpointService(session, SIGNER)
    ledger.append(session, "x")
    first = service.create()
    assert first is not None
    assert service.create() is None  # nothing new
    ledger.append(session, "y")
    second = service.create()
    assert second is not None
    assert second.size == first.size + 1
    session.add(Checkpoint(size=second.size, root=bytes(32), note="forged"))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


@pytest.fixture
def empty(session: Session) -> Session:
    """This test's ledger starts from the empty tree (the outer rollback restores it)."""
    session.execute(delete(LedgerEntry))
    session.execute(text("DELETE FROM ledger_nodes"))
    session.execute(text("DELETE FROM ledger_checkpoints"))
    session.execute(
        text("UPDATE ledger_head SET size = 0, root = :r, frontier = :f"),
        {"r": merkle.EMPTY_ROOT, "f": b""},
    )
    return session


def test_a_checkpoint_of_the_empty_tree_is_extended(empty: Session) -> None:
    service = CheckpointService(empty, SIGNER)
    first = service.create()
    assert first is not None
    assert first.size == 0
    ledger.append(empty, "the first entry")
    second = service.create()
    assert second is not None
    assert second.size == 1
    assert second.root == ledger.head(empty).root


def test_checkpointer_refuses_a_rewritten_tree(empty: Session) -> None:
    session = empty
    service = CheckpointService(session, SIGNER)
    _append(session, 4)
    # Rewrite history behind the checkpoint's back: another leaf, with the tree rebuilt.
    session.execute(update(LedgerEntry).where(LedgerEntry.seq == 1).values(leaf_hash=bytes(32)))
    hashes = ledger.leaf_hashes(session, 0, 4)
    session.execute(text("DELETE FROM ledger_nodes"))
    frontier: list[tuple[int, bytes]] = []
    for i, h in enumerate(hashes):
        for level, node in merkle.push_nodes(frontier, h):
            session.execute(
                text("INSERT INTO ledger_nodes (level, idx, hash) VALUES (:l, :i, :h)"),
                {"l": level, "i": ((i + 1) >> level) - 1, "h": node},
            )
    session.execute(
        text("UPDATE ledger_head SET root = :r, frontier = :f"),
        {"r": merkle.frontier_root(frontier), "f": merkle.encode_frontier(frontier)},
    )
    ledger.append(session, "after the rewrite")
    with pytest.raises(LedgerCorrupt, match="not consistent with checkpoint"):
        service.create()


# -- tampering with rows directly; verify names the position ---------------------------------------


@pytest.fixture
def tamper(empty: Session, sessions: sessionmaker[Session]) -> Session:
    session = empty
    _append(session, 9)
    session.commit()
    bad, summary = _verify(sessions)
    assert bad is None
    assert summary.startswith("OK: 9 entries, 9 checkpoints"), summary
    return session


def _entry(session: Session, seq: int) -> dict[str, object]:
    raw = session.scalar(select(LedgerEntry.entry).where(LedgerEntry.seq == seq))
    assert raw is not None
    body: dict[str, object] = orjson.loads(raw)
    return body


def test_an_edited_entry_is_named(tamper: Session, sessions: sessionmaker[Session]) -> None:
    body = {**_entry(tamper, 4), "data": {"i": 400}}
    tamper.execute(
        update(LedgerEntry)
        .where(LedgerEntry.seq == 4)
        .values(entry=ledger.canonical(body).decode())
    )
    tamper.commit()
    bad, summary = _verify(sessions)
    assert bad == 4, summary
    assert "entry 4 does not hash to its recorded leaf hash" in summary


def test_an_edit_with_a_recomputed_leaf_hash_is_named(
    tamper: Session, sessions: sessionmaker[Session]
) -> None:
    text_ = ledger.canonical({**_entry(tamper, 6), "type": "something.else"})
    tamper.execute(
        update(LedgerEntry)
        .where(LedgerEntry.seq == 6)
        .values(entry=text_.decode(), leaf_hash=merkle.leaf_hash(text_))
    )
    tamper.commit()
    bad, summary = _verify(sessions)
    assert bad == 6, summary
    assert "signed root of size 7 does not match" in summary


def test_a_deleted_entry_is_named(tamper: Session, sessions: sessionmaker[Session]) -> None:
    tamper.execute(delete(LedgerEntry).where(LedgerEntry.seq == 3))
    tamper.commit()
    bad, summary = _verify(sessions)
    assert bad == 3, summary


def test_an_inserted_entry_is_named(tamper: Session, sessions: sessionmaker[Session]) -> None:
    # Make room at 5 (in two steps: a primary key cannot overlap itself mid-update).
    tamper.execute(
        update(LedgerEntry).where(LedgerEntry.seq >= 5).values(seq=LedgerEntry.seq + 1000)
    )
    tamper.execute(
        update(LedgerEntry).where(LedgerEntry.seq >= 1000).values(seq=LedgerEntry.seq - 999)
    )
    forged = ledger.canonical({**_entry(tamper, 4), "seq": 5, "type": "forged"})
    tamper.add(
        LedgerEntry(
            seq=5,
            time=tamper.scalar(select(LedgerEntry.time).where(LedgerEntry.seq == 4)),
            type="forged",
            entry=forged.decode(),
            leaf_hash=merkle.leaf_hash(forged),
        )
    )
    tamper.commit()
    bad, summary = _verify(sessions)
    assert bad == 5, summary


def test_reordered_entries_are_named(tamper: Session, sessions: sessionmaker[Session]) -> None:
    tamper.execute(update(LedgerEntry).where(LedgerEntry.seq == 2).values(seq=-1))
    tamper.execute(update(LedgerEntry).where(LedgerEntry.seq == 3).values(seq=2))
    tamper.execute(update(LedgerEntry).where(LedgerEntry.seq == -1).values(seq=3))
    tamper.commit()
    bad, summary = _verify(sessions)
    assert bad == 2, summary


def test_a_forked_checkpoint_is_detected(tamper: Session, sessions: sessionmaker[Session]) -> None:
    # The signing key signs a second root for size 5 (a split view shown to someone else).
    forked = SIGNER.sign(CheckpointBody(SIGNER.name, 5, bytes(32)).text)
    records = list(export_records(sessions, SIGNER))
    at = next(i for i, r in enumerate(records) if r["kind"] == "checkpoint" and r["size"] == 5)
    records.insert(at + 1, {"kind": "checkpoint", "size": 5, "root": "AA==", "note": forked})
    report = verify_records(records)
    assert any("forked" in p.message for p in report.problems), report.summary()
    # A party who kept the forked checkpoint learns it does not match the log.
    report = verify_records(export_records(sessions, SIGNER), saved_roots={5: bytes(32)})
    assert not report.ok
    assert "fork" in report.summary()


def test_a_wrong_trusted_key_fails(tamper: Session, sessions: sessionmaker[Session]) -> None:
    stranger = Signer.generate(SIGNER.name)
    report = verify_records(export_records(sessions, SIGNER), vkey=stranger.verifier.vkey)
    assert not report.ok
