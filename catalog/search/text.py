"""One text pipeline for both search engines: folding, segmentation, pinyin and synonyms.

See docs/architecture.md, "Search text analysis". Everything here runs in Python at index and
at query time, so the embedded engine and Elasticsearch see the same folded text and the same
query plan; the engines differ only in how they express a plan.
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import opencc
import rjieba
import snowballstemmer
from pypinyin import lazy_pinyin

from catalog.search.query import CJK_RE, WORD_RE, Term, cjk_bigrams

SYNONYMS_FILE = Path(__file__).with_name("synonyms.txt")

# Bumped when what this pipeline indexes changes: an index built by another version is emptied
# at start-up (embedded) or replaced by an empty one (Elasticsearch) and must be rebuilt with
# `shudu search reindex`.
ANALYSIS_VERSION = 5

# Single characters that carry no meaning in a query ("城市的交通"): dropped between words.
CJK_STOP = frozenset("的和与及或之了在")

CJK_RUN_RE = re.compile(CJK_RE.pattern + "+")

_local = threading.local()


def _converters() -> tuple[opencc.OpenCC, opencc.OpenCC]:
    # Hong Kong and Taiwan variants first (台/臺, 綫/線, 裏/裡), then Traditional to Simplified.
    pair: tuple[opencc.OpenCC, opencc.OpenCC] | None = getattr(_local, "opencc", None)
    if pair is None:
        pair = _local.opencc = (opencc.OpenCC("hk2s"), opencc.OpenCC("tw2s"))
    return pair


def _script(text: str) -> str:
    hk, tw = _converters()
    return str(tw.convert(hk.convert(text)))


def fold(text: str) -> str:
    """NFKC, lower case, and one script: 臺北市空氣品質 → 台北市空气品质."""
    return _script(unicodedata.normalize("NFKC", text).lower()) if text else ""


def fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """The folded text, and for each of its characters the index of the original one.

    Highlights are found in folded text and marked on the original characters.
    """
    pieces: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        piece = unicodedata.normalize("NFKC", char).lower()
        pieces.append(piece)
        origin.extend([index] * len(piece))
    plain = "".join(pieces)
    whole = _script(plain)
    if len(whole) == len(plain):  # OpenCC's phrase tables almost always keep the length
        return whole, origin
    folded: list[str] = []
    mapped: list[int] = []
    for char, index in zip(plain, origin, strict=True):
        converted = _script(char)
        folded.append(converted)
        mapped.extend([index] * len(converted))
    return "".join(folded), mapped


# -- segmentation -------------------------------------------------------------------------------

_dictionary_lock = threading.Lock()
_dictionary: set[str] = set()


def add_user_words(words: Iterable[str]) -> None:
    """Teach the segmenter the catalog's own terms (departments, themes, tags, districts)."""
    fresh: list[str] = []
    for word in words:
        fresh.extend(run for run in CJK_RUN_RE.findall(fold(word)) if 2 <= len(run) <= 12)
    with _dictionary_lock:
        for run in fresh:
            if run not in _dictionary:
                _dictionary.add(run)
                rjieba.add_word(run, 20000, "nz")


def learn(documents: Iterable[dict[str, object]]) -> None:
    """Add the tags and departments of documents being indexed to the user dictionary."""
    words: list[str] = []
    for doc in documents:
        tags = doc.get("tags")
        if isinstance(tags, list):
            words.extend(str(t) for t in tags)
        words.append(str(doc.get("organization_title_zh") or ""))
    add_user_words(words)


def segment(run: str) -> list[str]:
    """Words of a folded CJK run: 地铁客流 → 地铁 客流.

    Dictionary words only (no guessing of new words, which would glue words together). Lone
    characters in a row form a word (月 报 → 月报); a single one joins the word before it.
    """
    words = [w for w in rjieba.cut(run, False) if w.strip()]
    if len(words) > 1:
        words = [w for w in words if not (len(w) == 1 and w in CJK_STOP)] or words
    merged: list[str] = []
    singles = ""
    for word in [*words, ""]:
        if len(word) == 1:
            singles += word
            continue
        if len(singles) == 1 and merged:
            merged[-1] += singles
        elif singles:
            merged.append(singles)
        singles = ""
        if word:
            merged.append(word)
    if len(merged) > 1 and len(merged[0]) == 1:
        merged[1] = merged[0] + merged[1]
        del merged[0]
    return merged or [run]


# -- English: stems and typos -----------------------------------------------------------------

TYPO_MIN = 5  # words this long or longer are forgiven one typo,
TYPO_MAX = 24  # up to this long (a longer "word" is not a word: no thousands of candidates)
VOCABULARY_MIN = TYPO_MIN - 1  # one deletion away from the shortest forgiven word
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_LATIN_RE = re.compile("[a-z]+")


def _stemmer() -> Any:
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:  # the Snowball stemmers keep state: one per thread
        stemmer = _local.stemmer = snowballstemmer.stemmer("english")
    return stemmer


@functools.lru_cache(maxsize=200_000)  # the Snowball stemmer is pure Python: ~80 µs a word
def stem(word: str) -> str:
    """The Snowball (Porter2) English stem of a folded word: hospitals → hospit.

    Both engines index these stems (`text_tokens`), so they need no stemmer of their own.
    Words that are not plain Latin letters stay as they are.
    """
    if len(word) < 3 or not _LATIN_RE.fullmatch(word):
        return word
    return str(_stemmer().stemWord(word))


def vocabulary_words(document: dict[str, Any]) -> set[str]:
    """The Latin words of a document that a typo may be corrected to (folded, unstemmed)."""
    texts = (
        document["title_zh"],
        document["title_en"],
        *document["tags"],
        document["organization_title_en"],
        document["description_en"],
    )
    return {w for t in texts for w in _LATIN_RE.findall(fold(t)) if len(w) >= VOCABULARY_MIN}


def one_edit(word: str) -> set[str]:
    """Every string one edit away: a letter deleted, inserted, replaced, or two swapped."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    found = {a + b[1:] for a, b in splits if b}
    found |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    found |= {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    found |= {a + c + b for a, b in splits for c in _LETTERS}
    found.discard(word)
    return found


def typo_words(terms: list[Term]) -> list[str]:
    """The words of a query that are forgiven a typo: single Latin words of TYPO_MIN letters."""
    found: list[str] = []
    for term in terms:
        word = fold(term.text)
        forgiven = not term.phrase and not term.prefix and TYPO_MIN <= len(word) <= TYPO_MAX
        if forgiven and _LATIN_RE.fullmatch(word) and word not in found:
            found.append(word)
    return found


def corrections(terms: list[Term], known: set[str]) -> dict[str, tuple[str, ...]]:
    """For each forgiven word the index does not know, the known words one edit away.

    ``known`` is the subset of the words and their one-edit neighbours that the engine's
    vocabulary holds. A word the index knows is taken as typed.
    """
    found: dict[str, tuple[str, ...]] = {}
    for word in typo_words(terms):
        if word not in known:
            near = sorted(one_edit(word) & known)
            if near:
                found[word] = tuple(near)
    return found


def typo_candidates(terms: list[Term]) -> set[str]:
    """What to look up in the vocabulary for `corrections`."""
    wanted: set[str] = set()
    for word in typo_words(terms):
        wanted |= {word, *(w for w in one_edit(word) if len(w) >= VOCABULARY_MIN)}
    return wanted


# -- pinyin ---------------------------------------------------------------------------------------


@functools.cache
def _syllables() -> frozenset[str]:
    from pypinyin.pinyin_dict import pinyin_dict

    found: set[str] = set()
    for code in pinyin_dict:
        if 0x4E00 <= code <= 0x9FFF:
            found.update(lazy_pinyin(chr(code)))
    return frozenset(s for s in found if s.isascii() and s.isalpha())


@functools.lru_cache(maxsize=4096)
def pinyin_syllables(word: str) -> tuple[str, ...] | None:
    """A Latin word read as toneless pinyin, fewest syllables first: kongqi → kong qi."""
    if not word.isascii() or not word.isalpha() or len(word) > 40:
        return None
    valid = _syllables()
    best: list[tuple[str, ...] | None] = [None] * (len(word) + 1)
    best[0] = ()
    for end in range(1, len(word) + 1):
        for start in range(max(0, end - 6), end):
            head = best[start]
            piece = word[start:end]
            if head is not None and piece in valid:
                candidate = (*head, piece)
                current = best[end]
                if current is None or len(candidate) < len(current):
                    best[end] = candidate
    return best[len(word)]


def title_pinyin(folded_title: str) -> tuple[list[str], list[str]]:
    """Syllables and initials of a title's Chinese characters, in order."""
    syllables: list[str] = []
    for run in CJK_RUN_RE.findall(folded_title):
        syllables.extend(s for s in lazy_pinyin(run) if s.isascii() and s.isalpha())
    return syllables, [s[0] for s in syllables]


def document_pinyin(document: dict[str, Any]) -> tuple[str, str]:
    """A document's indexed pinyin: syllables, then initials, of its title and tags."""
    syllables, initials = title_pinyin(fold(" ".join([document["title_zh"], *document["tags"]])))
    return " ".join(syllables), " ".join(initials)


# -- synonyms -------------------------------------------------------------------------------------

_synonyms: dict[str, tuple[str, ...]] = {}


def load_synonyms(*paths: Path) -> None:
    """Read synonym groups: one group per line, comma-separated; ``#`` starts a comment.

    The shipped file is always read; a site adds its own (``SHUDU_DATA_DIR/synonyms.txt``).
    """
    groups: dict[str, set[str]] = {}
    for path in (SYNONYMS_FILE, *paths):
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            entries = [fold(e).strip() for e in line.split("#", 1)[0].split(",")]
            group = {e for e in entries if e}
            if len(group) < 2:
                continue
            merged = set(group)
            for entry in group:
                merged |= groups.get(entry, set())
            for entry in merged:
                groups[entry] = merged
    _synonyms.clear()
    _synonyms.update({key: tuple(sorted(value - {key})) for key, value in groups.items()})


def synonyms(folded: str) -> tuple[str, ...]:
    if not _synonyms:
        load_synonyms()
    return _synonyms.get(folded, ())


# -- index tokens and query plans --------------------------------------------------------------


def text_tokens(folded: str) -> list[str]:
    """Index tokens of folded text: CJK runs as overlapping bigrams, other words stemmed."""
    tokens: list[str] = []
    for word in WORD_RE.findall(folded):
        if CJK_RE.match(word):
            tokens.extend(cjk_bigrams(word))
        else:
            tokens.append(stem(word))
    return tokens


def index_text(*texts: str) -> str:
    """What an engine indexes for texts: their tokens, joined by spaces (no analysis left)."""
    return " ".join(t for text in texts for t in text_tokens(fold(text)))


@dataclass(frozen=True, slots=True)
class Phrase:
    """Tokens that must stand together in one field group ("text", "pinyin" or "initials")."""

    text: str  # folded surface form, as the user (or a synonym) wrote it
    tokens: tuple[str, ...]
    field: str = "text"
    prefix: bool = False


Slot = tuple[Phrase, ...]  # any one of these phrases
Alternative = tuple[Slot, ...]  # every slot
Clause = tuple[Alternative, ...]  # any one alternative: one clause per term the user typed


def _phrase(text: str, prefix: bool = False) -> Phrase:
    return Phrase(text, tuple(text_tokens(text)), prefix=prefix)


def _contains(outer: tuple[str, ...], inner: tuple[str, ...]) -> bool:
    n = len(inner)
    return any(outer[i : i + n] == inner for i in range(len(outer) - n + 1))


def _slot(text: str, prefix: bool = False) -> Slot:
    """The word and its synonyms, less any synonym that holds another of them (公交车 holds 公交).

    Such a synonym matches nothing more, but its rarer tokens (交车) would score a document that
    writes the synonym above one that writes the word the user typed.
    """
    phrases = [_phrase(text, prefix), *(_phrase(s) for s in synonyms(text))]
    return tuple(
        p
        for p in phrases
        if not any(q is not p and q.tokens and _contains(p.tokens, q.tokens) for q in phrases)
        or p is phrases[0]
    )


def plan_term(term: Term, fixes: dict[str, tuple[str, ...]] | None = None) -> Clause:
    folded = fold(term.text)
    words = WORD_RE.findall(folded)
    if not words:
        return ()
    alternatives: list[Alternative] = []
    if term.phrase or len(words) > 1:
        alternatives.append(((_phrase(" ".join(words), term.prefix),),))
    elif CJK_RE.match(words[0]):
        parts = segment(words[0])
        alternatives.append(
            tuple(_slot(p, term.prefix and i == len(parts) - 1) for i, p in enumerate(parts))
        )
    else:
        alternatives.append((_slot(words[0], term.prefix),))
    whole = " ".join(words)
    alternatives.extend((_slot(near),) for near in (fixes or {}).get(whole, ()))
    if len(alternatives[0]) > 1 or len(words) > 1:  # a single slot has its synonyms already
        alternatives.extend(((_phrase(s),),) for s in synonyms(whole))
    if not CJK_RE.search(whole):
        letters = "".join(words)
        syllables = pinyin_syllables(letters)
        if syllables is not None and len(syllables) >= 2:
            alternatives.extend(_pinyin_alternatives(whole, syllables, term.prefix))
        elif len(words) == 1 and 3 <= len(letters) <= 8 and letters.isascii() and letters.isalpha():
            # Not pinyin, a short run of letters: perhaps initials (kqzl → 空气质量).
            alternatives.append(((Phrase(whole, tuple(letters), "initials"),),))
    return tuple(alternatives)


def _pinyin_alternatives(text: str, syllables: tuple[str, ...], prefix: bool) -> list[Alternative]:
    """The syllables as one phrase and, for four or more, as two-syllable words anywhere."""
    found: list[Alternative] = [((Phrase(text, syllables, "pinyin", prefix),),)]
    if len(syllables) >= 4:
        pairs = [syllables[i : i + 2] for i in range(0, len(syllables), 2)]
        found.append(tuple((Phrase(text, pair, "pinyin"),) for pair in pairs))
    return found


def _spaced_pinyin(terms: list[Term]) -> Clause | None:
    """`kong qi zhi liang`: single words that together read as pinyin make one clause."""
    if len(terms) < 2 or any(t.phrase or CJK_RE.search(t.text) for t in terms):
        return None
    parts = [pinyin_syllables(fold(t.text)) for t in terms]
    if any(p is None for p in parts) or not any(p is not None and len(p) == 1 for p in parts):
        return None
    syllables = tuple(s for p in parts if p is not None for s in p)
    text = " ".join(fold(t.text) for t in terms)
    words: Alternative = tuple(_slot(fold(t.text), t.prefix) for t in terms)
    return (words, *_pinyin_alternatives(text, syllables, terms[-1].prefix))


def plan(terms: list[Term], fixes: dict[str, tuple[str, ...]] | None = None) -> list[Clause]:
    """The query plan of the terms, with ``fixes`` (from `corrections`) for words mistyped."""
    spaced = _spaced_pinyin(terms)
    if spaced is not None:
        return [spaced]
    return [clause for clause in (plan_term(t, fixes) for t in terms) if clause]


def surface_forms(clauses: list[Clause]) -> list[tuple[str, bool]]:
    """The folded words a highlight marks (text phrases only), each with its prefix flag."""
    forms: dict[str, bool] = {}
    for clause in clauses:
        for alternative in clause:
            for slot in alternative:
                for phrase in slot:
                    if phrase.field == "text":
                        forms[phrase.text] = forms.get(phrase.text, False) or phrase.prefix
    return list(forms.items())
