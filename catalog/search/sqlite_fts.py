"""The embedded search backend: SQLite FTS5 with bigram tokens for Chinese.

FTS5's own tokenisers split Chinese poorly (``unicode61`` takes a whole run of characters as one
token; ``trigram`` cannot match two-character words such as 公交). We tokenise ourselves —
overlapping bigrams for CJK runs, whole words otherwise — and store space-separated tokens, so a
Chinese query becomes a phrase of bigrams that matches text without spaces.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from starlette.concurrency import run_in_threadpool

from catalog.search.documents import facet_values
from catalog.search.highlight import highlights
from catalog.search.interfaces import FacetCount, Hit, SearchResult, Suggestion
from catalog.search.query import (
    FACET_FIELDS,
    SearchQuery,
    Sort,
    Term,
    Visibility,
    parse_terms,
)
from catalog.search.text import (
    ANALYSIS_VERSION,
    Clause,
    Phrase,
    corrections,
    document_pinyin,
    fold,
    index_text,
    learn,
    plan,
    typo_candidates,
    vocabulary_words,
)
from core.errors import BadRequest

log = logging.getLogger("shudu.search")

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
CREATE INDEX IF NOT EXISTS search_docs_modified ON search_docs (modified, name);
CREATE INDEX IF NOT EXISTS search_docs_issued ON search_docs (issued, name);
CREATE INDEX IF NOT EXISTS search_docs_downloads ON search_docs (downloads, name);
CREATE INDEX IF NOT EXISTS search_docs_title ON search_docs (title_sort, name);
CREATE TABLE IF NOT EXISTS search_terms (
    field TEXT NOT NULL,
    value TEXT NOT NULL,
    docid INTEGER NOT NULL,
    PRIMARY KEY (field, value, docid)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS search_terms_doc ON search_terms (docid, field);
CREATE TABLE IF NOT EXISTS search_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
-- Latin words as written (not stemmed), that a mistyped query word may be corrected to.
CREATE TABLE IF NOT EXISTS search_words (word TEXT PRIMARY KEY) WITHOUT ROWID;
INSERT OR IGNORE INTO search_meta VALUES ('generation', 0);
CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(
    title_zh, title_en, tags, org, description_zh, description_en, pinyin, initials,
    tokenize = 'unicode61 remove_diacritics 2'
);
"""

DROP = """
DROP TABLE IF EXISTS search_fts;
DROP TABLE IF EXISTS search_terms;
DROP TABLE IF EXISTS search_docs;
DROP TABLE IF EXISTS search_meta;
DROP TABLE IF EXISTS search_words;
"""
TEXT_COLUMNS = "{title_zh title_en tags org description_zh description_en}"
COLUMNS = {"text": TEXT_COLUMNS, "pinyin": "pinyin", "initials": "initials"}

# bm25 weights per FTS column: titles and tags weigh more than descriptions.
# Pinyin and initials weigh less than any Chinese match, so exact words rank first.
BM25 = "bm25(search_fts, 10.0, 10.0, 6.0, 2.0, 1.0, 1.0, 1.5, 1.0)"

# (sort column, its direction, the direction of the name that breaks ties). Ties follow the
# column's direction so that an index on (column, name) serves the order in one walk.
SORTS: dict[Sort, tuple[str, str, str]] = {
    Sort.RELEVANCE: ("score", "DESC", "ASC"),
    Sort.NEWEST: ("issued", "DESC", "DESC"),
    Sort.UPDATED: ("modified", "DESC", "DESC"),
    Sort.DOWNLOADS: ("downloads", "DESC", "DESC"),
    Sort.TITLE: ("title_sort", "ASC", "ASC"),
}


def keyset(column: str, direction: str, tie: str, name: str) -> str:
    """The condition for rows after (?, ?, ?) in ORDER BY column direction, name tie."""
    op = "<" if direction == "DESC" else ">"
    tie_op = "<" if tie == "DESC" else ">"
    return f"({column} {op} ? OR ({column} = ? AND {name} {tie_op} ?))"


def _quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def _phrase(phrase: Phrase) -> str:
    return f"{COLUMNS[phrase.field]} : {_quote(' '.join(phrase.tokens))}" + (
        " *" if phrase.prefix else ""
    )


def _any(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"


def match_expression(clauses: list[Clause]) -> str | None:
    """An FTS5 MATCH expression built only from quoted tokens: nothing the user typed is syntax.

    Each term's plan (catalog.search.text) becomes ``(alternative OR …)``, an alternative is
    its slots ANDed, and a slot is its phrases (the word and its synonyms) ORed.
    """
    parts: list[str] = []
    for clause in clauses:
        alternatives = []
        for alternative in clause:
            slots = [_any([_phrase(p) for p in slot if p.tokens]) for slot in alternative]
            alternatives.append(slots[0] if len(slots) == 1 else "(" + " AND ".join(slots) + ")")
        parts.append(_any(alternatives))
    return " AND ".join(parts) if parts else None


def _bump(conn: sqlite3.Connection) -> None:
    conn.execute("UPDATE search_meta SET value = value + 1 WHERE key = 'generation'")


BITMAP_TAGS = 300  # tags (by frequency) that get a bitmap; rarer ones are counted only in SQL


class FacetBitmaps:
    """Facet counting for large hit sets: one bitmap of document ids per facet value.

    Counting a facet over tens of thousands of hits is then an AND and a popcount per value
    instead of a join over every term row. Bitmaps are rebuilt when the index's generation
    changes (any process's write bumps it). Tags are many and mostly rare, so only the most
    frequent ones get bitmaps: a broad result's top tags are among them.
    """

    def __init__(self) -> None:
        self.generation = -1
        self.masks: dict[tuple[str, str], int] = {}
        self.lock = threading.Lock()

    def current(self, conn: sqlite3.Connection) -> dict[tuple[str, str], int]:
        generation = conn.execute(
            "SELECT value FROM search_meta WHERE key = 'generation'"
        ).fetchone()[0]
        with self.lock:
            if generation != self.generation:
                self.masks = self._build(conn)
                self.generation = generation
            return self.masks

    @staticmethod
    def _build(conn: sqlite3.Connection) -> dict[tuple[str, str], int]:
        size = (
            (conn.execute("SELECT coalesce(max(rowid), 0) FROM search_docs").fetchone()[0]) // 8 + 1
        )
        top_tags = {
            value
            for (value,) in conn.execute(
                "SELECT value FROM search_terms WHERE field = 'tag'"
                " GROUP BY value ORDER BY count(*) DESC LIMIT ?",
                (BITMAP_TAGS,),
            )
        }
        bitmaps: dict[tuple[str, str], bytearray] = {}
        for field, value, docid in conn.execute("SELECT field, value, docid FROM search_terms"):
            if field == "tag" and value not in top_tags:
                continue
            bits = bitmaps.get((field, value))
            if bits is None:
                bits = bitmaps[(field, value)] = bytearray(size)
            bits[docid >> 3] |= 1 << (docid & 7)
        return {key: int.from_bytes(bits, "little") for key, bits in bitmaps.items()}

    @staticmethod
    def hits_mask(docids: list[int]) -> int:
        if not docids:
            return 0
        bits = bytearray(max(docids) // 8 + 1)
        for docid in docids:
            bits[docid >> 3] |= 1 << (docid & 7)
        return int.from_bytes(bits, "little")


class SqliteFtsBackend:
    name = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._ready = False
        self._bitmaps = FacetBitmaps()

    @contextmanager
    def _conn(self) -> Iterator[sqlite3.Connection]:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA temp_store=MEMORY")  # the per-query hit lists
            self._local.conn = conn
        yield conn

    def _ensure(self) -> None:
        if not self._ready:
            with self._conn() as conn:
                conn.executescript(SCHEMA)
                conn.execute("INSERT OR IGNORE INTO search_meta VALUES ('analysis', ?)", (0,))
                count = conn.execute("SELECT count(*) FROM search_docs").fetchone()[0]
                version = conn.execute(
                    "SELECT value FROM search_meta WHERE key = 'analysis'"
                ).fetchone()[0]
                if version != ANALYSIS_VERSION:
                    if count:
                        log.warning(
                            "the search index was built by another text analysis; it is"
                            " emptied and must be rebuilt: shudu search reindex"
                        )
                    conn.executescript(DROP)
                    conn.executescript(SCHEMA)
                    conn.execute(
                        "INSERT INTO search_meta VALUES ('analysis', ?)", (ANALYSIS_VERSION,)
                    )
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
                    conn.execute("DELETE FROM search_words")
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
                            fold(doc["title_zh"]),
                            fold(doc["title_en"]),
                            doc["issued"] or "",
                            doc["modified"],
                            doc["downloads"],
                            doc["title_sort"],
                        ),
                    )
                    rowid = cursor.lastrowid
                    pinyin, initials = document_pinyin(doc)
                    conn.execute(
                        "INSERT INTO search_fts (rowid, title_zh, title_en, tags, org,"
                        " description_zh, description_en, pinyin, initials)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            rowid,
                            index_text(doc["title_zh"]),
                            index_text(doc["title_en"]),
                            index_text(*doc["tags"]),
                            index_text(doc["organization_title_zh"], doc["organization_title_en"]),
                            index_text(doc["description_zh"]),
                            index_text(doc["description_en"]),
                            pinyin,
                            initials,
                        ),
                    )
                    conn.executemany(
                        "INSERT OR IGNORE INTO search_words (word) VALUES (?)",
                        [(w,) for w in vocabulary_words(doc)],
                    )
                    terms = [
                        (field, value, rowid)
                        for field, values in facet_values(doc).items()
                        for value in values
                    ]
                    # Pseudo-terms (fields starting with "_") give visibility its bitmaps.
                    terms += [("_all", "", rowid), ("_org", doc["org_id"], rowid)]
                    if doc["public"]:
                        terms.append(("_public", "", rowid))
                    conn.executemany(
                        "INSERT OR IGNORE INTO search_terms (field, value, docid) VALUES (?, ?, ?)",
                        terms,
                    )
                _bump(conn)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    async def index(self, documents: Sequence[dict[str, Any]]) -> None:
        if documents:
            learn(documents)
            await run_in_threadpool(self._index, documents)

    def _delete(self, names: Sequence[str]) -> None:
        self._ensure()
        with self._conn() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                self._delete_names(conn, names)
                _bump(conn)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    async def delete(self, names: Sequence[str]) -> None:
        if names:
            await run_in_threadpool(self._delete, names)

    async def rebuild(self, documents: Sequence[dict[str, Any]]) -> None:
        learn(documents)
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
            # Served by the (field, value, docid) primary key: no scan of the documents.
            where.append(
                "d.rowid IN (SELECT docid FROM search_terms"  # noqa: S608 — placeholders only
                f" WHERE field = ? AND value IN ({marks}))"
            )
            params.extend([field, *values])
        if query.modified_from is not None:
            where.append("d.modified >= ?")
            params.append(query.modified_from.isoformat())
        if query.modified_to is not None:
            where.append("d.modified < date(?, '+1 day')")
            params.append(query.modified_to.isoformat())
        return where

    def _facets_by_bitmap(self, conn: sqlite3.Connection) -> list[tuple[str, str, int]]:
        masks = self._bitmaps.current(conn)
        hits = FacetBitmaps.hits_mask([r[0] for r in conn.execute("SELECT docid FROM temp.hits")])
        counts = [
            (field, value, (mask & hits).bit_count()) for (field, value), mask in masks.items()
        ]
        counts = [c for c in counts if c[2]]
        counts.sort(key=lambda c: (-c[2], c[1]))
        return counts

    @staticmethod
    def _browsable(query: SearchQuery) -> bool:
        """No text, no date range, no tag filter: bitmaps answer the counts, an index the page."""
        return (
            query.modified_from is None
            and query.modified_to is None
            and "tag" not in query.filters
            and all(field in FACET_FIELDS for field in query.filters)
        )

    def _browse(
        self, conn: sqlite3.Connection, query: SearchQuery
    ) -> tuple[int, list[Any], list[tuple[str, str, int]]]:
        conn.execute("BEGIN")
        try:
            masks = self._bitmaps.current(conn)
            visibility = query.visibility
            if visibility.everything:
                hits = masks.get(("_all", ""), 0)
            else:
                hits = masks.get(("_public", ""), 0)
                for org_id in visibility.own_org_ids:
                    hits |= masks.get(("_org", org_id), 0)
            for field, values in query.filters.items():
                if values:
                    allowed = 0
                    for value in values:
                        allowed |= masks.get((field, value), 0)
                    hits &= allowed
            total = hits.bit_count()
            facet_rows = [
                (field, value, count)
                for (field, value), mask in masks.items()
                if not field.startswith("_") and (count := (mask & hits).bit_count())
            ]
            facet_rows.sort(key=lambda c: (-c[2], c[1]))
            column, direction, tie = SORTS[query.sort]
            if query.sort is Sort.RELEVANCE:  # every score is equal without text: by name
                column = "0.0"
            params: list[Any] = []
            where = self._where(query, params)
            if query.after is not None:
                after_value, after_name = query.after
                if query.sort is Sort.RELEVANCE:
                    where.append("d.name > ?")
                    params.append(after_name)
                else:
                    where.append(keyset(f"d.{column}", direction, tie, "d.name"))
                    params.extend([after_value, after_value, after_name])
            order = "d.name ASC" if column == "0.0" else f"d.{column} {direction}, d.name {tie}"
            rows = conn.execute(
                f"SELECT d.rowid, d.name, d.doc, {'0.0' if column == '0.0' else 'd.' + column}"  # noqa: S608
                f" FROM search_docs d WHERE {' AND '.join(where)} ORDER BY {order} LIMIT ?",
                [*params, query.limit + 1],
            ).fetchall()
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return total, rows, facet_rows

    @staticmethod
    def _doc_count(conn: sqlite3.Connection) -> int:
        return int(conn.execute("SELECT count(*) FROM search_docs").fetchone()[0])

    def _plan(self, terms: list[Term]) -> list[Clause]:
        """The query plan, with mistyped words corrected from the index's own vocabulary."""
        wanted = sorted(typo_candidates(terms))
        if not wanted:
            return plan(terms)
        known: set[str] = set()
        with self._conn() as conn:
            for i in range(0, len(wanted), 500):
                chunk = wanted[i : i + 500]
                marks = ",".join("?" * len(chunk))
                known.update(
                    row[0]
                    for row in conn.execute(
                        f"SELECT word FROM search_words WHERE word IN ({marks})",  # noqa: S608
                        chunk,
                    )
                )
        return plan(terms, corrections(terms, known))

    def _search(self, query: SearchQuery) -> SearchResult:
        self._ensure()
        terms = query.terms
        clauses = self._plan(terms)
        match = match_expression(clauses)
        params: list[Any] = []
        if match is not None:
            needle = fold(query.text.replace('"', "").replace("*", "")).strip()
            source = (  # BM25 is a constant of ours; every value is bound
                "SELECT d.rowid AS rowid, d.name AS name, d.issued AS issued,"  # noqa: S608
                " d.modified AS modified, d.downloads AS downloads, d.title_sort AS title_sort,"
                f" (-{BM25} + CASE"
                " WHEN d.title_norm_zh = ? OR d.title_norm_en = ? THEN 100"
                " WHEN instr(d.title_norm_zh, ?) > 0 OR instr(d.title_norm_en, ?) > 0 THEN 30"
                " ELSE 0 END) AS score"
                " FROM search_fts JOIN search_docs d ON d.rowid = search_fts.rowid"
                " WHERE search_fts MATCH ?"
            )
            params.extend([needle, needle, needle, needle, match])
        else:
            source = (
                "SELECT d.rowid AS rowid, d.name AS name, d.issued AS issued,"
                " d.modified AS modified, d.downloads AS downloads, d.title_sort AS title_sort,"
                " 0.0 AS score FROM search_docs d WHERE 1"
            )
        where = self._where(query, params)
        filtered = f"{source} AND {' AND '.join(where)}"
        column, direction, tie = SORTS[query.sort]
        with self._conn() as conn:
            if match is None and self._browsable(query):
                total, rows, facet_rows = self._browse(conn, query)
                return self._result(query, clauses, total, rows, facet_rows)
            try:
                # The matching set is computed once into a temporary table; the count, the
                # page and the facets all read it (one snapshot: a read transaction).
                conn.execute("BEGIN")
                conn.execute(
                    "CREATE TEMP TABLE IF NOT EXISTS hits"
                    " (docid INTEGER PRIMARY KEY, name TEXT NOT NULL, sortkey)"
                )
                conn.execute("DELETE FROM temp.hits")
                conn.execute(
                    f"INSERT INTO temp.hits SELECT rowid, name, {column} FROM ({filtered})",  # noqa: S608
                    params,
                )
                total = conn.execute("SELECT count(*) FROM temp.hits").fetchone()[0]
                page_sql = (
                    "SELECT h.docid, h.name, d.doc, h.sortkey FROM temp.hits h"
                    " JOIN search_docs d ON d.rowid = h.docid"
                )
                page_params: list[Any] = []
                if query.after is not None:
                    value, name = query.after
                    page_sql += " WHERE " + keyset("h.sortkey", direction, tie, "h.name")
                    page_params.extend([value, value, name])
                page_sql += f" ORDER BY h.sortkey {direction}, h.name {tie} LIMIT ?"
                page_params.append(query.limit + 1)
                rows = conn.execute(page_sql, page_params).fetchall()
                if query.facet_size <= 0:
                    facet_rows = []
                elif total * 4 < self._doc_count(conn):
                    # Few hits: walk them and probe each one's terms (CROSS JOIN fixes the
                    # order; the planner would otherwise scan every term row).
                    facet_rows = conn.execute(
                        "SELECT t.field, t.value, count(*) AS n FROM temp.hits h"
                        " CROSS JOIN search_terms t ON t.docid = h.docid"
                        " GROUP BY t.field, t.value ORDER BY n DESC, t.value"
                    ).fetchall()
                else:
                    facet_rows = self._facets_by_bitmap(conn)
                conn.execute("COMMIT")
            except BaseException as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.OperationalError):
                    raise BadRequest(f"The search could not be run: {exc}") from exc
                raise
        return self._result(query, clauses, total, rows, facet_rows)

    def _result(
        self,
        query: SearchQuery,
        clauses: list[Clause],
        total: int,
        rows: list[Any],
        facet_rows: list[Any],
    ) -> SearchResult:
        more = len(rows) > query.limit
        rows = rows[: query.limit]
        hits = []
        for _rowid, name, raw, key in rows:
            doc = orjson.loads(raw)
            highlight = highlights(doc, clauses)
            hits.append(Hit(name=name, document=doc, highlight=highlight, sort_key=(key, name)))
        facets: dict[str, list[FacetCount]] = {f: [] for f in FACET_FIELDS}
        for field, value, count in facet_rows:
            bucket = facets.get(field)
            if bucket is None:  # a pseudo-term
                continue
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
        match = match_expression(plan(terms))
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
            needle = fold(prefix).strip()
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
