"""CKAN dicts to our fields: licenses, open levels, languages, extras (pure functions)."""

from __future__ import annotations

import pytest

from catalog.formats.ckan import ckan_field, dataset_fields, extras_of, license_id


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("cc-by", "CC-BY-4.0"),
        ("CC-BY-4.0", "CC-BY-4.0"),
        ("odc-odbl", "ODbL-1.0"),
        ("http://opendatacommons.org/licenses/odbl/1-0", "ODbL-1.0"),
        ("https://creativecommons.org/publicdomain/zero/1.0/", "CC0-1.0"),
        ("notspecified", None),
        ("", None),
        (None, None),
    ],
)
def test_license_ids_and_urls(raw: object, expected: str | None) -> None:
    assert license_id(raw) == expected


def test_open_level_from_private_license_and_extras() -> None:
    base = {"name": "x-y-z", "title": "T"}
    assert dataset_fields({**base, "private": True}, "org")["open_level"] == "closed"
    assert dataset_fields({**base, "license_id": "cc-by"}, "org")["open_level"] == "open"
    assert dataset_fields(base, "org")["open_level"] == "conditional"
    extras = {"extras": [{"key": "open_level", "value": "conditional"}], "license_id": "cc-by"}
    fields = dataset_fields({**base, **extras}, "org")
    assert fields["open_level"] == "conditional"
    assert "license" not in fields  # only open data carries an open license


def test_titles_by_language() -> None:
    assert dataset_fields({"title": "公交线路"}, "o")["title"] == {"zh": "公交线路", "en": ""}
    assert dataset_fields({"title": "Bus routes"}, "o")["title"] == {"zh": "", "en": "Bus routes"}
    both = {"title": "x", "title_translated": {"zh": "公交", "en": "Bus"}}
    assert dataset_fields(both, "o")["title"] == {"zh": "公交", "en": "Bus"}


def test_extras_as_list_or_dict_and_field_names() -> None:
    assert extras_of({"extras": [{"key": "a", "value": "1"}, {"key": "b"}]}) == {"a": "1"}
    assert extras_of({"extras": {"a": 1}}) == {"a": "1"}
    assert ckan_field("license") == "license_id"
    assert ckan_field("contact_point.email") == "maintainer_email"
    assert ckan_field("title.zh") == "title"


def test_odd_shapes_are_read_not_crashed_on() -> None:
    fields = dataset_fields({"title": "T", "tags": 5, "groups": {"a": 1}, "extras": 7}, "o")
    assert fields["keywords"] == []
    assert fields["themes"] == []
    assert dataset_fields({"tags": "a, b"}, "o")["keywords"] == ["a", "b"]
