"""English as people type it, on both engines: stems, and one typo in a longer word."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from catalog.search.documents import HL_END, HL_START
from catalog.search.interfaces import SearchBackend
from catalog.search.query import SearchQuery, parse_terms
from catalog.search.text import corrections, one_edit, stem
from tests.search_corpus import CORPUS, backend_params, doc, open_backend

pytestmark = pytest.mark.anyio

EXTRA = [
    doc("hospital-beds", "医院床位", "Hospital beds by district"),
    doc("school-places", "学位", "Places in primary schools"),
]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=backend_params())
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SearchBackend]:
    async for backend in open_backend(request.param, tmp_path):
        await backend.index([*CORPUS, *EXTRA])
        yield backend


async def names(engine: SearchBackend, text: str) -> list[str]:
    result = await engine.search(SearchQuery(text=text, limit=100))
    return [h.name for h in result.hits]


def test_stems_and_edits() -> None:
    assert stem("hospitals") == stem("hospital") == "hospit"
    assert stem("地铁") == "地铁"
    assert stem("pm2.5") == "pm2.5"
    near = one_edit("route")
    assert {"rout", "routes", "ruote", "ronte"} <= near
    assert "route" not in near
    terms = parse_terms("hosptal beds")
    assert corrections(terms, {"hospital", "hospice"}) == {"hosptal": ("hospital",)}
    assert corrections(terms, {"hosptal", "hospital"}) == {}  # a known word is taken as typed
    assert corrections(parse_terms("bsu"), {"bus"}) == {}  # too short to forgive
    assert corrections(parse_terms("a" * 30), {"a" * 29}) == {}  # not a word


async def test_other_forms_of_a_word_match(engine: SearchBackend) -> None:
    assert (await names(engine, "hospitals"))[0] == "hospital-beds"
    assert (await names(engine, "school"))[0] == "school-places"
    assert "air-stations" in await names(engine, "monitor")  # "monitoring"


async def test_one_typo_is_forgiven_in_longer_words(engine: SearchBackend) -> None:
    assert (await names(engine, "hosptal"))[0] == "hospital-beds"  # a letter missing
    assert (await names(engine, "hospiatl beds"))[0] == "hospital-beds"  # two swapped
    assert (await names(engine, "schoolz"))[0] == "school-places"  # one too many
    assert "river-water" in await names(engine, "rivar")  # one replaced
    assert await names(engine, "hsoptial") == []  # two edits: not forgiven
    assert await names(engine, "bsu") == []  # three letters: typed as meant


async def test_the_word_that_matched_is_marked(engine: SearchBackend) -> None:
    result = await engine.search(SearchQuery(text="hosptal", limit=5))
    assert result.hits[0].highlight["title_en"] == f"{HL_START}Hospital{HL_END} beds by district"
    result = await engine.search(SearchQuery(text="hospitals", limit=5))
    assert result.hits[0].highlight["title_en"] == f"{HL_START}Hospital{HL_END} beds by district"
