"""The offline verifier: an export in, a report naming the first bad entry out.

It needs nothing from the server but the export (and, ideally, a verifier key obtained
separately): every leaf hash is recomputed from its entry, every checkpoint's root is
re-derived from the entries before it and its signature checked; since all roots come from one
sequence of entries, each checkpoint is consistent with the previous one by construction, and a
second root for a size already seen (a fork) is reported. Memory stays O(log n).
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

import orjson

from core import ledger, merkle
from exchange.ledger.notes import NoteError, Verifier, open_note, parse_checkpoint, parse_vkey

CSV_COLUMNS = ["kind", "seq", "time", "type", "actor", "org", "subject", "data", "hash", "note"]
ENTRY_KEYS = ("seq", "time", "type", "actor", "org", "subject", "data")


@dataclass(frozen=True, slots=True)
class Problem:
    message: str
    position: int | None = None  # the first entry it implicates, if any


@dataclass
class Report:
    entries: int = 0
    checkpoints: int = 0
    verified_size: int = 0  # entries covered by the last good checkpoint
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and self.checkpoints > 0

    @property
    def first_bad_entry(self) -> int | None:
        positions = [p.position for p in self.problems if p.position is not None]
        return min(positions) if positions else None

    def summary(self) -> str:
        if self.ok:
            tail = self.entries - self.verified_size
            note = f"; {tail} newer entries await a checkpoint" if tail else ""
            return (
                f"OK: {self.entries} entries, {self.checkpoints} checkpoints verified, "
                f"signed tree size {self.verified_size}{note}"
            )
        if not self.problems:
            return "FAILED: the export holds no checkpoint, so nothing could be verified"
        first = self.first_bad_entry
        head = f"FAILED: first bad entry at position {first}" if first is not None else "FAILED"
        return head + "\n" + "\n".join(f"  - {p.message}" for p in self.problems[:20])


class _Verifier:
    def __init__(self, trusted: Verifier | None, extra: Mapping[int, bytes]) -> None:
        self.trusted = trusted
        self.key: Verifier | None = trusted
        self.extra = dict(extra)  # roots for sizes a party saved earlier
        self.report = Report()
        self.frontier: list[tuple[int, bytes]] = []
        self.position = 0
        self.last_size = -1
        self.last_root = b""
        self.root_broken = False
        self.declared_size: int | None = None

    def problem(self, message: str, position: int | None = None) -> None:
        self.report.problems.append(Problem(message, position))

    def header(self, record: Mapping[str, Any]) -> None:
        try:
            served = parse_vkey(str(record.get("vkey", "")))
        except NoteError as exc:
            self.problem(f"the export's verifier key is unusable: {exc}")
            return
        if self.trusted is not None and served.vkey != self.trusted.vkey:
            self.problem("the export names a different signing key than the one you trust")
        self.key = self.trusted or served
        if record.get("origin") not in (None, self.key.name):
            self.problem(f"the export's origin {record.get('origin')!r} is not the key's name")
        size = record.get("size")
        self.declared_size = size if isinstance(size, int) else None

    def entry(self, entry: Any, recorded_leaf: str | None) -> None:
        p = self.position
        if not isinstance(entry, dict) or set(entry) != set(ENTRY_KEYS):
            self.problem(f"entry {p} is not a ledger entry {{{', '.join(ENTRY_KEYS)}}}", p)
            leaf = merkle.leaf_hash(orjson.dumps(entry))
        else:
            leaf = merkle.leaf_hash(ledger.canonical(entry))
            if entry["seq"] != p:
                self.problem(
                    f"entry {p} says seq {entry['seq']!r}: "
                    "an entry was deleted, inserted or moved here",
                    p,
                )
        if recorded_leaf is not None and recorded_leaf != base64.b64encode(leaf).decode():
            self.problem(f"entry {p} does not hash to its recorded leaf hash: it was edited", p)
        merkle.push(self.frontier, leaf)
        self.position += 1
        self.report.entries += 1
        self._check_extra()

    def _check_extra(self) -> None:
        saved = self.extra.pop(self.position, None)
        if saved is not None and saved != merkle.frontier_root(self.frontier):
            self.problem(
                f"a checkpoint you saved for size {self.position} has another root: "
                "history was rewritten (a fork)",
                self.report.verified_size,
            )

    def checkpoint(self, record: Mapping[str, Any]) -> None:
        self.report.checkpoints += 1
        size, note = record.get("size"), record.get("note")
        if self.key is None:
            self.problem("no verifier key: pass --vkey or an export with a header")
            return
        try:
            body = parse_checkpoint(open_note(str(note), self.key))
        except NoteError as exc:
            self.problem(f"checkpoint {size}: {exc}")
            return
        if body.origin != self.key.name:
            self.problem(f"checkpoint {size} is for origin {body.origin!r}")
        if body.size != size or base64.b64encode(body.root).decode() != record.get("root"):
            self.problem(f"checkpoint {size}: the listed size or root differs from the signed one")
        if body.size == self.last_size and body.root != self.last_root:
            self.problem(f"two different signed roots for size {body.size}: the log forked")
            return
        if body.size < self.last_size:
            self.problem(f"checkpoint {body.size} comes after checkpoint {self.last_size}")
            return
        if body.size != self.position:
            self.problem(
                f"checkpoint {body.size} appears after {self.position} entries: "
                "entries are missing or extra",
                min(body.size, self.position),
            )
        elif merkle.frontier_root(self.frontier) != body.root and not self.root_broken:
            self.root_broken = True  # every later root differs too; report the first only
            start = self.report.verified_size
            where = (
                f"entry {start}" if body.size - start == 1 else f"entries {start}-{body.size - 1}"
            )
            self.problem(
                f"the signed root of size {body.size} does not match the entries: "
                f"{where} changed since it was signed",
                start,
            )
        elif not self.root_broken:
            self.report.verified_size = body.size
        self.last_size, self.last_root = body.size, body.root

    def finish(self) -> Report:
        if self.declared_size is not None and self.declared_size != self.position:
            self.problem(
                f"the export declares {self.declared_size} entries but holds {self.position}",
                min(self.declared_size, self.position),
            )
        for size in self.extra:
            self.problem(f"a checkpoint you saved for size {size} is beyond the export")
        return self.report


def verify_records(
    records: Iterable[Mapping[str, Any]],
    *,
    vkey: str | None = None,
    saved_roots: Mapping[int, bytes] | None = None,
) -> Report:
    """Verify an export's records (header, entries and checkpoints in order)."""
    trusted = parse_vkey(vkey) if vkey else None
    v = _Verifier(trusted, saved_roots or {})
    for record in records:
        kind = record.get("kind")
        if kind == "header":
            v.header(record)
        elif kind == "entry":
            leaf = record.get("leaf_hash")
            v.entry(record.get("entry"), leaf if isinstance(leaf, str) else None)
        elif kind == "checkpoint":
            v.checkpoint(record)
        elif kind != "end":
            v.problem(f"unknown record kind {kind!r} after {v.position} entries")
    return v.finish()


# -- reading exports ------------------------------------------------------------------------------


def read_jsonl(lines: Iterable[bytes | str]) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError:
            yield {"kind": f"unreadable line {number}"}
            continue
        yield record if isinstance(record, dict) else {"kind": f"line {number} is no object"}


def csv_row(record: Mapping[str, Any]) -> list[str]:
    """One export record as a CSV row (columns :data:`CSV_COLUMNS`)."""
    kind = record["kind"]
    if kind == "entry":
        e = record["entry"]
        data = orjson.dumps(e["data"], option=orjson.OPT_SORT_KEYS).decode()
        return [
            kind, str(e["seq"]), e["time"], e["type"], e["actor"] or "", e["org"] or "",
            e["subject"] or "", data, record["leaf_hash"], "",
        ]  # fmt: skip
    if kind == "checkpoint":
        return [kind, str(record["size"]), "", "", "", "", "", "", record["root"], record["note"]]
    if kind == "header":
        size = str(record["size"])
        return [kind, size, "", record["format"], "", "", record["origin"], "", "", record["vkey"]]
    return [kind, "", "", "", "", "", "", orjson.dumps(record).decode(), "", ""]


def as_jsonl(records: Iterable[Mapping[str, Any]]) -> Iterator[bytes]:
    """Export records as JSON lines, one a record (the API's and the console's downloads)."""
    for record in records:
        yield orjson.dumps(record) + b"\n"


def as_csv(records: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    """Export records as CSV (a header row, then :func:`csv_row` for each), streamed."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for record in records:
        writer.writerow(csv_row(record))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def read_csv(handle: IO[str]) -> Iterator[dict[str, Any]]:
    for row in csv.DictReader(handle):
        kind = row.get("kind")
        if kind == "entry":
            try:
                entry: Any = {
                    "seq": int(row["seq"]),
                    "time": row["time"],
                    "type": row["type"],
                    "actor": row["actor"] or None,
                    "org": row["org"] or None,
                    "subject": row["subject"] or None,
                    "data": orjson.loads(row["data"]),
                }
            except (ValueError, orjson.JSONDecodeError):
                entry = dict(row)
            yield {"kind": "entry", "entry": entry, "leaf_hash": row["hash"]}
        elif kind == "checkpoint":
            size = int(row["seq"]) if row["seq"].isdigit() else row["seq"]
            yield {"kind": "checkpoint", "size": size, "root": row["hash"], "note": row["note"]}
        elif kind == "header":
            size = int(row["seq"]) if row["seq"].isdigit() else None
            yield {"kind": "header", "size": size, "origin": row["subject"], "vkey": row["note"]}
        else:
            yield {"kind": kind or "empty row"}


def read_export(raw: IO[bytes]) -> Iterator[dict[str, Any]]:
    """Records from a JSONL or CSV export (told apart by the first byte)."""
    first = raw.peek(1)[:1] if isinstance(raw, io.BufferedReader) else b""
    if first == b"{" or not first:
        return read_jsonl(raw)
    return read_csv(io.TextIOWrapper(raw, encoding="utf-8", newline=""))


def parse_saved_checkpoint(note: str, vkey: str) -> tuple[int, bytes]:
    """A checkpoint a party kept earlier (its signed note), as (size, root)."""
    body = parse_checkpoint(open_note(note, parse_vkey(vkey)))
    return body.size, body.root


def decode_hash(value: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error as exc:
        raise merkle.ProofError(f"{value!r} is not base64") from exc
