"""The embedded search backend: SQLite FTS5 with bigram tokens for Chinese.

FTS5's own tokenisers split Chinese poorly (``unicode61`` takes a whole run of characters as one
token; ``trigram`` cannot match two-character words such as 公交). We tokenise ourselves —
overlapping bigrams for CJK runs, whole words otherwise — and store space-separated tokens, so a
Chinese query becomes a phrase of bigrams that matches text without spaces.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from starlette.concurrency import run_in_threadpool

from catalog.search.documents import facet_values
from catalog.search.highlight import mark, snippet, term_pattern
from catalog.search.interfaces import FacetCount, Hit, SearchResult, Suggestion
from catalog.search.query import (
    FACET_FIELDS,
    SearchQuery,
    Sort,
    Term,
    Visibility,
    index_tokens,
    normalize,
    parse_terms,
)
from core.errors import BadRequest

SCHEMA = """
CREATE TABLE IF NOT EXISTS search_docs (
    rowid INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    doc BLOB NOT NULL,
    org_id TEXT NOT NULL,
    public INTEGER NOT NULL,
    title_norm_zh TEXT NOT NULL,
    title_norm_en TEXT NOT NULL,
    issued TEXT NOT NULL,
    modified TEXT NOT NULL,
    downloads INTEGER NOT NULL,
    title_sort TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS search_docs_modified ON search_docs (modified);
CREATE TABLE IF NOT EXISTS search_terms (
    field TEXT NOT NULL,
    value TEXT NOT NULL,
    docid INTEGER NOT NULL,
    PRIMARY KEY (field, value, docid)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS search_terms_doc ON search_terms (docid, field);
CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(
    title_zh, title_en, tags, org, description_zh, description_en,
    tokenize = 'unicode61 remove_diacritics 2'
);
"""

# bm25 weights per FTS column: titles and tags weigh more than descriptions.
BM25 = "bm25(search_fts, 10.0, 10.0, 6.0, 2.0, 1.0, 1.0)"

SORTS: dict[Sort, tuple[str, str]] = {
    Sort.RELEVANCE: ("score", "DESC"),
    Sort.NEWEST: ("issued", "DESC"),
    Sort.UPDATED: ("modified", "DESC"),
    Sort.DOWNLOADS: ("downloads", "DESC"),
    Sort.TITLE: ("title_sort", "ASC"),
}


def _quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def match_expression(terms: list[Term]) -> str | None:
    """An FTS5 MATCH expression built only from quoted tokens: nothing the user typed is syntax."""
    parts: list[str] = []
    for term in terms:
        tokens = index_tokens(term.text)
        if not tokens:
            continue
        phrase = _quote(" ".join(tokens))
        parts.append(phrase + (" *" if term.prefix else ""))
    return " AND ".join(parts) if parts else None


def _tokens(*texts: str) -> str:
    return " ".join(t for text in texts for t in index_tokens(text))


class SqliteFtsBackend:
    name = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._ready = False

    @contextmanager
    def _conn(self) -> Iterator[sqlite3.Connection]:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        yield conn

    def _ensure(self) -> None:
        if not self._ready:
            with self._conn() as conn:
                conn.executescript(SCHEMA)
            self._ready = True

    async def ensure_ready(self) -> None:
        await run_in_threadpool(self._ensure)

    # -- writing -------------------------------------------------------------------------------

    def _delete_names(self, conn: sqlite3.Connection, names: Sequence[str]) -> None:
        for name in names:
            row = conn.execute("SELECT rowid FROM search_docs WHERE name = ?", (name,)).fetchone()
            if row is None:
                continue
            conn.execute("DELETE FROM search_fts WHERE rowid = ?", row)
            conn.execute("DELETE FROM search_terms WHERE docid = ?", row)
            conn.execute("DELETE FROM search_docs WHERE rowid = ?", row)

    def _index(self, documents: Sequence[dict[str, Any]], *, replace_all: bool = False) -> None:
        self._ensure()
        with self._conn() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                if replace_all:
                    conn.execute("DELETE FROM search_fts")
                    conn.execute("DELETE FROM search_terms")
                    conn.execute("DELETE FROM search_docs")
                else:
                    self._delete_names(conn, [d["name"] for d in documents])
                for doc in documents:
                    cursor = conn.execute(
                        "INSERT INTO search_docs (name, doc, org_id, public, title_norm_zh,"
                        " title_norm_en, issued, modified, downloads, title_sort)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            doc["name"],
                            orjson.dumps(doc),
                            doc["org_id"],
                            int(doc["public"]),
                            normalize(doc["title_zh"]),
                            normalize(doc["title_en"]),
                            doc["issued"] or "",
                            doc["modified"],
                            doc["downloads"],
                            doc["title_sort"],
                        ),
                    )
                    rowid = cursor.lastrowid
                    conn.execute(
                        "INSERT INTO search_fts (rowid, title_zh, title_en, tags, org,"
                        " description_zh, description_en) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (
                            rowid,
                            _tokens(doc["title_zh"]),
                            _tokens(doc["title_en"]),
                            _tokens(*doc["tags"]),
                            _tokens(doc["organization_title_zh"], doc["organization_title_en"]),
                            _tokens(doc["description_zh"]),
                            _tokens(doc["description_en"]),
                        ),
                    )
                    conn.executemany(
                        "INSERT OR IGNORE INTO search_terms (field, value, docid) VALUES (?, ?, ?)",
                        [
                            (field, value, rowid)
                            for field, values in facet_values(doc).items()
                            for value in values
                        ],
                    )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    async def index(self, documents: Sequence[dict[str, Any]]) -> None:
        if documents:
            await run_in_threadpool(self._index, documents)

    def _delete(self, names: Sequence[str]) -> None:
        self._ensure()
        with self._conn() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                self._delete_names(conn, names)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    async def delete(self, names: Sequence[str]) -> None:
        if names:
            await run_in_threadpool(self._delete, names)

    async def rebuild(self, documents: Sequence[dict[str, Any]]) -> None:
        await run_in_threadpool(lambda: self._index(documents, replace_all=True))

    def _count(self) -> int:
        self._ensure()
        with self._conn() as conn:
            return int(conn.execute("SELECT count(*) FROM search_docs").fetchone()[0])

    async def count(self) -> int:
        return await run_in_threadpool(self._count)

    # -- reading -------------------------------------------------------------------------------

    @staticmethod
    def _visibility(visibility: Visibility, params: list[Any]) -> str:
        if visibility.everything:
            return "1"
        if not visibility.own_org_ids:
            return "d.public = 1"
        params.extend(sorted(visibility.own_org_ids))
        marks = ", ".join("?" * len(visibility.own_org_ids))
        return f"(d.public = 1 OR d.org_id IN ({marks}))"

    def _where(self, query: SearchQuery, params: list[Any]) -> list[str]:
        where = [self._visibility(query.visibility, params)]
        for field, values in query.filters.items():
            if field not in FACET_FIELDS:
                raise BadRequest(f"Unknown filter {field!r}")
            if not values:
                continue
            marks = ", ".join("?" * len(values))
            where.append(
                "EXISTS (SELECT 1 FROM search_terms t WHERE t.docid = d.rowid"
                f" AND t.field = ? AND t.value IN ({marks}))"  # noqa: S608 — placeholders only
            )
            params.extend([field, *values])
        if query.modified_from is not None:
            where.append("d.modified >= ?")
            params.append(query.modified_from.isoformat())
        if query.modified_to is not None:
            where.append("d.modified < date(?, '+1 day')")
            params.append(query.modified_to.isoformat())
        return where

    def _search(self, query: SearchQuery) -> SearchResult:
        self._ensure()
        terms = query.terms
        match = match_expression(terms)
        params: list[Any] = []
        if match is not None:
            needle = normalize(query.text.replace('"', "").replace("*", "")).strip()
            source = (
                f"SELECT d.*, (-{BM25} + CASE"  # noqa: S608 — a constant; values are bound
                " WHEN d.title_norm_zh = ? OR d.title_norm_en = ? THEN 100"
                " WHEN instr(d.title_norm_zh, ?) > 0 OR instr(d.title_norm_en, ?) > 0 THEN 30"
                " ELSE 0 END) AS score"
                " FROM search_fts JOIN search_docs d ON d.rowid = search_fts.rowid"
                " WHERE search_fts MATCH ?"
            )
            params.extend([needle, needle, needle, needle, match])
        else:
            source = "SELECT d.*, 0.0 AS score FROM search_docs d WHERE 1"
        where = self._where(query, params)
        filtered = f"{source} AND {' AND '.join(where)}"
        column, direction = SORTS[query.sort]
        order = f"{column} {direction}, name ASC"
        with self._conn() as conn:
            try:
                total = conn.execute(f"SELECT count(*) FROM ({filtered})", params).fetchone()[0]  # noqa: S608 — only our own SQL fragments; values are bound
                page_params = list(params)
                page_sql = f"SELECT rowid, name, doc, {column} FROM ({filtered})"  # noqa: S608
                if query.after is not None:
                    value, name = query.after
                    op = "<" if direction == "DESC" else ">"
                    page_sql += f" WHERE ({column} {op} ? OR ({column} = ? AND name > ?))"
                    page_params.extend([value, value, name])
                page_sql += f" ORDER BY {order} LIMIT ?"
                page_params.append(query.limit + 1)
                rows = conn.execute(page_sql, page_params).fetchall()
                facet_rows = conn.execute(
                    "SELECT t.field, t.value, count(*) AS n FROM search_terms t"  # noqa: S608
                    f" JOIN ({filtered}) f ON f.rowid = t.docid"
                    " GROUP BY t.field, t.value ORDER BY n DESC, t.value",
                    params,
                ).fetchall()
            except sqlite3.OperationalError as exc:
                raise BadRequest(f"The search could not be run: {exc}") from exc
        more = len(rows) > query.limit
        rows = rows[: query.limit]
        pattern = term_pattern(terms)
        hits = []
        for _rowid, name, raw, key in rows:
            doc = orjson.loads(raw)
            highlight = {
                field: marked
                for field, marked in (
                    ("title_zh", mark(doc["title_zh"], pattern)),
                    ("title_en", mark(doc["title_en"], pattern)),
                    ("description_zh", snippet(doc["description_zh"], pattern)),
                    ("description_en", snippet(doc["description_en"], pattern)),
                )
                if marked
            }
            hits.append(Hit(name=name, document=doc, highlight=highlight, sort_key=(key, name)))
        facets: dict[str, list[FacetCount]] = {f: [] for f in FACET_FIELDS}
        for field, value, count in facet_rows:
            bucket = facets[field]
            if len(bucket) < query.facet_size:
                bucket.append(FacetCount(value, count))
        return SearchResult(
            total=total,
            hits=hits,
            facets=facets,
            next_after=hits[-1].sort_key if more and hits else None,
        )

    async def search(self, query: SearchQuery) -> SearchResult:
        return await run_in_threadpool(self._search, query)

    def _suggest(self, prefix: str, visibility: Visibility, limit: int) -> list[Suggestion]:
        self._ensure()
        terms = parse_terms(prefix)
        if not terms:
            return []
        last = terms[-1]
        terms[-1] = Term(last.text, phrase=last.phrase, prefix=True)
        match = match_expression(terms)
        params: list[Any] = [match]
        visible = self._visibility(visibility, params)
        out: list[Suggestion] = []
        with self._conn() as conn:
            rows = conn.execute(
                "SELECT d.name, d.doc FROM search_fts JOIN search_docs d"  # noqa: S608
                " ON d.rowid = search_fts.rowid WHERE search_fts MATCH ?"
                f" AND {visible} ORDER BY bm25(search_fts, 10.0, 10.0, 0, 0, 0, 0) LIMIT ?",
                [*params, limit],
            ).fetchall()
            for name, raw in rows:
                doc = orjson.loads(raw)
                out.append(Suggestion(doc["title_zh"] or doc["title_en"], "title", name))
            needle = normalize(prefix).strip()
            tag_params: list[Any] = [needle, needle + "\U0010ffff"]
            visible = self._visibility(visibility, tag_params)
            tags = conn.execute(
                "SELECT t.value, count(*) AS n FROM search_terms t"  # noqa: S608
                " JOIN search_docs d ON d.rowid = t.docid"
                f" WHERE t.field = 'tag' AND t.value >= ? AND t.value < ? AND {visible}"
                " GROUP BY t.value ORDER BY n DESC, t.value LIMIT ?",
                [*tag_params, limit],
            ).fetchall()
        out.extend(Suggestion(value, "tag") for value, _ in tags)
        return out

    async def suggest(self, prefix: str, visibility: Any, limit: int = 8) -> list[Suggestion]:
        return await run_in_threadpool(self._suggest, prefix, visibility, limit)

    async def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
