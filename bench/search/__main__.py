"""Search benchmark: indexing rate and latency of a mixed workload at 100,000 datasets.

    python -m bench.search [--docs 100000] [--queries 300] [--es http://127.0.0.1:9200]
                           [--no-embedded]

Generates datasets from the demo generator (its subjects, reworded per copy), indexes them in
the embedded backend (and in Elasticsearch when --es is given), then runs the same mixed
workload against each backend and against a naive baseline measured in the same run: SQL LIKE
over the same rows in SQLite. The workload types as people do (catalog.search.text): Chinese
and English words, Traditional characters, glued words, pinyin, initials, synonyms and typos,
with filters and facets; the synonyms file is loaded and the segmenter learns the tags.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from catalog.search.elastic import ElasticsearchBackend
from catalog.search.interfaces import SearchBackend
from catalog.search.query import SearchQuery
from catalog.search.sqlite_fts import SqliteFtsBackend
from catalog.search.text import load_synonyms
from demo import build_demo_catalog

TEXTS = [
    "公交",
    "空气质量",
    "医院床位",
    "幼儿园",
    "水质",
    "招聘会",
    "企业信用",
    "医保",
    "客流",
    "停车场",
    "air quality",
    "bus",
    "hospital beds",
    "water quality",
    "housing",
    "tourism",
    "population",
    "job fairs",
    "PM2.5",
    "",
    "空氣品質",  # Traditional
    "臺北",
    "地铁客流",  # glued words
    "医院床位数",
    "kongqizhiliang",  # pinyin
    "gong jiao",
    "kqzl",  # initials
    "巴士",  # a synonym
    "hosptal beds",  # typos
    "wtaer quality",
    "kindergarten",  # another form
]
FILTERS = ["theme", "format", "open_level", "organization", None, None]


def generate(count: int, seed: int = 7) -> list[dict[str, Any]]:
    catalog = build_demo_catalog()
    rng = random.Random(seed)
    orgs = {o.name: o for o in catalog.organizations}
    org_ids = {name: str(uuid.UUID(int=i + 1)) for i, name in enumerate(orgs)}
    base = list(catalog.datasets)
    docs = []
    for i in range(count):
        d = base[i % len(base)]
        copy = i // len(base)
        org = orgs[d.organization]
        year = 2010 + copy % 16
        modified = f"{year}-{1 + copy % 12:02d}-{1 + i % 28:02d}T00:00:00+00:00"
        public = d.open_level != "closed" and rng.random() > 0.03
        docs.append(
            {
                "name": f"{d.name}-{copy}",
                "title_zh": d.title_zh if copy == 0 else f"{d.title_zh}（{year}年第{copy}版）",
                "title_en": d.title_en if copy == 0 else f"{d.title_en} ({year}, edition {copy})",
                "description_zh": d.description_zh,
                "description_en": d.description_en,
                "tags": sorted({*d.keywords_zh, *d.keywords_en}),
                "themes": list(d.themes),
                "formats": sorted({r.format for r in d.resources}),
                "organization": org.name,
                "organization_title_zh": org.title_zh,
                "organization_title_en": org.title_en,
                "org_id": org_ids[org.name],
                "license": d.license or "",
                "open_level": d.open_level,
                "state": "published" if public else "draft",
                "public": public,
                "issued": modified,
                "modified": modified,
                "downloads": rng.randint(0, 5000),
                "title_sort": d.title_zh.lower(),
            }
        )
    return docs


def workload(docs: list[dict[str, Any]], count: int, seed: int = 11) -> list[SearchQuery]:
    rng = random.Random(seed)
    values: dict[str, list[str]] = {
        "theme": sorted({t for d in docs[:2000] for t in d["themes"]}),
        "format": ["CSV", "JSON", "API", "XLSX", "PDF"],
        "open_level": ["open", "conditional"],
        "organization": sorted({d["organization"] for d in docs[:2000]}),
    }
    queries = []
    for _ in range(count):
        field = rng.choice(FILTERS)
        filters = {field: (rng.choice(values[field]),)} if field else {}
        queries.append(SearchQuery(text=rng.choice(TEXTS), filters=filters, limit=20))
    return queries


class LikeBaseline:
    """The naive way: LIKE over title, description and tags, then GROUP BY for two facets."""

    def __init__(self, path: Path, docs: list[dict[str, Any]]) -> None:
        self.conn = sqlite3.connect(path)
        self.conn.execute(
            "CREATE TABLE naive (name TEXT PRIMARY KEY, title_zh TEXT, title_en TEXT,"
            " description_zh TEXT, description_en TEXT, tags TEXT, theme TEXT, format TEXT,"
            " open_level TEXT, organization TEXT, public INTEGER)"
        )
        self.conn.executemany(
            "INSERT INTO naive VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    d["name"],
                    d["title_zh"],
                    d["title_en"],
                    d["description_zh"],
                    d["description_en"],
                    " ".join(d["tags"]),
                    ",".join(d["themes"]),
                    ",".join(d["formats"]),
                    d["open_level"],
                    d["organization"],
                    int(d["public"]),
                )
                for d in docs
            ],
        )
        self.conn.commit()

    def search(self, query: SearchQuery) -> int:
        where, params = ["public = 1"], []
        if query.text:
            like = f"%{query.text}%"
            where.append(
                "(title_zh LIKE ? OR title_en LIKE ? OR description_zh LIKE ?"
                " OR description_en LIKE ? OR tags LIKE ?)"
            )
            params += [like] * 5
        for field, (value,) in query.filters.items():
            if field in ("theme", "format"):
                where.append(f"{field} LIKE ?")
                params.append(f"%{value}%")
            else:
                where.append(f"{field} = ?")
                params.append(value)
        clause = " AND ".join(where)
        total = self.conn.execute(f"SELECT count(*) FROM naive WHERE {clause}", params).fetchone()[
            0
        ]
        self.conn.execute(
            f"SELECT name FROM naive WHERE {clause} ORDER BY name LIMIT 20", params
        ).fetchall()
        for facet in ("organization", "open_level"):
            self.conn.execute(
                f"SELECT {facet}, count(*) FROM naive WHERE {clause} GROUP BY {facet}",
                params,
            ).fetchall()
        return int(total)


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def pick(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000

    return {
        "p50": pick(0.50),
        "p95": pick(0.95),
        "p99": pick(0.99),
        "mean": statistics.mean(ordered) * 1000,
    }


async def measure(
    backend: SearchBackend, docs: list[dict[str, Any]], queries: list[SearchQuery]
) -> dict[str, float]:
    started = time.perf_counter()
    for i in range(0, len(docs), 2000):
        await backend.index(docs[i : i + 2000])
    rate = len(docs) / (time.perf_counter() - started)
    for query in queries[:20]:  # warm caches
        await backend.search(query)
    samples = []
    for query in queries:
        t = time.perf_counter()
        await backend.search(query)
        samples.append(time.perf_counter() - t)
    return {"index_rate": rate, **percentiles(samples)}


def line(name: str, figures: dict[str, float], baseline: dict[str, float] | None) -> str:
    text = (
        f"{name:14} p50 {figures['p50']:7.1f} ms  p95 {figures['p95']:7.1f} ms  "
        f"p99 {figures['p99']:7.1f} ms"
    )
    if "index_rate" in figures:
        text += f"  indexing {figures['index_rate']:8.0f} docs/s"
    if baseline:
        text += f"  (p95 {baseline['p95'] / figures['p95']:.1f}× faster than LIKE)"
    return text


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--es", help="Elasticsearch URL to benchmark as well")
    parser.add_argument(
        "--no-embedded", action="store_true", help="only Elasticsearch (the 1,000,000 run)"
    )
    args = parser.parse_args()
    load_synonyms()

    docs = generate(args.docs)
    queries = workload(docs, args.queries)
    print(f"{len(docs)} datasets, {len(queries)} queries (text + filters + facets, 20 per page)")
    with tempfile.TemporaryDirectory() as tmp:
        baseline_db = LikeBaseline(Path(tmp) / "naive.db", docs)
        samples = []
        for query in queries[:20]:
            baseline_db.search(query)
        for query in queries:
            t = time.perf_counter()
            baseline_db.search(query)
            samples.append(time.perf_counter() - t)
        baseline = percentiles(samples)
        print(line("LIKE baseline", baseline, None))

        if not args.no_embedded:
            embedded = SqliteFtsBackend(Path(tmp) / "search.db")
            await embedded.ensure_ready()
            print(line("embedded FTS5", await measure(embedded, docs, queries), baseline))
            await embedded.close()

        if args.es:
            elastic = ElasticsearchBackend(args.es, alias=f"bench-{uuid.uuid4().hex[:8]}")
            await elastic.ensure_ready()
            try:
                print(line("elasticsearch", await measure(elastic, docs, queries), baseline))
            finally:
                await elastic.drop()
                await elastic.close()


if __name__ == "__main__":
    asyncio.run(main())
