"""Reading files as rows, type inference and the personal-data detectors: pure, no database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import Workbook

from catalog.datastore.detectors import detect, luhn_valid, resident_id_valid
from catalog.datastore.fields import FieldType, TypeGuesser
from catalog.datastore.ingest import scan
from catalog.datastore.sources import (
    MAX_LINE_CHARS,
    IngestRefused,
    RowSource,
    detect_encoding,
    sniff_delimiter,
)

HEADER = "区,医院名称,床位数,开业日期,是否三甲\n"
ROWS = (
    "浦东新区,上海市东方医院,2000,1920-05-01,是\n"
    "黄浦区,上海交通大学医学院附属瑞金医院,3000,1907-10-01,是\n"
)
TEXT = HEADER + ROWS


def _write(tmp_path: Path, data: bytes, name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _rows(source: RowSource) -> tuple[list[str], list[tuple[int, list[str | None]]]]:
    header, rows = source.open()
    return header, list(rows)


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("gbk", "gb18030"),
        ("gb18030", "gb18030"),
        ("big5", "big5"),
    ],
)
def test_chinese_encodings_load_with_their_headers(
    tmp_path: Path, encoding: str, expected: str
) -> None:
    text = (
        TEXT
        if encoding != "big5"
        else "區,醫院名稱,床位數\n浦東新區,東方醫院,2000\n黃浦區,瑞金醫院,3000\n"
    )
    source = RowSource(_write(tmp_path, text.encode(encoding)), "csv")
    assert source.dialect is not None
    assert source.dialect.encoding == expected
    header, rows = _rows(source)
    assert header[0] in ("区", "區")
    assert rows[0][1][:2] in (["浦东新区", "上海市东方医院"], ["浦東新區", "東方醫院"])


@pytest.mark.parametrize("delimiter", [",", "\t", ";", "|"])
def test_delimiter_is_sniffed(tmp_path: Path, delimiter: str) -> None:
    source = RowSource(_write(tmp_path, TEXT.replace(",", delimiter).encode()), "csv")
    assert source.dialect is not None
    assert source.dialect.delimiter == delimiter
    header, rows = _rows(source)
    assert len(header) == 5
    assert rows[1][1][2] == "3000"


def test_quoted_commas_do_not_fool_the_sniffer() -> None:
    assert sniff_delimiter('a,b,c\n"x, y",2,3\n"p; q",5,6\n') == ","


def test_line_numbers_count_quoted_newlines(tmp_path: Path) -> None:
    data = 'a,b\n"multi\nline",1\nx,2\n'
    _, rows = _rows(RowSource(_write(tmp_path, data.encode()), "csv"))
    assert [line for line, _ in rows] == [3, 4]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (b"\x00\x01\x02\x03binary\x00junk" * 100, "binary"),
        (b"\xff\xfe" + "a,b\n".encode("utf-16-le"), "UTF-16"),
    ],
)
def test_unloadable_files_are_refused_clearly(tmp_path: Path, data: bytes, message: str) -> None:
    with pytest.raises(IngestRefused, match=message):
        _rows(RowSource(_write(tmp_path, data), "csv"))


def test_a_very_long_line_is_refused_without_reading_it_whole(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    with path.open("wb") as f:
        f.write(b"a,b\n1,")
        chunk = b"x" * (1024 * 1024)
        for _ in range(MAX_LINE_CHARS // len(chunk) + 2):
            f.write(chunk)
    with pytest.raises(IngestRefused, match="Line 2 is longer"):
        _rows(RowSource(path, "csv"))


def test_invalid_bytes_after_the_sample_are_reported(tmp_path: Path) -> None:
    data = ("a,b\n" + "1,二\n" * 30000).encode() + b"\xff\xfe,3\n"
    with pytest.raises(IngestRefused, match="not valid utf-8"):
        _rows(RowSource(_write(tmp_path, data), "csv"))


def test_detect_encoding_prefers_gb18030_on_ties() -> None:
    assert detect_encoding("abc,数据\n".encode("gbk")) == "gb18030"
    assert detect_encoding(b"plain,ascii\n") == "utf-8"


def test_xlsx_chosen_sheet(tmp_path: Path) -> None:
    book = Workbook()
    first = book.active
    assert first is not None
    first.title = "说明"
    first.append(["本表说明"])
    data = book.create_sheet("数据")
    data.append(["站点", "客流", "日期"])
    data.append(["人民广场", 12000, None])
    data.append(["徐家汇", 9000.5, None])
    path = tmp_path / "t.xlsx"
    book.save(path)
    header, rows = _rows(RowSource(path, "xlsx", sheet="数据"))
    assert header == ["站点", "客流", "日期"]
    assert rows == [(2, ["人民广场", "12000", None]), (3, ["徐家汇", "9000.5", None])]
    with pytest.raises(IngestRefused, match="no sheet"):
        RowSource(path, "xlsx", sheet="nope").open()


def test_xlsx_junk_is_refused(tmp_path: Path) -> None:
    with pytest.raises(IngestRefused, match="XLSX"):
        RowSource(_write(tmp_path, b"PK\x03\x04 not really", "x.xlsx"), "xlsx").open()


def test_json_array_and_ndjson(tmp_path: Path) -> None:
    records = [{"名称": f"站{i}", "数量": i, "开放": i % 2 == 0} for i in range(3000)]
    path = _write(tmp_path, json.dumps(records, ensure_ascii=False).encode(), "t.json")
    header, rows = _rows(RowSource(path, "json"))
    assert header == ["名称", "数量", "开放"]
    assert len(rows) == 3000
    assert rows[-1] == (3000, ["站2999", "2999", "false"])
    nd = "\n".join(json.dumps(r, ensure_ascii=False) for r in records[:5]) + "\n"
    _, nd_rows = _rows(RowSource(_write(tmp_path, nd.encode(), "t.ndjson"), "ndjson"))
    assert nd_rows[4] == (5, ["站4", "4", "true"])


@pytest.mark.parametrize("data", [b"{", b"[1, 2", b'{"a": 1}', b"[]", b"[[1]]", b"\x00\x01"])
def test_bad_json_is_refused(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(IngestRefused):
        _rows(RowSource(_write(tmp_path, data, "t.json"), "json"))


def test_type_guesser_widens() -> None:
    def guess(*values: str) -> FieldType:
        g = TypeGuesser()
        for v in values:
            g.see(v)
        return g.result

    assert guess("1", "-2", "30") is FieldType.INTEGER
    assert guess("1", "2.5") is FieldType.DECIMAL
    assert guess("1", "x") is FieldType.TEXT
    assert guess("2024-01-31", "2024-02-29") is FieldType.DATE
    assert guess("2024-01-31", "2024-02-01 08:30:00") is FieldType.DATETIME
    assert guess("2023-02-29") is FieldType.TEXT  # not a real day
    assert guess("是", "否", "true") is FieldType.BOOLEAN
    assert guess("2024-01-31T08:00:00+08:00") is FieldType.TEXT  # offsets stay text
    assert guess() is FieldType.TEXT
    assert guess("99999999999999999999") is FieldType.DECIMAL  # wider than 64 bits
    assert guess("１２", "3") is FieldType.TEXT  # full-width digits are not read as numbers


@pytest.mark.parametrize(
    "values",
    [
        ["1", "-2", "+30", "007"],
        ["1", "2.5", ".5", "1e3", "3."],
        ["1", "x"],
        ["2024-01-31", "2024-02-29"],
        ["2024-01-31", "2024-02-01 08:30:00", "2024-02-01T08:30:00.25"],
        ["2024-01-31", "2023-02-29"],
        ["是", "否", "TRUE", "n"],
        ["是", "maybe"],
        ["1", "2\n3"],  # a line break inside a cell does not make two values
        ["2024-01-01", "2024-01-01\n2024-01-02"],
        ["１２", "3"],
    ],
)
def test_batched_guessing_agrees_with_one_value_at_a_time(values: list[str]) -> None:
    one, many = TypeGuesser(), TypeGuesser()
    for v in values:
        one.see(v)
    many.see_many(values[:1])
    many.see_many(values[1:])
    assert many.result is one.result


def test_scan_reports_ragged_rows_with_line_numbers(tmp_path: Path) -> None:
    data = "a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n"
    found = scan(RowSource(_write(tmp_path, data.encode()), "csv"))
    assert found.rows == 2
    assert found.bad_row_count == 2
    assert [b["line"] for b in found.bad_rows] == [3, 4]
    assert found.types == [FieldType.INTEGER] * 3


def test_scan_in_batches_finds_the_first_hit_per_column(tmp_path: Path) -> None:
    rows = [f"{i},站点{i},{'x' * 20}" for i in range(1, 1200)]
    rows[700] = "701,联系 13812345678,x"
    rows[900] = "901,a@example.org,x"
    rows[1100] = "1101,站点,13912345678 或 b@example.org"
    data = "编号,名称,备注\n" + "\n".join(rows) + "\n"
    found = scan(RowSource(_write(tmp_path, data.encode()), "csv"))
    assert found.rows == 1199
    assert [(f["field"], f["line"], f["kind"]) for f in found.findings] == [
        ("名称", 702, "mobile"),
        ("备注", 1102, "email"),
    ]


# -- detectors ---------------------------------------------------------------------------------

VALID_ID = "11010519491231002X"  # the GB 11643 example number


def test_resident_id_checksum() -> None:
    assert resident_id_valid(VALID_ID)
    assert not resident_id_valid("110105194912310021")  # wrong check digit
    assert not resident_id_valid("110105194913310020")  # month 13


def test_luhn() -> None:
    assert luhn_valid("6222020200112345678") is luhn_valid("6222020200112345678")
    assert luhn_valid("4111111111111111")
    assert not luhn_valid("4111111111111112")


@pytest.mark.parametrize(
    ("cell", "kind"),
    [
        (VALID_ID, "resident_id"),
        (f"身份证 {VALID_ID.lower()}", "resident_id"),
        ("13812345678", "mobile"),
        ("联系电话：+86 13912345678", "mobile"),
        ("zhang.san@example.com", "email"),
        ("4111111111111111", "bank_card"),
        ("110105194912310021", None),  # fails the checksum, and is no card (Luhn)
        ("4111111111111112", None),
        ("12345678901", None),  # not a mobile prefix
        ("021-63210000", None),  # a landline
        ("统一社会信用代码 91310000132200821H", None),
        ("2000", None),
    ],
)
def test_detectors(cell: str, kind: str | None) -> None:
    assert detect(cell) == kind
