"""The catalog seen as CKAN packages: listing, searching and writing through CKAN dicts.

Serves the CKAN Action API (api/ckan/routes.py) and the harvesters (catalog/harvest). Every
read goes through ``visibility_condition`` and every write through ``DatasetService``, so the
rules of the catalog hold here exactly as on /api/v1.
"""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from catalog.formats.ckan import dataset_fields, license_id, resource_fields
from catalog.models import (
    Dataset,
    DatasetState,
    OpenLevel,
    Resource,
    Tag,
    Theme,
    dataset_tags,
    dataset_themes,
)
from catalog.reads import DatasetRead, read_dataset, read_datasets
from catalog.schemas import DatasetCreate, DatasetUpdate, ResourceCreate, ResourceUpdate
from catalog.search.interfaces import SearchBackend
from catalog.search.query import SearchQuery, Visibility
from catalog.services import DatasetService, visibility_condition
from core.errors import BadRequest, NotFound, ValidationFailed
from core.identity.models import Organization
from core.identity.principal import Principal

MAX_ROWS = 1000
FACETS = ("organization", "tags", "res_format", "license_id", "groups")
# fq fields CKAN clients send that say nothing in our catalog (every dataset is a dataset).
IGNORED_FQ = {"dataset_type", "type", "capacity", "state", "+dataset_type", "site_id"}
SORTS = {
    "name": Dataset.name,
    "title_string": Dataset.title_zh,
    "metadata_modified": Dataset.modified,
    "metadata_created": Dataset.created_at,
    "score": Dataset.modified,  # no relevance score without a text index: newest first
}
_FQ_TERM = re.compile(r'([+-]?[\w.]+):("(?:[^"\\]|\\.)*"|\[[^\]]*\]|\S+)')


RANKED_CAP = 10_000  # a free-text package_search counts and pages through this many matches


def split_q(q: str) -> tuple[list[str], str]:
    """q's ``field:value`` terms (they work as in fq) and what is left: the free text."""
    q = q.strip()
    if q in ("", "*:*", "*"):
        return [], ""
    fielded = [m for m in _FQ_TERM.finditer(q) if m.group(1).lstrip("+-") in (*FACETS, "name")]
    for match in reversed(fielded):
        q = q[: match.start()] + " " + q[match.end() :]
    words = [w for w in q.split() if w.upper() not in ("AND", "OR")]
    return [m.group(0) for m in fielded], " ".join(words)


async def rank(backend: SearchBackend, text: str) -> list[str]:
    """Every dataset the search engine finds for ``text``, by relevance (up to RANKED_CAP).

    The engine sees everything; what the caller may list is decided by the database.
    """
    names: list[str] = []
    after: tuple[object, ...] | None = None
    while len(names) < RANKED_CAP:
        result = await backend.search(
            SearchQuery(
                text=text,
                limit=1000,
                after=after,
                visibility=Visibility(everything=True),
                facet_size=0,
            )
        )
        names.extend(h.name for h in result.hits)
        after = result.next_after
        if after is None:
            break
    return names[:RANKED_CAP]


class SearchQueryError(BadRequest):
    """A package_search parameter that cannot be understood (CKAN's Search Query Error)."""

    code = "search_query_error"


@dataclass(slots=True)
class PackageQuery:
    q: str = ""
    fq: str = ""
    sort: str = ""
    start: int = 0
    rows: int = 10
    facet_fields: Sequence[str] = ()
    facet_limit: int = 50
    include_private: bool = False
    include_drafts: bool = False
    # The names the search engine found for q's free text, best first (see ``rank``); None
    # when q has no free text. The database still applies visibility, fq and paging.
    ranked: list[str] | None = None


@dataclass(slots=True)
class PackagePage:
    count: int
    results: list[DatasetRead]
    facets: dict[str, list[tuple[str, str, int]]] = field(default_factory=dict)  # name, label, n


@dataclass(frozen=True, slots=True)
class FqTerm:
    """One ``field:value`` of fq (or of q): a quoted or bare value, or a ``[FROM TO UNTIL]``."""

    key: str  # without its + or -
    raw: str
    negate: bool

    @property
    def is_range(self) -> bool:
        return self.raw.startswith("[")

    @property
    def value(self) -> str:
        return self.raw.strip('"').replace('\\"', '"')


def fq_terms(fq: str) -> list[FqTerm]:
    """fq's terms, those that say nothing in our catalog (IGNORED_FQ) left out."""
    rest = _FQ_TERM.sub(" ", fq)
    leftover = [w for w in rest.split() if w.upper() not in ("AND", "+")]
    if leftover:
        raise SearchQueryError(
            f"Cannot parse fq near {leftover[0]!r}; use field:value terms joined by spaces"
        )
    terms = []
    for key, raw in _FQ_TERM.findall(fq):
        bare = key.lstrip("+-")
        if bare not in IGNORED_FQ:
            terms.append(FqTerm(bare, raw, key.startswith("-")))
    return terms


def _parse_time(raw: str) -> datetime:
    text = raw.strip().strip('"')
    if text.upper().startswith("NOW"):
        return datetime.now(UTC)
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise SearchQueryError(f"Cannot read {raw!r} as a time in metadata_modified") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _range(column: Any, raw: str) -> ColumnElement[bool]:
    """Solr's ``[FROM TO UNTIL]`` with ``*`` for open ends."""
    low, sep, high = raw[1:-1].partition(" TO ")
    if not sep:
        raise SearchQueryError(f"A range is [FROM TO UNTIL], not {raw!r}")
    parts: list[ColumnElement[bool]] = []
    if low.strip() != "*":
        parts.append(column >= _parse_time(low))
    if high.strip() != "*":
        parts.append(column <= _parse_time(high))
    return and_(*parts) if parts else Dataset.id.is_not(None)


class PackageService:
    """CKAN's view of the catalog on behalf of one principal."""

    def __init__(self, session: Session, principal: Principal) -> None:
        self.session = session
        self.principal = principal
        self.datasets = DatasetService(session, principal)

    # -- reading -----------------------------------------------------------------------------

    def _listed(self, *, include_private: bool, include_drafts: bool) -> list[ColumnElement[bool]]:
        conditions = [visibility_condition(self.principal)]
        if not include_drafts:
            conditions.append(Dataset.state == DatasetState.PUBLISHED)
        if not include_private:
            conditions.append(Dataset.open_level != OpenLevel.CLOSED)
        return conditions

    def names(
        self, *, limit: int | None = None, offset: int = 0, include_private: bool = False
    ) -> list[str]:
        query = (
            select(Dataset.name)
            .where(*self._listed(include_private=include_private, include_drafts=False))
            .order_by(Dataset.name)
            .offset(offset)
        )
        if limit is not None:
            query = query.limit(limit)
        return list(self.session.scalars(query))

    def recent(self, *, limit: int, offset: int = 0) -> list[DatasetRead]:
        conditions = self._listed(include_private=False, include_drafts=False)
        order = (Dataset.modified.desc(), Dataset.name)
        return read_datasets(self.session, *conditions, order_by=order, offset=offset, limit=limit)

    @staticmethod
    def _reference(id_or_name: str) -> ColumnElement[bool]:
        condition = Dataset.name == id_or_name
        with contextlib.suppress(ValueError):
            condition = or_(condition, Dataset.id == uuid.UUID(id_or_name))
        return condition

    def get(self, id_or_name: str) -> Dataset:
        """By name or id, as CKAN's ``package_show`` finds them; invisible is missing."""
        dataset = self.session.scalar(
            select(Dataset).where(self._reference(id_or_name), visibility_condition(self.principal))
        )
        if dataset is None:
            raise NotFound(f"Dataset not found: {id_or_name}")
        return dataset

    def read(self, id_or_name: str) -> DatasetRead:
        """``get`` as a read model (catalog.reads), for ``package_show``."""
        dataset = read_dataset(
            self.session, self._reference(id_or_name), visibility_condition(self.principal)
        )
        if dataset is None:
            raise NotFound(f"Dataset not found: {id_or_name}")
        return dataset

    def _fq(self, fq: str) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        for term in fq_terms(fq):
            if term.is_range:
                if term.key not in ("metadata_modified", "metadata_created"):
                    raise SearchQueryError(
                        f"Ranges work on metadata_modified only, not {term.key!r}"
                    )
                column = Dataset.modified if term.key == "metadata_modified" else Dataset.created_at
                condition = _range(column, term.raw)
            else:
                condition = self._field_condition(term.key, term.value)
            conditions.append(~condition if term.negate else condition)
        return conditions

    def _field_condition(self, key: str, value: str) -> ColumnElement[bool]:
        if key in ("organization", "owner_org"):
            named: ColumnElement[bool] = Organization.name == value
            with contextlib.suppress(ValueError):
                named = or_(named, Organization.id == uuid.UUID(value))
            return Dataset.organization_id.in_(select(Organization.id).where(named))
        if key == "tags":
            return Dataset.id.in_(
                select(dataset_tags.c.dataset_id)
                .join(Tag, Tag.id == dataset_tags.c.tag_id)
                .where(Tag.name == value)
            )
        if key == "groups":
            return Dataset.id.in_(
                select(dataset_themes.c.dataset_id)
                .join(Theme, Theme.id == dataset_themes.c.theme_id)
                .where(Theme.code == value)
            )
        if key in ("res_format", "format"):
            return Dataset.id.in_(
                select(Resource.dataset_id).where(func.upper(Resource.format) == value.upper())
            )
        if key in ("license_id", "license"):
            return Dataset.license_id == (license_id(value) or value)
        if key == "name":
            return Dataset.name == value
        if key == "id":
            try:
                return Dataset.id == uuid.UUID(value)
            except ValueError:
                return Dataset.id.is_(None)
        raise SearchQueryError(
            f"Cannot filter on {key!r}; filter on organization, tags, groups, res_format,"
            " license_id, name or metadata_modified"
        )

    def _text(self, q: str) -> list[ColumnElement[bool]]:
        # field:value terms in q work as in fq (CKAN clients use both).
        fielded, text = split_q(q)
        conditions = [c for term in fielded for c in self._fq(term)]
        for word in text.replace('"', " ").split()[:16]:
            if word.upper() in ("AND", "OR"):
                continue
            tagged = (
                select(dataset_tags.c.dataset_id)
                .join(Tag)
                .where(Tag.name.icontains(word, autoescape=True))
            )
            conditions.append(
                or_(
                    Dataset.name.icontains(word, autoescape=True),
                    Dataset.title_zh.icontains(word, autoescape=True),
                    Dataset.title_en.icontains(word, autoescape=True),
                    Dataset.description_zh.icontains(word, autoescape=True),
                    Dataset.description_en.icontains(word, autoescape=True),
                    Dataset.id.in_(tagged),
                )
            )
        return conditions

    def _order(self, sort: str) -> list[Any]:
        if not sort.strip():
            return [Dataset.modified.desc(), Dataset.name]
        order: list[Any] = []
        for part in sort.split(","):
            words = part.split()
            if not words or len(words) > 2:
                raise SearchQueryError(f"Cannot sort by {part.strip()!r}")
            column = SORTS.get(words[0])
            direction = words[1].lower() if len(words) == 2 else "asc"
            if column is None or direction not in ("asc", "desc"):
                raise SearchQueryError(
                    f"Cannot sort by {part.strip()!r}; sort by {', '.join(SORTS)} asc or desc"
                )
            order.append(column.desc() if direction == "desc" else column.asc())
        order.append(Dataset.name)
        return order

    def search(self, query: PackageQuery) -> PackagePage:
        unknown = [f for f in query.facet_fields if f not in FACETS]
        if unknown:
            raise SearchQueryError(f"Cannot facet on {unknown[0]!r}; facet on {', '.join(FACETS)}")
        conditions = [
            *self._listed(
                include_private=query.include_private, include_drafts=query.include_drafts
            ),
            *self._fq(query.fq),
        ]
        if query.ranked is None:
            conditions += self._text(query.q)
        else:
            for term in split_q(query.q)[0]:
                conditions += self._fq(term)
            conditions.append(Dataset.name.in_(query.ranked))
        count = self.session.scalar(select(func.count(Dataset.id)).where(*conditions)) or 0
        results: list[DatasetRead] = []
        by_score = not query.sort.strip() or query.sort.split()[0] == "score"
        if query.rows > 0 and query.ranked is not None and by_score:
            # Relevance comes from the engine: order the visible matches by its rank.
            position = {name: i for i, name in enumerate(query.ranked)}
            visible = sorted(
                self.session.scalars(select(Dataset.name).where(*conditions)),
                key=lambda name: position[name],
            )
            page = visible[query.start : query.start + query.rows]
            loaded = {d.name: d for d in read_datasets(self.session, Dataset.name.in_(page))}
            results = [loaded[name] for name in page]
        elif query.rows > 0:
            results = read_datasets(
                self.session,
                *conditions,
                order_by=self._order(query.sort),
                offset=query.start,
                limit=query.rows,
            )
        facets = {
            name: self._facet(name, conditions, query.facet_limit) for name in query.facet_fields
        }
        return PackagePage(count, results, facets)

    def listed_page(
        self, count: int, names: Sequence[str], facets: Mapping[str, Sequence[tuple[str, int]]]
    ) -> PackagePage:
        """A page the search engine found (catalog.package_search), re-checked and labelled.

        The engine has public datasets only; the database still decides what may be listed, so
        a dataset withdrawn since it was indexed drops out of the page.
        """
        conditions = self._listed(include_private=False, include_drafts=False)
        loaded = {
            d.name: d for d in read_datasets(self.session, Dataset.name.in_(names), *conditions)
        }
        labels: dict[str, dict[str, str]] = {}
        for facet, key, title in (
            ("organization", Organization.name, Organization.title_zh),
            ("groups", Theme.code, Theme.title_zh),
        ):
            if facets.get(facet):
                values = [v for v, _ in facets[facet]]
                rows = self.session.execute(select(key, title).where(key.in_(values)))
                labels[facet] = {str(v): str(t) for v, t in rows if t}
        return PackagePage(
            count,
            [loaded[n] for n in names if n in loaded],
            {
                name: [(v, labels.get(name, {}).get(v) or v, n) for v, n in counts]
                for name, counts in facets.items()
            },
        )

    def _facet(
        self, name: str, conditions: list[ColumnElement[bool]], limit: int
    ) -> list[tuple[str, str, int]]:
        matching = select(Dataset.id).where(*conditions)
        n = func.count(func.distinct(Dataset.id)).label("n")
        statement: Any
        group: list[Any]
        if name == "organization":
            statement = select(Organization.name, Organization.title_zh, n).join(
                Dataset, Dataset.organization_id == Organization.id
            )
            group = [Organization.name, Organization.title_zh]
        elif name == "tags":
            statement = (
                select(Tag.name, Tag.name, n)
                .select_from(Tag)
                .join(dataset_tags, dataset_tags.c.tag_id == Tag.id)
                .join(Dataset, Dataset.id == dataset_tags.c.dataset_id)
            )
            group = [Tag.name]
        elif name == "groups":
            statement = (
                select(Theme.code, Theme.title_zh, n)
                .select_from(Theme)
                .join(dataset_themes, dataset_themes.c.theme_id == Theme.id)
                .join(Dataset, Dataset.id == dataset_themes.c.dataset_id)
            )
            group = [Theme.code, Theme.title_zh]
        elif name == "res_format":
            statement = (
                select(Resource.format, Resource.format, n)
                .select_from(Resource)
                .join(Dataset, Dataset.id == Resource.dataset_id)
            )
            group = [Resource.format]
        else:
            statement = select(Dataset.license_id, Dataset.license_id, n)
            group = [Dataset.license_id]
        statement = (
            statement.where(Dataset.id.in_(matching)).group_by(*group).order_by(n.desc(), group[0])
        )
        if limit >= 0:
            statement = statement.limit(limit)
        return [
            (str(v), str(label or v), int(c))
            for v, label, c in self.session.execute(statement)
            if v
        ]

    def organizations(self) -> list[tuple[Organization, int]]:
        """Organizations that publish, with how many listed datasets each has."""
        counted = (
            select(Dataset.organization_id, func.count(Dataset.id).label("n"))
            .where(*self._listed(include_private=False, include_drafts=False))
            .group_by(Dataset.organization_id)
            .subquery()
        )
        rows = self.session.execute(
            select(Organization, func.coalesce(counted.c.n, 0))
            .outerjoin(counted, counted.c.organization_id == Organization.id)
            .where(Organization.kind == "department")
            .order_by(Organization.name)
        )
        return [(org, int(n)) for org, n in rows]

    def themes(self) -> list[tuple[Theme, int]]:
        counted = (
            select(dataset_themes.c.theme_id, func.count(Dataset.id).label("n"))
            .join(Dataset, Dataset.id == dataset_themes.c.dataset_id)
            .where(*self._listed(include_private=False, include_drafts=False))
            .group_by(dataset_themes.c.theme_id)
            .subquery()
        )
        rows = self.session.execute(
            select(Theme, func.coalesce(counted.c.n, 0))
            .outerjoin(counted, counted.c.theme_id == Theme.id)
            .order_by(Theme.code)
        )
        return [(theme, int(n)) for theme, n in rows]

    def tags(self, query: str = "", limit: int | None = None) -> list[str]:
        statement = (
            select(Tag.name)
            .select_from(Tag)
            .join(dataset_tags, dataset_tags.c.tag_id == Tag.id)
            .join(Dataset, Dataset.id == dataset_tags.c.dataset_id)
            .where(*self._listed(include_private=False, include_drafts=False))
            .distinct()
            .order_by(Tag.name)
        )
        if query:
            statement = statement.where(Tag.name.icontains(query, autoescape=True))
        if limit is not None:
            statement = statement.limit(limit)
        return list(self.session.scalars(statement))

    # -- writing -----------------------------------------------------------------------------

    def organization_for(self, package: Mapping[str, Any]) -> str:
        """The name of the organization a package names (``owner_org``: id or name)."""
        owner = package.get("owner_org")
        candidates: list[Any] = [owner]
        nested = package.get("organization")
        if isinstance(nested, Mapping):
            candidates.append(nested.get("name"))
        for candidate in candidates:
            if not isinstance(candidate, str) or not candidate:
                continue
            condition = Organization.name == candidate
            with contextlib.suppress(ValueError):
                condition = or_(condition, Organization.id == uuid.UUID(candidate))
            org = self.session.scalar(select(Organization).where(condition))
            if org is not None:
                return org.name
        if owner is None:
            raise ValidationFailed("owner_org is missing", {"owner_org": ["Missing value"]})
        raise ValidationFailed(
            f"Organization does not exist: {owner}",
            {"owner_org": ["Organization does not exist"]},
        )

    def create(self, package: Mapping[str, Any], *, organization: str | None = None) -> Dataset:
        fields = dataset_fields(package, organization or self.organization_for(package))
        target_state = fields.pop("state")
        data = _parse(DatasetCreate, fields)
        dataset = self.datasets.create(data)
        self._replace_resources(dataset, package.get("resources"))
        if target_state == "published":
            self.datasets.publish(dataset.name)
        return dataset

    def update(
        self, package: Mapping[str, Any], *, partial: bool, organization: str | None = None
    ) -> Dataset:
        """package_update (everything given replaces) or package_patch (only what is given)."""
        reference = package.get("id") or package.get("name")
        if not isinstance(reference, str) or not reference:
            raise ValidationFailed("id is missing", {"id": ["Missing value"]})
        dataset = self.get(reference)
        fields = dataset_fields(package, organization or dataset.organization.name)
        target_state = fields.pop("state")
        for fixed in ("name", "organization"):
            fields.pop(fixed)
        if partial:
            fields = {k: v for k, v in fields.items() if _given(package, k)}
        elif fields["open_level"] != OpenLevel.OPEN.value:
            fields["license"] = None
        data = _parse(DatasetUpdate, fields)
        dataset = self.datasets.update(dataset.name, data)
        if "resources" in package:
            self._replace_resources(dataset, package.get("resources"))
        if (partial and "state" not in package) or target_state == "draft":
            return dataset
        if dataset.state is not DatasetState.PUBLISHED:
            self.datasets.publish(dataset.name)
        return dataset

    def _replace_resources(self, dataset: Dataset, resources: Any) -> None:
        if resources is None:
            return
        if not isinstance(resources, list):
            raise ValidationFailed("resources must be a list", {"resources": ["Not a list"]})
        kept: set[uuid.UUID] = set()
        by_id = {str(r.id): r for r in dataset.resources}
        for index, given in enumerate(resources):
            if not isinstance(given, Mapping):
                raise ValidationFailed(
                    "Each resource is an object", {f"resources.{index}": ["Not an object"]}
                )
            existing = by_id.get(str(given.get("id", "")))
            fields = resource_fields(given)
            if existing is not None:
                if existing.is_upload:
                    fields.pop("url", None)
                self.datasets.update_resource(existing.id, _parse(ResourceUpdate, fields))
                kept.add(existing.id)
            else:
                resource = self.datasets.add_resource(dataset.name, _parse(ResourceCreate, fields))
                kept.add(resource.id)
        for resource in list(dataset.resources):
            if resource.id not in kept:
                self.datasets.delete_resource(resource.id)

    def withdraw(self, name: str) -> None:
        dataset = self.get(name)
        if dataset.state is DatasetState.PUBLISHED:
            self.datasets.withdraw(name)


# Which CKAN keys carry each of our fields (for package_patch: change only what is given).
_SOURCES = {
    "title": ("title", "title_translated"),
    "description": ("notes", "notes_translated"),
    "open_level": ("private", "extras", "license_id"),
    "license": ("license_id", "license_url", "extras", "private"),
    "keywords": ("tags",),
    "themes": ("groups",),
    "contact_point": ("maintainer", "maintainer_email", "author", "author_email"),
    "version": ("version",),
    "grade": ("extras",),
    "update_frequency": ("extras",),
    "temporal": ("extras",),
    "spatial": ("extras",),
}


def _given(package: Mapping[str, Any], field_name: str) -> bool:
    return any(key in package for key in _SOURCES.get(field_name, (field_name,)))


def _parse(model: Any, fields: dict[str, Any]) -> Any:
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        details: dict[str, list[str]] = {}
        for err in exc.errors(include_url=False):
            path = ".".join(str(p) for p in err["loc"]) or "body"
            details.setdefault(path, []).append(err["msg"])
        raise ValidationFailed(f"Invalid fields: {', '.join(details)}", details) from exc
