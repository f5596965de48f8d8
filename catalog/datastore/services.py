"""The datastore's business rules: loading a resource's rows, its schema, and querying them."""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy.orm import Session

from catalog.datastore.access import AccessDecision
from catalog.datastore.export import csv_header, export_csv, plain_columns
from catalog.datastore.fetch import link_filename
from catalog.datastore.fields import Field, FieldType, Sensitivity
from catalog.datastore.ingest import (
    build_fields,
    create_and_load,
    create_indexes,
    index_columns,
    scan,
)
from catalog.datastore.models import BadRowPolicy, DatastoreTable, IngestState
from catalog.datastore.query import BuiltQuery, QueryBuilder, RecordQuery, count_of
from catalog.datastore.sources import Format, IngestRefused, RowSource, source_format
from catalog.datastore.tables import data_table, table_name
from catalog.filestore import FileStore, StoredBlob
from catalog.models import Dataset, OpenLevel, Resource
from catalog.reads import DatasetRead, TableRead
from catalog.services import DATASTORE_INGEST_TOPIC
from core import outbox
from core.clock import utcnow
from core.errors import NotFound, PermissionDenied, ShuduError, ValidationFailed
from core.identity.principal import Principal

INGEST_TOPIC = DATASTORE_INGEST_TOPIC
INDEX_TOPIC = "datastore.index"

# Which numeric fields a chart may add up, and which are no measure at all (see ``chart``).
ADDITIVE = re.compile(
    r"(cases|visitors|vehicles|beds|spaces|employees|employers|members|requests|positions"
    r"|stalls|rooms|units|stops|classes|chargers|teams|firms|items|amount|total|count|number"
    r"|volume|passengers|flow|sales|客流|人次|数量|次数|金额|总|人数|件数)",
    re.IGNORECASE,
)
INTENSIVE = re.compile(  # concentrations, rates, averages, prices: averaged even if "total_…"
    r"(mg_l|ug_m3|pct|percent|rate|ratio|share|avg|mean|index|temp|_c$|speed|kmh|price|fare|fee"
    r"|score|rating|level|humidity|浓度|率|指数|均|价|温度|气温)",
    re.IGNORECASE,
)
NOT_A_MEASURE = re.compile(
    r"(^|_)(id|code|no|lng|lat|lon|longitude|latitude|altitude|year|month|day|hour|week)(_|$)"
    r"|经度|纬度|编码|代码|年份",
    re.IGNORECASE,
)
CATEGORY_HINT = re.compile(
    r"district|category|type|kind|level|status|class|grade|industry|区|类|级|状态", re.IGNORECASE
)
ISO_TIME_WITH_OFFSET = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})", re.ASCII
)
LONGITUDE = re.compile(r"^(lng|lon|long|longitude|x_wgs84|经度)$", re.IGNORECASE)
LATITUDE = re.compile(r"^(lat|latitude|y_wgs84|纬度)$", re.IGNORECASE)
MAP_LIMIT = 1000
EXPORT_BATCH = 5000


def tabular_format(resource: Resource) -> Format | None:
    if resource.is_upload:
        return source_format(resource.filename, resource.media_type, resource.format)
    return source_format(link_filename(resource.url), resource.media_type, resource.format)


def decision_for(principal: Principal, dataset: Dataset | DatasetRead) -> AccessDecision:
    """Without a licence: open data for everyone, the rest for its publisher and overseers.

    The exchange will hand in decisions for licensed callers of conditional data.
    """
    if principal.sees_everything or dataset.organization_id in principal.publisher_org_ids:
        return AccessDecision.full()
    if dataset.open_level is OpenLevel.OPEN:
        return AccessDecision.full()
    raise PermissionDenied(
        "The records of conditional data are available under a licence through the exchange",
        {"open_level": [dataset.open_level.value]},
    )


class DatastoreService:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._fields: tuple[list[Any], list[Field]] | None = None

    # -- loading ----------------------------------------------------------------------------

    def table_of(self, resource_id: uuid.UUID) -> DatastoreTable | None:
        return self.session.get(DatastoreTable, resource_id)

    def ingest(
        self,
        resource: Resource,
        path: Path,
        *,
        policy: BadRowPolicy | None = None,
        sheet: str | None = None,
        fetched: StoredBlob | None = None,
    ) -> DatastoreTable:
        """Load the file into a new table and swap it in; a refusal is recorded and raised.

        ``fetched``: the file a link resource's url gave (see ``fetch``), recorded in the report.

        The load runs in a savepoint: a refused file leaves the previous table (if any)
        serving and records why it was refused.
        """
        fmt = tabular_format(resource)
        if fmt is None:
            raise ValidationFailed(
                "Only CSV, XLSX, JSON and NDJSON uploads can be loaded",
                {"format": [resource.format or "unknown"]},
            )
        meta = self.table_of(resource.id)
        if meta is None:
            meta = DatastoreTable(
                resource_id=resource.id,
                state=IngestState.FAILED,
                policy=policy or BadRowPolicy.SKIP,
                fields=[],
                report={},
                findings=[],
            )
            self.session.add(meta)
            self.session.flush()
        if policy is not None:
            meta.policy = policy
        previous = [Field.from_json(f) for f in meta.fields]
        try:
            with self.session.begin_nested():
                source = RowSource(path, fmt, sheet=sheet)
                self._load(meta, resource, source, previous, fetched)
        except ShuduError as exc:
            meta.state = IngestState.FAILED
            meta.error = exc.message
            if isinstance(exc.details, dict) and "bad_rows" in exc.details:
                meta.report = dict(exc.details)
            self.session.flush()
            raise
        return meta

    def _load(
        self,
        meta: DatastoreTable,
        resource: Resource,
        source: RowSource,
        previous: list[Field],
        fetched: StoredBlob | None = None,
    ) -> None:
        found = scan(source)
        report: dict[str, Any] = {
            "sha256": fetched.sha256 if fetched is not None else resource.sha256,
            "format": source.format,
            "rows_read": found.rows + found.bad_row_count,
            "bad_row_count": found.bad_row_count,
            "bad_rows": found.bad_rows,
        }
        if fetched is not None:
            report["fetched"] = {
                "url": resource.url,
                "size": fetched.size,
                "at": utcnow().isoformat(),
            }
        if source.dialect is not None:
            report["encoding"] = source.dialect.encoding
            report["delimiter"] = source.dialect.delimiter
        if found.bad_row_count and meta.policy is BadRowPolicy.REJECT:
            raise IngestRefused(
                f"{found.bad_row_count} bad row(s), the first on line "
                f"{found.bad_rows[0]['line']}; nothing was loaded "
                "(set the policy to skip to load the good rows)",
                report,
            )
        fields = build_fields(found, previous)
        generation = meta.generation + 1
        name = table_name(resource.id, generation)
        connection = self.session.connection()
        loaded = create_and_load(connection, name, source, fields)
        fields = plain_columns(connection, data_table(name, fields), fields)
        old = meta.table_name
        meta.table_name = name
        meta.generation = generation
        meta.fields = [f.stored() for f in fields]
        meta.row_count = loaded
        meta.report = {**report, "rows_loaded": loaded}
        dismissed = {
            (f["field"], f["kind"]): f["dismissed"] for f in meta.findings if "dismissed" in f
        }
        meta.findings = [
            {**f, "dismissed": dismissed[(f["field"], f["kind"])]}
            if (f["field"], f["kind"]) in dismissed
            else f
            for f in found.findings
        ]
        meta.state = IngestState.LOADED
        meta.error = None
        # Indexes come after the swap, in a transaction of their own (``build_indexes`` from
        # the outbox): the table is queryable as soon as it is loaded.
        outbox.emit(
            self.session,
            INDEX_TOPIC,
            str(resource.id),
            {"table": name, "columns": index_columns(found, fields)},
        )
        self.session.flush()
        if old is not None:
            data_table(old, []).drop(connection, checkfirst=True)

    def record_refusal(self, resource: Resource, exc: ShuduError) -> None:
        """Remember why a load failed (for the resource's page and JSON)."""
        meta = self.table_of(resource.id)
        if meta is None:
            meta = DatastoreTable(
                resource_id=resource.id,
                state=IngestState.FAILED,
                fields=[],
                report={},
                findings=[],
                policy=BadRowPolicy.SKIP,
            )
            self.session.add(meta)
        meta.state = IngestState.FAILED
        meta.error = exc.message
        self.session.flush()

    def drop(self, resource_id: uuid.UUID) -> None:
        meta = self.table_of(resource_id)
        if meta is None:
            return
        if meta.table_name is not None:
            data_table(meta.table_name, []).drop(self.session.connection(), checkfirst=True)
        self.session.delete(meta)
        self.session.flush()

    def ingest_stored(self, resource: Resource, files: FileStore) -> DatastoreTable | None:
        """Load an uploaded resource from the file store; None when it is not tabular."""
        if tabular_format(resource) is None or resource.sha256 is None:
            return None
        done = self.table_of(resource.id)
        if done is not None and done.report.get("sha256") == resource.sha256:
            return done  # this file was loaded already (replayed event, or the demo loader)
        try:
            return self.ingest(resource, files.existing_path(resource.sha256))
        except ShuduError:
            return self.table_of(resource.id)

    def ingest_link(
        self,
        resource: Resource,
        files: FileStore,
        fetched: StoredBlob | IngestRefused,
        *,
        policy: BadRowPolicy | None = None,
        sheet: str | None = None,
    ) -> DatastoreTable:
        """Load what a link's url gave (fetched outside any transaction), or record why it
        could not be fetched; raises the refusal either way."""
        if isinstance(fetched, IngestRefused):
            self.record_refusal(resource, fetched)
            raise fetched
        path = files.existing_path(fetched.sha256)
        return self.ingest(resource, path, policy=policy, sheet=sheet, fetched=fetched)

    def build_indexes(self, resource_id: uuid.UUID, table: str, columns: list[str]) -> bool:
        """Index the columns of a loaded table, unless a reload replaced it meanwhile."""
        meta = self.table_of(resource_id)
        if meta is None or meta.table_name != table:
            return False
        fields = [Field.from_json(f) for f in meta.fields]
        create_indexes(self.session.connection(), table, fields, columns)
        return True

    # -- schema -----------------------------------------------------------------------------

    def loaded(self, resource_id: uuid.UUID) -> tuple[DatastoreTable, list[Field]]:
        meta = self.table_of(resource_id)
        if meta is None or meta.table_name is None:
            raise NotFound("This resource has no queryable data (it is not a loaded table)")
        # The fields are parsed once per stored list (a query asks for them more than once).
        if self._fields is None or self._fields[0] is not meta.fields:
            self._fields = (meta.fields, [Field.from_json(f) for f in meta.fields])
        return meta, list(self._fields[1])

    def set_sensitivity(self, resource_id: uuid.UUID, changes: dict[str, Sensitivity]) -> None:
        meta, fields = self.loaded(resource_id)
        known = {f.id for f in fields}
        unknown = [name for name in changes if name not in known]
        if unknown:
            raise ValidationFailed(
                f"Unknown field(s): {', '.join(unknown)}",
                {"fields": [f"no field named {n!r}" for n in unknown]},
            )
        meta.fields = [
            {**f.stored(), "sensitivity": changes.get(f.id, f.sensitivity).value} for f in fields
        ]
        self.session.flush()

    def dismiss_finding(
        self, resource_id: uuid.UUID, field_id: str, kind: str, reason: str, principal: Principal
    ) -> DatastoreTable:
        """Record that a detector's hit is a reviewed false positive, so it no longer blocks
        publication. Who, when and why stay on the finding (and survive a reload of the same
        column, as sensitivities do)."""
        meta = self.table_of(resource_id)
        if meta is None:
            raise NotFound("This resource has no loaded table")
        if not reason.strip():
            raise ValidationFailed("Say why this is not personal data", {"reason": ["required"]})
        findings = [dict(f) for f in meta.findings]
        hit = next((f for f in findings if f["field"] == field_id and f["kind"] == kind), None)
        if hit is None:
            raise ValidationFailed(
                f"No {kind!r} finding on field {field_id!r}",
                {"field": [f"findings: {[(f['field'], f['kind']) for f in findings]}"]},
            )
        hit["dismissed"] = {
            "by": principal.email or str(principal.user_id),
            "at": utcnow().isoformat(),
            "reason": reason.strip(),
        }
        meta.findings = findings  # a new list: the JSON column sees the change
        self.session.flush()
        return meta

    # -- queries ----------------------------------------------------------------------------

    def build(
        self,
        resource_id: uuid.UUID,
        query: RecordQuery,
        decision: AccessDecision,
        after_id: int | None = None,
        *,
        raw_values: bool = False,
    ) -> BuiltQuery:
        meta, fields = self.loaded(resource_id)
        assert meta.table_name is not None
        table = data_table(meta.table_name, fields)
        builder = QueryBuilder(table, fields, decision, raw_values=raw_values)
        return builder.build(query, after_id)

    def records(
        self,
        resource_id: uuid.UUID,
        query: RecordQuery,
        decision: AccessDecision,
        after_id: int | None = None,
    ) -> dict[str, Any]:
        built = self.build(resource_id, query, decision, after_id)
        rows = self.session.execute(built.select).all()
        records = [{f.id: row[i] for i, f in enumerate(built.fields)} for row in rows]
        total = self.session.scalar(count_of(built.unpaged)) if query.total else None
        next_key: dict[str, int] | None = None
        if len(rows) == query.limit:
            if built.keyset:
                next_key = {"after": int(rows[-1][len(built.fields)])}
            else:
                next_key = {"offset": query.offset + query.limit}
        return {
            "fields": [f.as_json() for f in built.fields],
            "records": records,
            "total": total,
            "next_key": next_key,
        }

    def stream(self, built: BuiltQuery, fmt: str, *, in_database: bool = True) -> Iterator[bytes]:
        """The whole result, encoded, a batch at a time (a server-side cursor on PostgreSQL).

        A CSV export of rows is written by the database itself (``export``); aggregates,
        distinct rows and ``in_database=False`` go row by row through Python's csv module.
        """
        if fmt == "csv" and in_database and built.plan is not None:
            yield csv_header([f.id for f in built.fields])
            yield from export_csv(self.session.connection(), built.plan)
            return
        result = self.session.execute(
            built.unpaged, execution_options={"yield_per": EXPORT_BATCH, "stream_results": True}
        )
        ids = [f.id for f in built.fields]
        if fmt == "csv":
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\r\n")
            writer.writerow([csv_safe(i) for i in ids])
            yield ("\ufeff" + out.getvalue()).encode("utf-8")
            # Only the columns that need it are touched.
            cell = CSV_CELL_RAW if built.raw_values else CSV_CELL
            converters = [(i, cell[f.type]) for i, f in enumerate(built.fields) if f.type in cell]
            for batch in result.partitions():
                out.seek(0)
                out.truncate()
                if converters:
                    rows = []
                    for row in batch:
                        cells = list(row)
                        for i, convert in converters:
                            value = cells[i]
                            if value is not None:
                                cells[i] = convert(value)
                        rows.append(cells)
                    writer.writerows(rows)
                else:
                    writer.writerows(batch)
                yield out.getvalue().encode("utf-8")
            return
        if fmt == "ndjson":
            for batch in result.partitions():
                yield b"".join(
                    orjson.dumps(dict(zip(ids, row, strict=True))) + b"\n" for row in batch
                )
            return
        # json: {"fields": [...], "records": [ ... ]}, written as it goes
        head = {"fields": [f.as_json() for f in built.fields]}
        yield orjson.dumps(head)[:-1] + b',"records":['
        first = True
        for batch in result.partitions():
            parts = [orjson.dumps(dict(zip(ids, row, strict=True))) for row in batch]
            chunk = b",".join(parts)
            yield chunk if first else b"," + chunk
            first = False
        yield b"]}"

    def preview(
        self, resource_id: uuid.UUID, decision: AccessDecision, limit: int = 100
    ) -> dict[str, Any]:
        return self.records(resource_id, RecordQuery(limit=limit), decision)

    def chart(self, resource_id: uuid.UUID, decision: AccessDecision) -> dict[str, Any] | None:
        """A chart that means something: a measure over a date field, or rows per category.

        Over a date field (the latest 60 dates, in order), a measure is averaged per date: a
        concentration, a rate, a price or a temperature must never be summed across stations.
        Only a field that looks like a count or an amount (``ADDITIVE``, not ``INTENSIVE``) is
        summed. Without a date field, the rows are counted per value of a category-like text
        field (largest first). Coordinates, codes and years are never charted as measures.
        None when the table has no such pair the caller may read.
        """
        _, fields = self.loaded(resource_id)
        usable = [
            f
            for f in fields
            if f.id not in decision.masked and (decision.fields is None or f.id in decision.fields)
        ]
        numbers = [
            f
            for f in usable
            if f.type in (FieldType.INTEGER, FieldType.DECIMAL) and not NOT_A_MEASURE.search(f.id)
        ]
        dates = [f for f in usable if f.type in (FieldType.DATE, FieldType.DATETIME)]
        if not dates and numbers:
            dates = self._text_times(resource_id, decision, usable)
        if dates and numbers:
            value, over = numbers[-1], dates[0]  # the first number is often an id or a code
            additive = ADDITIVE.search(value.id) and not INTENSIVE.search(value.id)
            measure = "sum" if additive else "avg"
            label = f"{measure}({value.id})"
            query = RecordQuery(
                group_by=[over.id],
                aggregates=[f"{measure}:{value.id}"],
                sort=[f"-{over.id}"],
                limit=60,
                total=False,
            )
            records = self.records(resource_id, query, decision)["records"][::-1]
            points = [(str(r[over.id]), r[label]) for r in records if r[over.id] is not None]
            kind, field = "date", value.id
        else:
            category = self._category(resource_id, decision, usable)
            if category is None:
                return None
            over, points = category
            measure, label, kind, field = "count", "count", "category", None
        if not points:
            return None
        return {
            "x": over.id,
            "y": label,
            "kind": kind,
            "measure": measure,
            "field": field,
            "points": points,
        }

    def places(self, resource_id: uuid.UUID, decision: AccessDecision) -> dict[str, Any] | None:
        """Distinct points of a table with longitude and latitude fields, for a map.

        ``{"lng", "lat", "label", "points": [(lng, lat, label)], "truncated"}``; the label is
        the first text field that names the place (``name`` in its id), else none. None when
        the table has no coordinates the caller may read (masked fields are never mapped).
        """
        _, fields = self.loaded(resource_id)
        usable = [
            f
            for f in fields
            if f.id not in decision.masked and (decision.fields is None or f.id in decision.fields)
        ]
        numeric = [f for f in usable if f.type in (FieldType.DECIMAL, FieldType.INTEGER)]
        lng = next((f for f in numeric if LONGITUDE.match(f.id)), None)
        lat = next((f for f in numeric if LATITUDE.match(f.id)), None)
        if lng is None or lat is None:
            return None
        label = next(
            (f for f in usable if f.type is FieldType.TEXT and re.search("name|名称", f.id)), None
        )
        wanted = [lng.id, lat.id, *([label.id] if label else [])]
        query = RecordQuery(fields=wanted, distinct=True, limit=MAP_LIMIT + 1, total=False)
        records = self.records(resource_id, query, decision)["records"]
        points = [
            (float(r[lng.id]), float(r[lat.id]), None if label is None else r[label.id])
            for r in records[:MAP_LIMIT]
            if r[lng.id] is not None
            and r[lat.id] is not None
            and -180 <= float(r[lng.id]) <= 180
            and -90 <= float(r[lat.id]) <= 90
        ]
        if not points:
            return None
        return {
            "lng": lng.id,
            "lat": lat.id,
            "label": None if label is None else label.id,
            "points": points,
            "truncated": len(records) > MAP_LIMIT,
        }

    def _text_times(
        self, resource_id: uuid.UUID, decision: AccessDecision, usable: list[Field]
    ) -> list[Field]:
        """Text fields that hold ISO 8601 times with a UTC offset (``2025-10-31T08:00:00+08:00``),
        which the type guess keeps as text. Written with one offset, they sort as times do, so a
        chart may group and order by them; they are never a category to count."""
        texts = [f for f in usable if f.type is FieldType.TEXT]
        if not texts:
            return []
        query = RecordQuery(fields=[f.id for f in texts], limit=20, total=False)
        rows = self.records(resource_id, query, decision)["records"]
        return [
            f
            for f in texts
            if rows and all(ISO_TIME_WITH_OFFSET.fullmatch(str(r[f.id] or "")) for r in rows)
        ]

    def _category(
        self, resource_id: uuid.UUID, decision: AccessDecision, usable: list[Field]
    ) -> tuple[Field, list[tuple[str, float | int | None]]] | None:
        """The first text field with 2 to 12 values, counted per value: a name or an address
        (one row each) makes no chart."""
        texts = [f for f in usable if f.type is FieldType.TEXT]
        texts.sort(key=lambda f: not CATEGORY_HINT.search(f.id))
        for field in texts[:4]:
            query = RecordQuery(
                group_by=[field.id], aggregates=["count"], sort=["-count"], limit=13, total=False
            )
            records = self.records(resource_id, query, decision)["records"]
            points = [(str(r[field.id]), r["count"]) for r in records if r[field.id] is not None]
            if 2 <= len(points) <= 12 and max(int(count or 0) for _, count in points) >= 2:
                return field, points
        return None


def status_json(meta: DatastoreTable | TableRead | None) -> dict[str, Any]:
    """``{"datastore", "schema"}`` for a resource's JSON: load state, report, fields."""
    if meta is None:
        return {"datastore": None, "schema": None}
    return {
        "datastore": {
            "state": meta.state.value,
            "rows": meta.row_count,
            "policy": meta.policy.value,
            "error": meta.error,
            "report": meta.report,
            "findings": meta.findings,
        },
        "schema": {
            "fields": [
                {"id": f["id"], "type": f["type"], "sensitivity": f["sensitivity"]}
                for f in meta.fields
            ]
        }
        if meta.table_name is not None
        else None,
    }


def _csv_datetime(value: Any) -> str:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.isoformat()


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> Any:
    """A cell as CSV text; one a spreadsheet would run as a formula is prefixed with '."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        if value.startswith(_FORMULA_START):
            return "'" + value
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


# Text and boolean cells come out of the database ready (QueryBuilder with raw_values); dates
# print as ISO by themselves; datetimes come back in the driver's own shape.
CSV_CELL_RAW = {FieldType.DATETIME: _csv_datetime}
CSV_CELL = {
    FieldType.TEXT: csv_safe,
    FieldType.BOOLEAN: csv_safe,
    FieldType.DATETIME: _csv_datetime,
}
