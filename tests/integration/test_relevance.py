"""nDCG@10 of both backends on the judged demo queries, overall and per way of typing."""

from __future__ import annotations

import math
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from catalog.filestore import FileStore
from catalog.search.indexer import all_documents
from catalog.search.interfaces import SearchBackend
from catalog.search.query import SearchQuery
from core.db import make_engine, make_session_factory, transaction
from demo.loader import load_demo
from tests.integration.relevance_judgments import CLASSES, JUDGMENTS
from tests.search_corpus import backend_params, open_backend

pytestmark = pytest.mark.anyio

TARGET = 0.95  # over every query; each way of typing is printed on its own


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def demo_documents(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    from core.migrations import upgrade

    tmp = tmp_path_factory.mktemp("relevance")
    engine = make_engine(f"sqlite:///{tmp / 'demo.db'}")
    upgrade(engine)
    with transaction(make_session_factory(engine), write=True) as session:
        load_demo(session, FileStore(tmp / "files"))
    with transaction(make_session_factory(engine)) as session:
        documents = all_documents(session)
    engine.dispose()
    return documents


@pytest.fixture(params=backend_params())
async def engine(
    request: pytest.FixtureRequest, tmp_path: Path, demo_documents: list[dict[str, Any]]
) -> AsyncIterator[SearchBackend]:
    async for backend in open_backend(request.param, tmp_path):
        await backend.index(demo_documents)
        yield backend


def grades_for(names: list[str], judged: dict[str, int]) -> list[int]:
    return [max((g for p, g in judged.items() if re.search(p, n)), default=0) for n in names]


def dcg(grades: list[int]) -> float:
    return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(grades[:10]))


async def test_ndcg_at_10(
    engine: SearchBackend, demo_documents: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    public = [d["name"] for d in demo_documents if d["public"]]
    assert len(JUDGMENTS) >= 40
    assert sum(len(judged) for judged in CLASSES.values()) >= 200
    by_class: dict[str, dict[str, float]] = {}
    for kind, judgments in CLASSES.items():
        scores = by_class[kind] = {}
        for text, judged in judgments.items():
            ideal = sorted(grades_for(public, judged), reverse=True)
            assert ideal[0] > 0, f"no public dataset is relevant to {text!r}: fix the judgments"
            result = await engine.search(SearchQuery(text=text, limit=10))
            got = grades_for([h.name for h in result.hits], judged)
            scores[text] = dcg(got) / dcg(ideal)
    every = {f"{kind}: {q}": s for kind, scores in by_class.items() for q, s in scores.items()}
    mean = sum(every.values()) / len(every)
    worst = sorted(every.items(), key=lambda kv: kv[1])[:6]
    with capsys.disabled():
        print(f"\n[relevance] {engine.name}: nDCG@10 = {mean:.3f} over {len(every)} queries")
        for kind, scores in by_class.items():
            print(
                f"[relevance]   {kind:<15} {sum(scores.values()) / len(scores):.3f}"
                f" over {len(scores)}"
            )
        print(f"[relevance]   weakest: {', '.join(f'{q!r}={s:.2f}' for q, s in worst)}")
    assert mean >= TARGET
