"""Smoke test against a real Elasticsearch 8 node (see scripts/services.sh).

The server comes from ``SHUDU_TEST_ES_URL``. Without it the test is skipped locally
and fails under CI (``CI=true``), so a broken service setup cannot pass unnoticed.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from elasticsearch import Elasticsearch

from tests.support import need_env

pytestmark = pytest.mark.elasticsearch

DOC_ID = "aq-shanghai-monthly"
DOC: dict[str, str] = {
    "title": "上海市各区空气质量月报",
    "title_en": "Monthly air quality report for Shanghai districts",
}
MAPPING: dict[str, Any] = {
    "properties": {
        # The minimal distribution lacks analysis-common; `standard` is built in and
        # tokenises CJK text into single characters, which match_phrase handles.
        "title": {"type": "text", "analyzer": "standard"},
        "title_en": {"type": "text", "analyzer": "standard"},
    }
}


@pytest.fixture
def es() -> Iterator[Elasticsearch]:
    client = Elasticsearch(need_env("SHUDU_TEST_ES_URL"), request_timeout=30)
    try:
        yield client
    finally:
        client.close()


def _hit_ids(response: Any) -> list[str]:
    return [str(hit["_id"]) for hit in response["hits"]["hits"]]


def test_chinese_document_is_indexed_and_found(es: Elasticsearch) -> None:
    index = f"shudu-smoke-{uuid.uuid4().hex}"
    es.indices.create(index=index, mappings=MAPPING)
    try:
        es.index(index=index, id=DOC_ID, document=DOC)
        es.indices.refresh(index=index)

        phrase = es.search(index=index, query={"match_phrase": {"title": "空气质量"}})
        assert phrase["hits"]["total"]["value"] == 1
        assert _hit_ids(phrase) == [DOC_ID]
        assert phrase["hits"]["hits"][0]["_source"]["title_en"] == DOC["title_en"]

        match = es.search(index=index, query={"match": {"title": "空气质量"}})
        assert _hit_ids(match) == [DOC_ID]

        english = es.search(index=index, query={"match": {"title_en": "air quality"}})
        assert _hit_ids(english) == [DOC_ID]

        miss = es.search(index=index, query={"match": {"title": "公交线路"}})
        assert miss["hits"]["total"]["value"] == 0
        assert _hit_ids(miss) == []
    finally:
        es.indices.delete(index=index, ignore_unavailable=True)
