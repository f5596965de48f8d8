"""CSV exports written by the database: each cell (and on SQLite each line) is built in SQL.

Fetching rows into Python tuples and formatting them there caps an export at a fraction of
what the database can dump, so here the database produces the text:

- PostgreSQL: ``COPY (SELECT <cells>) TO STDOUT (FORMAT csv)``, where the SELECT is the same
  checked query (access decision included) with every bound value rendered as a literal by
  psycopg's own client-side binding (``ClientCursor.mogrify``) — never by string formatting.
- SQLite: one SQL expression per line (cells formatted, quoted and joined), aggregated with
  ``group_concat`` a range of row ids at a time, so Python touches one string per chunk.

The bytes are the same as :meth:`DatastoreService.stream`'s row-by-row CSV (a test compares
them): cells as Python's ``csv`` module writes them with QUOTE_MINIMAL and CRLF, formula cells
prefixed with ``'``, decimals as Python's ``repr``, dates and datetimes in ISO 8601. One
known difference: a decimal in [1e15, 1e16) prints in exponent form here.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Float,
    Integer,
    String,
    Table,
    Text,
    cast,
    func,
    literal,
    select,
    type_coerce,
)
from sqlalchemy import case as sql_case

from catalog.datastore.access import MASK
from catalog.datastore.fields import Field, FieldType
from catalog.datastore.query import FORMULA_START, RowPlan
from catalog.datastore.tables import ROW_ID

CHUNK_ROWS = 10_000  # rows per group_concat (SQLite) or per yielded block (PostgreSQL)
CRLF = "\r\n"
_FORMULA_CODES = [ord(c) for c in FORMULA_START]


def csv_header(ids: list[str]) -> bytes:
    """The header line (with a BOM, so spreadsheets read UTF-8), field ids formula-escaped."""
    out = io.StringIO()
    csv.writer(out, lineterminator=CRLF).writerow(
        ["'" + i if i.startswith(FORMULA_START) else i for i in ids]
    )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def export_csv(connection: Connection, plan: RowPlan) -> Iterator[bytes]:
    """The rows of ``plan`` as CSV lines (no header), in blocks of bytes."""
    if connection.dialect.name == "postgresql":
        if plan.default_order:
            return _postgres_ranges(connection, plan, CHUNK_ROWS)
        return _postgres(connection, plan)
    return _sqlite(connection, plan, CHUNK_ROWS)


def _text(value: Any) -> ColumnElement[str]:
    return literal(value, String())


# -- PostgreSQL ------------------------------------------------------------------------------


def _pg_settings(connection: Connection) -> None:
    """How this transaction prints values: floats with the shortest digits that read back the
    same (as Python's repr), dates and timestamps in ISO 8601."""
    connection.exec_driver_sql("SET LOCAL extra_float_digits = 1")
    connection.exec_driver_sql("SET LOCAL DateStyle = 'ISO, YMD'")


def _pg_cell(f: Field, column: Any, masked: bool) -> ColumnElement[Any]:
    """A cell as text (NULL stays NULL; COPY writes it as an empty field)."""
    if masked:
        return sql_case((column.is_(None), None), else_=_text(MASK))
    kind = f.type
    if kind is FieldType.TEXT:
        text = type_coerce(column, String())
        if f.csv_plain:
            return text
        risky = func.ascii(text).in_(_FORMULA_CODES)
        return sql_case((risky, _text("'") + text), else_=text)
    if kind is FieldType.BOOLEAN:
        return sql_case((column.is_(None), None), (column, _text("true")), else_=_text("false"))
    # Dates and timestamps print in ISO (the session's DateStyle, see _pg_settings): cheaper
    # than to_char, which parses its pattern for every cell.
    if kind is FieldType.DATE:
        return cast(column, Text())
    if kind is FieldType.DATETIME:
        # "2024-01-02 03:04:05.5" -> Python's isoformat "2024-01-02T03:04:05.500000".
        iso = func.replace(cast(column, Text()), _text(" "), _text("T"))
        return sql_case((func.length(iso) > 19, func.rpad(iso, 26, _text("0"))), else_=iso)
    text_of = cast(column, Text())  # bigint, or float8 in the session's float format
    if kind is FieldType.DECIMAL:
        # Shortest round-trip digits (extra_float_digits = 1) like Python's repr, which also
        # writes a whole number as "5.0" where PostgreSQL writes "5".
        whole = (column == func.trunc(column)) & (func.abs(column) < 1e15)
        return sql_case((whole, text_of + _text(".0")), else_=text_of)
    return text_of


def _pg_quoted(f: Field, cell: ColumnElement[Any]) -> ColumnElement[Any]:
    """A text cell quoted as Python's csv module quotes it (COPY does this itself)."""
    if f.csv_plain:
        return cell
    quoted = _text('"') + func.replace(cell, _text('"'), _text('""')) + _text('"')
    return sql_case((_pg_special(cell), quoted), else_=cell)


def _pg_special(text: Any) -> ColumnElement[bool]:
    # The characters that make Python's csv module quote a cell.
    special: ColumnElement[bool] = (
        (func.strpos(text, _text('"')) > 0)
        | (func.strpos(text, _text(",")) > 0)
        | (func.strpos(text, func.chr(10)) > 0)
        | (func.strpos(text, func.chr(13)) > 0)
    )
    return special


def _postgres_line(plan: RowPlan) -> ColumnElement[str]:
    """A whole CSV line (no terminator) per row, for ``string_agg``."""
    cells: list[ColumnElement[Any]] = []
    for f in plan.fields:
        masked = f.id in plan.masked
        cell = _pg_cell(f, plan.table.c[f.column], masked)
        cells.append(_pg_quoted(f, cell) if f.type is FieldType.TEXT and not masked else cell)
    if len(cells) == 1:
        # Python's csv module writes a row of one empty cell as "" (an empty line is no row).
        return func.coalesce(cells[0], _text('""'))
    parts: list[Any] = []
    for cell in cells:
        parts += [cell, _text(",")]
    return func.concat(*parts[:-1])  # concat, unlike ||, reads NULL as empty


def _copy_statement(connection: Connection, statement: Any, options: str) -> Any:
    """``COPY (statement) TO STDOUT WITH (options)``, its values rendered as literals.

    COPY cannot take parameters, so psycopg binds them client-side: the same quoting its
    ClientCursor uses for every query, never string formatting.
    """
    import psycopg
    from psycopg import sql

    compiled = statement.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    raw: Any = connection.connection.driver_connection
    rendered = psycopg.ClientCursor(raw).mogrify(str(compiled), compiled.params)
    return sql.SQL("COPY ({}) TO STDOUT WITH ({})").format(sql.SQL(rendered), sql.SQL(options))


# One column, never needing a delimiter; every value quoted with a byte no CSV line holds
# unescaped, so a value is \x01 ... \x01 with any \x01 inside doubled.
_BLOCK_OPTIONS = "FORMAT csv, DELIMITER E'\\x02', QUOTE E'\\x01', FORCE_QUOTE *"


def _postgres_ranges(connection: Connection, plan: RowPlan, chunk_rows: int) -> Iterator[bytes]:
    """In row-id order: one value per range of ids, each range's lines joined by the server
    (``string_agg`` over an index range scan), all ranges in one streamed COPY, so the
    server computes the next ranges while Python sends the last one, and Python handles
    one value per range, not per row."""
    from sqlalchemy.dialects.postgresql import aggregate_order_by

    row_id = plan.table.c[ROW_ID]
    last = connection.execute(select(func.max(row_id))).scalar()
    if last is None:
        return
    start = (
        func.generate_series(0, last - 1, chunk_rows).table_valued("low").render_derived("ranges")
    )
    block = (
        select(func.string_agg(_postgres_line(plan), aggregate_order_by(_text(CRLF), row_id)))
        .where(*plan.where, row_id > start.c.low, row_id <= start.c.low + chunk_rows)
        .scalar_subquery()
    )
    # No ORDER BY: generate_series yields in order, and a sort would wait for every block.
    statement = select(block).select_from(start)
    copy_sql = _copy_statement(connection, statement, _BLOCK_OPTIONS)
    _pg_settings(connection)
    raw: Any = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(copy_sql) as copy:
        for row in copy:
            if len(row) < 3:
                continue  # NULL: no row of this range matched
            data = bytes(row[1:-2])  # the quotes and the newline
            if b"\x01" in data:
                data = data.replace(b"\x01\x01", b"\x01")
            yield data + b"\r\n"


def _postgres(connection: Connection, plan: RowPlan) -> Iterator[bytes]:
    """Any order: COPY of the cells (rows come one at a time, so this path is the slower)."""
    cells = [_pg_cell(f, plan.table.c[f.column], f.id in plan.masked) for f in plan.fields]
    statement = select(*cells).where(*plan.where).order_by(*plan.order_by)
    copy_sql = _copy_statement(connection, statement, "FORMAT csv")
    raw: Any = connection.connection.driver_connection
    single = len(cells) == 1
    _pg_settings(connection)
    with raw.cursor() as cursor, cursor.copy(copy_sql) as copy:
        block: list[bytes] = []
        # libpq hands COPY data over one row at a time (PQgetCopyData), each ending in "\n";
        # Python's csv module ends rows with CRLF, and writes a lone empty cell as "".
        for row in copy:
            line = bytes(row[:-1])
            block.append(b'""' if single and not line else line)
            if len(block) == CHUNK_ROWS:
                block.append(b"")
                yield b"\r\n".join(block)
                block = []
        if block:
            block.append(b"")
            yield b"\r\n".join(block)


# -- SQLite ----------------------------------------------------------------------------------


# Python's csv module (QUOTE_MINIMAL) quotes a cell holding the delimiter, a quote or a line
# break: one GLOB finds any of them.
_NEEDS_QUOTES = '*[",\n\r]*'
MAX_PRINTF_ARGS = 100  # SQLite's default limit on function arguments is 127


def _sqlite_float(column: Any) -> ColumnElement[str]:
    """Python's repr of a REAL: the shortest of 15, 16 or 17 digits that reads back the same.

    ``CAST(x AS TEXT)`` is ``%!.15g``: it writes 5.0 as "5.0" (as repr does) and 1e16 as
    "1.0e+16" (repr: "1e+16").
    """
    g15 = cast(column, Text())
    g16, g17 = (func.printf(_text(f"%!.{digits}g"), column) for digits in (16, 17))
    return sql_case(
        (cast(g15, Float()) == column, func.replace(g15, _text(".0e"), _text("e"))),
        (column.is_(None), None),
        (cast(g16, Float()) == column, func.replace(g16, _text(".0e"), _text("e"))),
        else_=func.replace(g17, _text(".0e"), _text("e")),
    )


def _plain_text(column: Any) -> ColumnElement[bool]:
    text = type_coerce(column, String())
    return ~text.op("GLOB", is_comparison=True)(_text(_NEEDS_QUOTES)) & ~func.unicode(text).in_(
        _FORMULA_CODES
    )


def _plain_decimal(column: Any) -> ColumnElement[bool]:
    # Where %!.15g and repr agree: 15 digits read back the same, and both write fixed-point.
    size = func.abs(column)
    plain: ColumnElement[bool] = (cast(cast(column, Text()), Float()) == column) & (
        (column == 0) | ((size >= 1e-4) & (size < 1e15))
    )
    return plain


def plain_columns(connection: Connection, table: Table, fields: list[Field]) -> list[Field]:
    """``fields`` with ``csv_plain`` set where every value of the loaded table allows it.

    One aggregate pass over the new table at ingest saves the per-cell checks of every later
    export (on PostgreSQL only text: its decimals always need their CASE).
    """
    postgres = connection.dialect.name == "postgresql"
    checks: dict[str, Any] = {}
    for f in fields:
        column = table.c[f.column]
        if f.type is FieldType.TEXT:
            if postgres:
                text = type_coerce(column, String())
                checks[f.column] = ~_pg_special(text) & ~func.ascii(text).in_(_FORMULA_CODES)
            else:
                checks[f.column] = _plain_text(column)
        elif f.type is FieldType.DECIMAL and not postgres:
            checks[f.column] = _plain_decimal(column)
    if not checks:
        return fields
    # min() of a condition is 0 once one value fails it; NULLs are skipped (all-NULL: NULL).
    row = connection.execute(
        select(
            *(
                func.min(sql_case((table.c[c].is_(None), None), (check, 1), else_=0)).label(c)
                for c, check in checks.items()
            )
        )
    ).one()
    plain = {c for c, ok in zip(checks, row, strict=True) if ok != 0}
    return [replace(f, csv_plain=True) if f.column in plain else f for f in fields]


def _sqlite_cell(f: Field, column: Any, masked: bool) -> ColumnElement[str]:
    """A cell as the text of a CSV field: formatted, formula-escaped and quoted; NULL for none."""
    if masked:
        return sql_case((column.is_(None), None), else_=_text(MASK))
    kind = f.type
    if f.csv_plain and kind in (FieldType.TEXT, FieldType.DECIMAL):
        return type_coerce(column, String())  # printf's %s writes a REAL as %!.15g
    if kind is FieldType.TEXT:
        text = type_coerce(column, String())
        risky = func.unicode(text).in_(_FORMULA_CODES)
        safe = sql_case((risky, _text("'") + text), else_=text)
        quoted = _text('"') + func.replace(safe, _text('"'), _text('""')) + _text('"')
        return sql_case(
            (text.op("GLOB", is_comparison=True)(_text(_NEEDS_QUOTES)), quoted),
            (risky, _text("'") + text),
            else_=text,
        )
    if kind is FieldType.BOOLEAN:
        # Stored as 0/1 (see ingest._sqlite_value).
        number = type_coerce(column, Integer())
        return sql_case((number == 1, _text("true")), (number == 0, _text("false")), else_=None)
    if kind is FieldType.DATETIME:
        # Stored as "YYYY-MM-DD HH:MM:SS.ffffff"; isoformat drops zero microseconds.
        text = type_coerce(column, String())
        day_time = func.substr(text, 1, 10) + _text("T") + func.substr(text, 12, 8)
        fraction = func.substr(text, 21)
        return sql_case(
            (fraction.in_([_text(""), _text("000000")]), day_time),
            else_=day_time + _text(".") + fraction,
        )
    if kind is FieldType.DECIMAL:
        return _sqlite_float(column)
    return type_coerce(column, String())  # integers, and dates stored as ISO text


def _sqlite_line(cells: list[ColumnElement[str]]) -> ColumnElement[str]:
    """The cells joined by commas; printf writes a NULL as an empty field."""
    if len(cells) == 1:
        # Python's csv module writes a row of one empty cell as "" (an empty line is no row).
        return sql_case((cells[0].is_(None), _text('""')), else_=func.printf(_text("%s"), cells[0]))
    if len(cells) < MAX_PRINTF_ARGS:
        return func.printf(_text(",".join(["%s"] * len(cells))), *cells)
    line: ColumnElement[str] = func.ifnull(cells[0], _text(""))
    for cell in cells[1:]:
        line = line + _text(",") + func.ifnull(cell, _text(""))
    return line


def _sqlite(connection: Connection, plan: RowPlan, chunk_rows: int) -> Iterator[bytes]:
    cells = [_sqlite_cell(f, plan.table.c[f.column], f.id in plan.masked) for f in plan.fields]
    line = _sqlite_line(cells)
    if not plan.default_order:
        result = connection.execute(
            select(line).where(*plan.where).order_by(*plan.order_by),
            execution_options={"stream_results": True},
        )
        while rows := result.fetchmany(chunk_rows):
            yield (CRLF.join(r[0] for r in rows) + CRLF).encode("utf-8")
        return
    yield from _by_id_ranges(connection, plan, line, chunk_rows)


def _by_id_ranges(
    connection: Connection, plan: RowPlan, line: ColumnElement[str], chunk_rows: int
) -> Iterator[bytes]:
    """SQLite, in row-id order: one range of ids at a time, its lines joined by the database
    (a rowid range scan), so Python handles one string per range. The ranges run in the
    caller's one transaction: one snapshot."""
    row_id = plan.table.c[ROW_ID]
    last = connection.execute(select(func.max(row_id))).scalar()
    if last is None:
        return
    low = 0
    while low < last:
        high = low + chunk_rows
        part = (
            select(line.label("line"))
            .where(*plan.where, row_id > low, row_id <= high)
            .order_by(row_id)
            .subquery()
        )
        block = connection.execute(select(func.group_concat(part.c.line, _text(CRLF)))).scalar()
        if block:
            yield (block + CRLF).encode("utf-8")
        low = high
