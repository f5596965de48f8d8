"""Signed checkpoints: the signing key in the data dir, and signing only consistent trees."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from core import ledger, merkle
from core.db import transaction
from core.ledger import LedgerCorrupt
from exchange.ledger.models import Checkpoint
from exchange.ledger.notes import CheckpointBody, NoteError, Signer, open_note, parse_checkpoint

KEY_FILE = "ledger_signing_key"


def origin_for(base_url: str) -> str:
    """The log's origin (and key name): the base URL without its scheme, plus ``/audit``."""
    parts = urlsplit(base_url)
    return f"{parts.netloc}{parts.path.rstrip('/')}/audit"


def load_signer(data_dir: Path, base_url: str) -> Signer:
    """The log's Ed25519 key, generated into the data dir (mode 0600) on first use.

    The key keeps the name it was created with: the origin must not change under a log.
    """
    path = data_dir / KEY_FILE
    if not path.exists():
        signer = Signer.generate(origin_for(base_url))
        # Written under a private name, then linked into place: two workers starting at once
        # end up sharing whichever key was linked first, never half a file.
        tmp = data_dir / f".{KEY_FILE}.{secrets.token_hex(8)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(signer.skey + "\n")
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    try:
        return Signer.from_skey(path.read_text())
    except NoteError as exc:
        raise LedgerCorrupt(f"The ledger signing key {path} is unreadable: {exc}") from exc


class CheckpointService:
    def __init__(self, session: Session, signer: Signer) -> None:
        self.session = session
        self.signer = signer

    def latest(self) -> Checkpoint | None:
        return self.session.scalar(select(Checkpoint).order_by(Checkpoint.size.desc()).limit(1))

    def _signed_root(self, checkpoint: Checkpoint) -> bytes:
        try:
            body = parse_checkpoint(open_note(checkpoint.note, self.signer.verifier))
        except NoteError as exc:
            raise LedgerCorrupt(f"Checkpoint {checkpoint.size} does not verify: {exc}") from exc
        if body.size != checkpoint.size or body.root != checkpoint.root:
            raise LedgerCorrupt(f"Checkpoint {checkpoint.size} does not match its signed note")
        return body.root

    def create(self) -> Checkpoint | None:
        """Sign the current tree if it grew; refuse (LedgerCorrupt) if it is inconsistent."""
        head = ledger.head(self.session)
        last = self.latest()
        if last is not None and head.size <= last.size:
            if head.size < last.size or head.root != self._signed_root(last):
                raise LedgerCorrupt(
                    f"The ledger (size {head.size}) does not match checkpoint {last.size}"
                )
            return None
        root = ledger.root_at(self.session, head.size)
        if root != head.root:
            raise LedgerCorrupt(f"The stored tree of size {head.size} does not match its head")
        if last is not None and last.size > 0:  # every tree extends the empty one
            old_root = self._signed_root(last)
            proof = ledger.consistency_proof(self.session, last.size, head.size)
            try:
                merkle.verify_consistency(last.size, head.size, old_root, root, proof)
            except merkle.ProofError as exc:
                raise LedgerCorrupt(
                    f"Refusing to sign size {head.size}: not consistent with checkpoint "
                    f"{last.size} ({exc})"
                ) from exc
        body = CheckpointBody(self.signer.name, head.size, root)
        checkpoint = Checkpoint(size=head.size, root=root, note=self.signer.sign(body.text))
        try:
            with self.session.begin_nested():
                self.session.add(checkpoint)
        except IntegrityError:
            # Another worker signed this size first; the same root is fine, another is a fork.
            existing = self.session.scalar(select(Checkpoint).where(Checkpoint.size == head.size))
            if existing is None or existing.root != root:
                raise LedgerCorrupt(f"Two different roots for size {head.size}") from None
            return None
        return checkpoint


def checkpoint_now(sessions: sessionmaker[Session], signer: Signer) -> int | None:
    """One checkpointing round in its own transaction; the new size, or None if unchanged."""
    with transaction(sessions, write=True) as session:
        checkpoint = CheckpointService(session, signer).create()
        return None if checkpoint is None else checkpoint.size
