"""Row sources: CSV in any Chinese encoding, XLSX and JSON, read as a stream of text rows.

Every source yields ``(line, cells)`` after its header, where ``line`` is the 1-based line
(CSV, NDJSON), row (XLSX) or record number (JSON array) a person would look for, and cells are
stripped text or None. Nothing reads a whole file: CSV and JSON go through a bounded line
reader, XLSX through openpyxl's read-only mode. A source can be opened again (ingest reads
twice: once to infer types and find bad rows, once to load).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any, Literal

from core.errors import ValidationFailed

SAMPLE_BYTES = 64 * 1024
READ_CHARS = 64 * 1024
MAX_LINE_CHARS = 4 * 1024 * 1024  # a longer "line" is junk, not data
MAX_COLUMNS = 500
DELIMITERS = (",", "\t", ";", "|")

Format = Literal["csv", "xlsx", "json", "ndjson"]

# The most frequent Chinese characters (simplified and traditional alike in most cases): text
# decoded with the right codec is full of them, text decoded with the wrong one is not.
_COMMON_HANZI = frozenset(
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下"
    "过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两"
    "体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线"
    "内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并"
    "提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见"
    "计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七"
    "海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场"
    "身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广"
    "石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办"
    "青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江"
    "型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严龙飞區國們這來"
    "會時說對發動過產種學與進關數機點實體現當電話號碼資料車輛線路站名稱區域類別價格單位時間號"
)


class IngestRefused(ValidationFailed):
    """The file cannot be loaded at all (not text, no header, too wide...)."""


@dataclass(frozen=True, slots=True)
class CsvDialect:
    encoding: str
    delimiter: str


def detect_encoding(sample: bytes) -> str:
    """UTF-8 (with or without BOM), GB18030 (a superset of GBK) or Big5, from a sample."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise IngestRefused(
            "UTF-16 files are not supported; save the file as UTF-8",
            {"file": ["UTF-16 byte order mark"]},
        )
    if b"\x00" in sample:
        raise IngestRefused(
            "This is a binary file, not text; upload CSV, XLSX or JSON",
            {"file": ["contains NUL bytes"]},
        )
    # The sample may end in the middle of a character; a strict decode of all but its last
    # few bytes tells whether a codec fits.
    candidates = []
    for encoding in ("utf-8", "gb18030", "big5"):
        for cut in range(4):
            try:
                text = sample[: len(sample) - cut].decode(encoding)
            except UnicodeDecodeError:
                continue
            if encoding == "utf-8":
                return "utf-8"
            candidates.append((sum(ch in _COMMON_HANZI for ch in text), encoding))
            break
    if not candidates:
        raise IngestRefused(
            "The file is not text in UTF-8, GBK/GB18030 or Big5",
            {"file": ["undecodable bytes near the start"]},
        )
    # Ties (no common characters either way) go to GB18030, the mainland standard.
    candidates.sort(key=lambda c: (-c[0], c[1] != "gb18030"))
    return candidates[0][1]


def bounded_lines(stream: IO[str]) -> Iterator[str]:
    """Lines with their endings, never holding more than ``MAX_LINE_CHARS`` of one line."""
    pending = ""
    number = 0
    while True:
        chunk = stream.read(READ_CHARS)
        if not chunk:
            break
        pending += chunk
        start = 0
        while True:
            end = pending.find("\n", start)
            if end < 0:
                break
            number += 1
            yield pending[start : end + 1]
            start = end + 1
        pending = pending[start:]
        if len(pending) > MAX_LINE_CHARS:
            raise IngestRefused(
                f"Line {number + 1} is longer than {MAX_LINE_CHARS} characters; "
                "is this really a CSV file?",
                {"line": [str(number + 1)]},
            )
    if pending:
        yield pending


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the same, largest number of columns."""
    lines = [line for line in text.splitlines()[:20] if line.strip()]
    if len(lines) > 1 and not text.endswith("\n"):
        lines = lines[:-1]  # the sample may cut the last line short
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        try:
            widths = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        except csv.Error:
            continue
        if not widths or widths[0] < 2:
            continue
        consistent = sum(w == widths[0] for w in widths)
        score = (consistent, widths[0])
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _decode_error(exc: UnicodeDecodeError, encoding: str) -> IngestRefused:
    return IngestRefused(
        f"The file is not valid {encoding} text throughout (a bad byte after the sample); "
        "save it again in one encoding",
        {"file": [str(exc)]},
    )


class RowSource:
    """A file read as a header and ``(line, cells)`` rows; ``open`` may be called again."""

    def __init__(self, path: Path, fmt: Format, *, sheet: str | None = None) -> None:
        self.path = path
        self.format = fmt
        self.sheet = sheet
        self.dialect: CsvDialect | None = None
        if fmt == "csv":
            with path.open("rb") as f:
                sample = f.read(SAMPLE_BYTES)
            if not sample.strip():
                raise IngestRefused("The file is empty", {"file": ["no header row"]})
            encoding = detect_encoding(sample)
            text = sample.decode(encoding, errors="ignore")
            self.dialect = CsvDialect(encoding, sniff_delimiter(text))

    def open(self) -> tuple[list[str], Iterator[tuple[int, list[str | None]]]]:
        if self.format == "csv":
            return self._csv()
        if self.format == "xlsx":
            return self._xlsx()
        return self._json()

    # -- CSV ---------------------------------------------------------------------------------

    def _csv(self) -> tuple[list[str], Iterator[tuple[int, list[str | None]]]]:
        assert self.dialect is not None
        dialect = self.dialect
        raw = self.path.open("rb")
        stream = io.TextIOWrapper(raw, encoding=dialect.encoding, errors="strict", newline="")
        lines = bounded_lines(stream)
        reader = csv.reader(lines, delimiter=dialect.delimiter, strict=False)
        csv.field_size_limit(MAX_LINE_CHARS)
        try:
            header = next(reader, None)
        except UnicodeDecodeError as exc:
            stream.close()
            raise _decode_error(exc, dialect.encoding) from exc
        except csv.Error as exc:
            stream.close()
            raise IngestRefused(f"The header row is malformed: {exc}") from exc
        if header is None or not any(h.strip() for h in header):
            stream.close()
            raise IngestRefused("The file is empty", {"file": ["no header row"]})

        def rows() -> Iterator[tuple[int, list[str | None]]]:
            with stream:
                try:
                    for cells in reader:
                        if not cells or (len(cells) == 1 and not cells[0].strip()):
                            continue  # blank lines are not rows
                        yield reader.line_num, [c.strip() or None for c in cells]
                except UnicodeDecodeError as exc:
                    raise _decode_error(exc, dialect.encoding) from exc
                except csv.Error as exc:
                    raise IngestRefused(
                        f"Line {reader.line_num} cannot be parsed: {exc}",
                        {"line": [str(reader.line_num)]},
                    ) from exc

        return header, rows()

    # -- XLSX --------------------------------------------------------------------------------

    def _xlsx(self) -> tuple[list[str], Iterator[tuple[int, list[str | None]]]]:
        import zipfile

        from openpyxl import load_workbook

        try:
            book = load_workbook(self.path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise IngestRefused(
                "The file is not a readable XLSX workbook", {"file": [str(exc)[:200]]}
            ) from exc
        if self.sheet is not None and self.sheet not in book.sheetnames:
            book.close()
            raise IngestRefused(
                f"The workbook has no sheet named {self.sheet!r}",
                {"sheet": [f"one of {', '.join(book.sheetnames)}"]},
            )
        sheet = book[self.sheet] if self.sheet is not None else book.worksheets[0]
        values = sheet.iter_rows(values_only=True)
        header: list[str] | None = None
        number = 0
        for row in values:
            number += 1
            cells = [_cell_text(v) for v in row]
            if any(cells):
                header = [c or "" for c in cells]
                break
        if header is None:
            book.close()
            raise IngestRefused("The sheet is empty", {"file": ["no header row"]})
        while header and not header[-1]:
            header.pop()
        width = len(header)

        def rows() -> Iterator[tuple[int, list[str | None]]]:
            line = number
            try:
                for row in values:
                    line += 1
                    cells = [_cell_text(v) for v in row]
                    while len(cells) > width and cells[-1] is None:
                        cells.pop()  # openpyxl pads rows to the sheet's widest row
                    if any(c is not None for c in cells):
                        yield line, cells
            finally:
                book.close()

        return header, rows()

    # -- JSON --------------------------------------------------------------------------------

    def _json(self) -> tuple[list[str], Iterator[tuple[int, list[str | None]]]]:
        raw = self.path.open("rb")
        stream = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="strict", newline="")
        records = _json_array(stream) if self.format == "json" else _ndjson(stream)
        try:
            first = next(records, None)
        except (UnicodeDecodeError, ValueError) as exc:
            stream.close()
            raise IngestRefused(f"The JSON is malformed: {exc}", {"file": [str(exc)]}) from exc
        if first is None:
            stream.close()
            raise IngestRefused("The file holds no records", {"file": ["no records"]})
        line, record = first
        if not isinstance(record, dict) or not record:
            stream.close()
            raise IngestRefused("Records must be JSON objects", {"line": [str(line)]})
        header = [str(k) for k in record]
        positions = {k: i for i, k in enumerate(header)}

        def cells_of(obj: Any) -> list[str | None]:
            if not isinstance(obj, dict):
                return [_cell_text(obj)]  # a width of 1: reported as a bad row
            cells: list[str | None] = [None] * len(header)
            for key, value in obj.items():
                at = positions.get(str(key))
                if at is None:
                    return [*cells, _cell_text(value)]  # an unknown key: a bad row
                cells[at] = _cell_text(value)
            return cells

        def rows() -> Iterator[tuple[int, list[str | None]]]:
            with stream:
                yield line, cells_of(record)
                try:
                    for at, obj in records:
                        yield at, cells_of(obj)
                except (UnicodeDecodeError, ValueError) as exc:
                    raise IngestRefused(
                        f"The JSON is malformed: {exc}", {"file": [str(exc)]}
                    ) from exc

        return header, rows()


def _cell_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if value.time() != time() else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value).strip() or None


_DECODER = json.JSONDecoder()


def _json_array(stream: IO[str]) -> Iterator[tuple[int, Any]]:
    """The elements of a top-level JSON array, one at a time, in bounded memory."""
    buffer = ""
    at = 0
    done = False

    def fill() -> bool:
        nonlocal buffer, at, done
        chunk = stream.read(READ_CHARS)
        if not chunk:
            done = True
            return False
        buffer = buffer[at:] + chunk
        at = 0
        return True

    def skip_space() -> None:
        nonlocal at
        while True:
            while at < len(buffer) and buffer[at] in " \t\r\n":
                at += 1
            if at < len(buffer) or not fill():
                return

    skip_space()
    if at >= len(buffer) or buffer[at] != "[":
        raise ValueError("expected a JSON array of objects or NDJSON")
    at += 1
    number = 0
    while True:
        skip_space()
        if at >= len(buffer):
            raise ValueError("the array is not closed")
        if buffer[at] == "]":
            return
        if number and buffer[at] == ",":
            at += 1
            skip_space()
        while True:
            try:
                value, end = _DECODER.raw_decode(buffer, at)
                # A number or literal at the buffer's edge may continue in the next chunk.
                if end == len(buffer) and not done and fill():
                    continue
                break
            except json.JSONDecodeError:
                if len(buffer) - at > MAX_LINE_CHARS:
                    raise ValueError(
                        f"record {number + 1} is longer than {MAX_LINE_CHARS} characters"
                    ) from None
                if not fill():
                    raise
        number += 1
        at = end
        yield number, value


def _ndjson(stream: IO[str]) -> Iterator[tuple[int, Any]]:
    for number, line in enumerate(bounded_lines(stream), start=1):
        if line.strip():
            yield number, json.loads(line)


def source_format(filename: str | None, media_type: str, fmt: str) -> Format | None:
    """Which tabular format a resource is, or None when it is not tabular."""
    name = (filename or "").lower()
    tag = fmt.upper()
    if tag == "CSV" or name.endswith((".csv", ".tsv")) or media_type in ("text/csv",):
        return "csv"
    if tag == "XLSX" or name.endswith(".xlsx"):
        return "xlsx"
    if tag in ("NDJSON", "JSONL") or name.endswith((".ndjson", ".jsonl")):
        return "ndjson"
    if tag == "JSON" or name.endswith(".json"):
        return "json"
    return None
