"""Ingest: a row source into a new data table, in two streaming passes, then swapped in.

Pass one reads the whole file to infer each column's type, find bad rows and run the
personal-data detectors; pass two reads it again and loads it (``COPY`` on PostgreSQL, a
streamed ``executemany`` on SQLite). Neither pass holds more than a batch of rows. The new
table becomes visible only when the metadata row points at it, in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Index

from catalog.datastore.detectors import CANDIDATE, LABELS, detect
from catalog.datastore.fields import (
    TRUE_WORDS,
    Field,
    FieldType,
    Sensitivity,
    TypeGuesser,
    to_python,
)
from catalog.datastore.sources import MAX_COLUMNS, IngestRefused, RowSource
from catalog.datastore.tables import ROW_ID, data_table

MAX_REPORTED_BAD_ROWS = 100
MAX_HEADER_CHARS = 100


@dataclass
class Scan:
    """What pass one learned about a file."""

    header: list[str]
    types: list[FieldType]
    rows: int = 0
    bad_rows: list[dict[str, Any]] = field(default_factory=list)
    bad_row_count: int = 0
    findings: list[dict[str, Any]] = field(default_factory=list)
    longest: list[int] = field(default_factory=list)  # the longest cell of each column


def clean_header(raw: list[str]) -> list[str]:
    """Unique, non-empty column ids, in the publisher's words."""
    if len(raw) > MAX_COLUMNS:
        raise IngestRefused(
            f"The file has {len(raw)} columns; at most {MAX_COLUMNS} are supported",
            {"file": ["too many columns"]},
        )
    seen: set[str] = set()
    out = []
    for i, name in enumerate(raw, start=1):
        base = (name or "").strip().lstrip("\ufeff")[:MAX_HEADER_CHARS] or f"column_{i}"
        candidate, n = base, 1
        while candidate in seen:
            n += 1
            candidate = f"{base}_{n}"
        seen.add(candidate)
        out.append(candidate)
    return out


def _bad(scan: Scan, line: int, message: str) -> None:
    scan.bad_row_count += 1
    if len(scan.bad_rows) < MAX_REPORTED_BAD_ROWS:
        scan.bad_rows.append({"line": line, "message": message})


SCAN_BATCH = 500  # rows looked at together, a column at a time


def scan(source: RowSource) -> Scan:
    raw_header, rows = source.open()
    header = clean_header(raw_header)
    width = len(header)
    guessers = [TypeGuesser() for _ in header]
    result = Scan(header=header, types=[], longest=[0] * width)
    unfound = set(range(width))  # columns the detectors have not hit yet
    lines: list[int] = []
    batch: list[list[str | None]] = []
    for line, cells in rows:
        if len(cells) != width:
            _bad(result, line, f"{len(cells)} cells where the header has {width}")
            continue
        lines.append(line)
        batch.append(cells)
        if len(batch) == SCAN_BATCH:
            _scan_batch(result, guessers, unfound, lines, batch)
            lines, batch = [], []
    if batch:
        _scan_batch(result, guessers, unfound, lines, batch)
    result.types = [g.result for g in guessers]
    return result


def _candidates(values: list[str]) -> bool:
    """Whether any detector could match one of ``values``: none matches without an "@" or
    11 digits in a row (see detectors), and short cells cannot hold 11 digits."""
    if not values:
        return False
    joined = "\x00".join(values)
    if "@" in joined:
        return True
    return len(joined) >= 11 and CANDIDATE.search(joined) is not None


def _scan_batch(
    result: Scan,
    guessers: list[TypeGuesser],
    unfound: set[int],
    lines: list[int],
    batch: list[list[str | None]],
) -> None:
    """Types and detectors over a batch of good rows, a column at a time (C-level joins and
    regexes instead of Python work per cell)."""
    result.rows += len(batch)
    hits: list[tuple[int, int, str]] = []
    for i, column in enumerate(zip(*batch, strict=True)):
        values = [v for v in column if v is not None]
        if values:
            result.longest[i] = max(result.longest[i], *map(len, values))
        guessers[i].see_many(values)
        if i in unfound and _candidates(values):
            for line, cell in zip(lines, column, strict=True):
                kind = None if cell is None else detect(cell)
                if kind is not None:
                    hits.append((line, i, kind))
                    break
    for line, i, kind in sorted(hits):  # in the order a person reads the file
        unfound.discard(i)
        name = result.header[i]
        result.findings.append({"field": name, "line": line, "kind": kind, "label": LABELS[kind]})


def build_fields(scan_result: Scan, previous: list[Field] | None = None) -> list[Field]:
    """Fields for a scan; a reload keeps the sensitivities the publisher set on same-named ones."""
    kept = {f.id: f.sensitivity for f in previous or []}
    return [
        Field(
            id=name,
            type=kind,
            sensitivity=kept.get(name, Sensitivity.PUBLIC),
            column=f"c{i}",
        )
        for i, (name, kind) in enumerate(zip(scan_result.header, scan_result.types, strict=True))
    ]


def _typed_rows(source: RowSource, fields: list[Field]) -> Iterator[list[Any]]:
    """Pass two: the good rows again, as Python values, numbered from 1."""
    _, rows = source.open()
    width = len(fields)
    kinds = [f.type for f in fields]
    number = 0
    for _line, cells in rows:
        if len(cells) != width:
            continue
        number += 1
        yield [
            number,
            *(
                None if cell is None else to_python(kind, cell)
                for kind, cell in zip(kinds, cells, strict=True)
            ),
        ]


def _sqlite_value(value: Any) -> Any:
    # The storage formats SQLAlchemy's Date and DateTime use on SQLite, so its reads and bound
    # filter values compare with what is stored.
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


MAX_INDEXES = 8
MAX_INDEXED_TEXT = 100  # longer text is prose, not a key (and may not fit a btree entry)


def index_columns(found: Scan, fields: list[Field]) -> list[str]:
    """The columns worth an index for filters and sorts: every column but booleans and long
    text, the first ``MAX_INDEXES`` of them."""
    chosen = [
        f.column
        for f, longest in zip(fields, found.longest, strict=True)
        if f.type is not FieldType.BOOLEAN
        and not (f.type is FieldType.TEXT and longest > MAX_INDEXED_TEXT)
        and longest > 0
    ]
    return chosen[:MAX_INDEXES]


def create_indexes(
    connection: Connection, name: str, fields: list[Field], columns: list[str]
) -> None:
    """Indexes on a loaded table: built once after the load, faster than kept up row by row."""
    table = data_table(name, fields)
    for column in columns:
        Index(f"{name}_{column}", table.c[column]).create(connection)
    # Statistics now, so the planner knows the new table before autovacuum (PostgreSQL) or
    # ever (SQLite) looks at it; SQLite samples a bounded number of rows per index.
    quoted = connection.dialect.identifier_preparer.quote(name)
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA analysis_limit = 1000")
    connection.exec_driver_sql(f"ANALYZE {quoted}")


def _text_rows(source: RowSource, fields: list[Field]) -> Iterator[list[str | None]]:
    """Pass two for COPY: the good rows as the text cells PostgreSQL parses itself.

    The type patterns (``fields``) accept only text PostgreSQL reads as the same value;
    booleans are spelled as PostgreSQL spells them.
    """
    _, rows = source.open()
    width = len(fields)
    booleans = [i for i, f in enumerate(fields) if f.type is FieldType.BOOLEAN]
    number = 0
    for _line, cells in rows:
        if len(cells) != width:
            continue
        number += 1
        for i in booleans:
            cell = cells[i]
            if cell is not None:
                cells[i] = "t" if cell.lower() in TRUE_WORDS else "f"
        yield [str(number), *cells]


def _copy(raw: Any, name: str, columns: list[str], rows: Iterator[list[Any]]) -> int:
    from psycopg import sql

    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(name), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    loaded = 0
    with raw.cursor() as pg_cursor, pg_cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
            loaded += 1
    return loaded


def create_and_load(
    connection: Connection, name: str, source: RowSource, fields: list[Field]
) -> int:
    """Create table ``name`` and load the source's good rows into it; the number loaded."""
    table = data_table(name, fields)
    columns = [ROW_ID, *(f.column for f in fields)]
    if connection.dialect.name == "postgresql":
        import psycopg

        raw: Any = connection.connection.driver_connection
        try:
            # The cells as text, parsed by the server: no Python value per cell.
            with connection.begin_nested():
                table.create(connection)
                return _copy(raw, name, columns, _text_rows(source, fields))
        except psycopg.DataError:
            # A value PostgreSQL reads differently (a decimal beyond float8's range, which
            # Python reads as infinity): load the Python values instead.
            pass
        table.create(connection)
        return _copy(raw, name, columns, _typed_rows(source, fields))

    table.create(connection)
    insert = str(table.insert().compile(dialect=connection.dialect))
    cursor: Any = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    loaded = 0

    def counted() -> Iterator[list[Any]]:
        nonlocal loaded
        for row in _typed_rows(source, fields):
            loaded += 1
            yield [_sqlite_value(v) for v in row]

    try:
        cursor.executemany(insert, counted())
    finally:
        cursor.close()
    return loaded
