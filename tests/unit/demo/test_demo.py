"""The demo catalog generator: deterministic, plentiful, well-formed and free of personal data."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from datetime import timedelta

import pytest

from demo import THEMES, DemoCatalog, DemoDataset, build_demo_catalog

OPEN_LICENSES = {"CC-BY-4.0", "CC0-1.0", "CC-BY-SA-4.0", "ODC-BY-1.0", "ODbL-1.0", "PDDL-1.0"}
FREQUENCIES = {"daily", "weekly", "monthly", "quarterly", "annual", "irregular", "realtime"}
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,98}[a-z0-9]$")
# What the publication detectors look for; none of it may appear in open data.
RESIDENT_ID = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
CARD_LIKE = re.compile(r"(?<!\d)\d{13,19}(?!\d)")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


@pytest.fixture(scope="module")
def demo() -> DemoCatalog:
    return build_demo_catalog()


def _csv_tables(dataset: DemoDataset) -> list[list[list[str]]]:
    return [
        list(csv.reader(io.StringIO(r.content.decode("utf-8"))))
        for r in dataset.resources
        if r.format == "CSV" and r.content is not None
    ]


def test_same_seed_gives_the_same_catalog(demo: DemoCatalog) -> None:
    again = build_demo_catalog(20261123)
    assert again == demo
    assert [r.content for d in again.datasets for r in d.resources] == [
        r.content for d in demo.datasets for r in d.resources
    ]


def test_another_seed_gives_other_content(demo: DemoCatalog) -> None:
    other = build_demo_catalog(7)
    contents = {r.content for d in demo.datasets for r in d.resources if r.content}
    other_contents = {r.content for d in other.datasets for r in d.resources if r.content}
    assert contents != other_contents


def test_counts_by_open_level(demo: DemoCatalog) -> None:
    levels = Counter(d.open_level for d in demo.datasets)
    public = levels["open"] + levels["conditional"]
    assert public >= 300
    assert levels["closed"] >= 15
    assert 0.65 <= levels["open"] / public <= 0.85  # about three open to one conditional


def test_organizations(demo: DemoCatalog) -> None:
    kinds = Counter(o.kind for o in demo.organizations)
    assert kinds["department"] >= 20
    assert kinds["enterprise"] == 3
    assert kinds["exchange"] == 1
    assert kinds["regulator"] == 1
    names = [o.name for o in demo.organizations]
    assert len(names) == len(set(names))
    assert all(SLUG.match(n) for n in names)
    for o in demo.organizations:
        assert all((o.title_zh, o.title_en, o.description_zh, o.description_en)), o.name


def test_departments_own_every_dataset_and_each_has_several(demo: DemoCatalog) -> None:
    departments = {o.name for o in demo.organizations if o.kind == "department"}
    per_org = Counter(d.organization for d in demo.datasets)
    assert set(per_org) == departments
    assert min(per_org.values()) >= 5


def test_themes(demo: DemoCatalog) -> None:
    codes = {t.code for t in THEMES}
    assert len(codes) == 16
    assert demo.themes == THEMES
    per_theme = Counter(t for d in demo.datasets for t in d.themes)
    assert set(per_theme) <= codes
    assert len(per_theme) >= 12
    assert min(per_theme.values()) >= 10
    assert all(1 <= len(d.themes) <= 2 for d in demo.datasets)


def test_names_are_unique_slugs(demo: DemoCatalog) -> None:
    names = [d.name for d in demo.datasets]
    assert len(names) == len(set(names))
    assert all(SLUG.match(n) and len(n) <= 100 for n in names), names


def test_titles_and_descriptions_are_bilingual_and_varied(demo: DemoCatalog) -> None:
    for d in demo.datasets:
        assert all((d.title_zh, d.title_en, d.description_zh, d.description_en)), d.name
        assert 2 <= len(d.keywords_zh) <= 5, d.name
        assert 2 <= len(d.keywords_en) <= 5, d.name
    assert len({d.title_zh for d in demo.datasets}) == len(demo.datasets)
    assert len({d.title_en for d in demo.datasets}) == len(demo.datasets)


def test_licenses_and_grades(demo: DemoCatalog) -> None:
    for d in demo.datasets:
        if d.open_level == "open":
            assert d.license in OPEN_LICENSES
            assert d.grade == "general"
        else:
            assert d.license is None
        if d.open_level != "closed":
            assert d.grade != "core"
    conditional = Counter(d.grade for d in demo.datasets if d.open_level == "conditional")
    assert conditional["important"] > 0
    licenses = Counter(d.license for d in demo.datasets if d.open_level == "open")
    assert licenses.most_common(1)[0][0] == "CC-BY-4.0"


def test_dates_and_other_metadata(demo: DemoCatalog) -> None:
    for d in demo.datasets:
        assert d.issued.utcoffset() == timedelta(0)
        assert d.modified.utcoffset() == timedelta(0)
        assert d.modified >= d.issued
        if d.temporal_start and d.temporal_end:
            assert d.temporal_start <= d.temporal_end
        assert d.update_frequency in FREQUENCIES
        assert d.contact_name
        assert d.contact_email.endswith(".example.gov.cn")
        assert d.spatial
        assert re.fullmatch(r"\d+\.\d+", d.version)


def test_every_dataset_has_one_to_three_resources(demo: DemoCatalog) -> None:
    for d in demo.datasets:
        assert 1 <= len(d.resources) <= 3, d.name
        for r in d.resources:
            assert (r.content is None) != (r.url is None), (d.name, r.name_zh)
            assert all((r.name_zh, r.name_en, r.format, r.media_type)), d.name
            if r.url is not None:
                assert r.url.startswith("https://data.example.gov.cn/")


def test_csv_resources_parse_with_a_consistent_shape(demo: DemoCatalog) -> None:
    with_csv = [d for d in demo.datasets if _csv_tables(d)]
    assert len(with_csv) >= 120
    headers = set()
    for d in with_csv:
        for table in _csv_tables(d):
            header, rows = table[0], table[1:]
            headers.add(tuple(header))
            assert 20 <= len(rows) <= 400, (d.name, len(rows))
            assert all(len(row) == len(header) for row in rows), d.name
            assert len(set(header)) == len(header)
    assert len(headers) >= 10


def test_json_resources_are_arrays_of_objects(demo: DemoCatalog) -> None:
    json_resources = [r for d in demo.datasets for r in d.resources if r.format == "JSON"]
    assert json_resources
    for r in json_resources:
        assert r.content is not None
        records = json.loads(r.content)
        assert isinstance(records, list)
        assert records
        assert all(isinstance(x, dict) for x in records)


def test_open_data_carries_no_personal_data(demo: DemoCatalog) -> None:
    for d in demo.datasets:
        if d.open_level != "open":
            continue
        for r in d.resources:
            if r.content is None:
                continue
            text = r.content.decode("utf-8")
            for pattern in (RESIDENT_ID, MOBILE, CARD_LIKE, EMAIL):
                hit = pattern.search(text)
                assert hit is None, (d.name, r.format, hit.group(0) if hit else None)


def test_total_content_is_small(demo: DemoCatalog) -> None:
    total = sum(len(r.content) for d in demo.datasets for r in d.resources if r.content)
    assert total < 5 * 1024 * 1024
