"""The documentation stays navigable: every relative link in the README and ``docs/`` reaches a
file and, with a ``#fragment``, a heading in it; every code comment that cites a doc section by
title (``docs/architecture.md, "Storage"``) names a section that exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SOURCE_DIRS = ("api", "bench", "catalog", "core", "demo", "exchange", "licensing", "tests")

LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*$", re.MULTILINE)
CITATION = re.compile(r'(docs/[a-z-]+\.md), "([^"]+)"')


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]", "", heading).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _headings(path: Path) -> list[str]:
    return HEADING.findall(FENCE.sub("", path.read_text(encoding="utf-8")))


def _links(path: Path) -> list[str]:
    return LINK.findall(FENCE.sub("", path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_relative_links_resolve(document: Path) -> None:
    broken = []
    for target in _links(document):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto: …
            continue
        file_part, _, fragment = target.partition("#")
        linked = (document.parent / file_part).resolve() if file_part else document
        if not linked.exists():
            broken.append(f"{target}: no such file")
        elif (
            fragment
            and linked.suffix == ".md"
            and fragment not in {_slug(h) for h in _headings(linked)}
        ):
            broken.append(f"{target}: no such heading in {linked.name}")
    assert broken == []


def test_slug_follows_github() -> None:
    assert _slug("One licensed call, end to end") == "one-licensed-call-end-to-end"
    assert _slug("OAuth 2.0 clients") == "oauth-20-clients"
    assert _slug("`shudu worker`") == "shudu-worker"


def test_cited_doc_sections_exist() -> None:
    citations: list[tuple[Path, str, str]] = []
    for directory in SOURCE_DIRS:
        for source in (ROOT / directory).rglob("*.py"):
            text = source.read_text(encoding="utf-8")
            citations += [(source, doc, title) for doc, title in CITATION.findall(text)]
    assert len(citations) >= 10  # the kernel, catalog, exchange and licensing all cite docs
    missing = [
        f"{source.relative_to(ROOT)}: {doc}, {title!r}"
        for source, doc, title in citations
        if not (ROOT / doc).exists() or title not in _headings(ROOT / doc)
    ]
    assert missing == []
