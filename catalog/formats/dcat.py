"""DCAT-AP 3: our datasets as RDF graphs, and RDF graphs as CKAN-like package dicts.

Pure functions over ``rdflib`` graphs, no I/O. Export builds the mandatory and recommended
properties of DCAT-AP 3 (title, description, contact point, distributions with access URL,
format and license, keywords, publisher, spatial, temporal, themes, access rights, frequency)
and pages catalogs with Hydra. Import (for harvesting) reads the same properties back into the
package dicts that ``catalog.packages`` writes, so both harvesters share one write path.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from catalog.licenses import OPEN_LICENSES
from catalog.models import Frequency, OpenLevel
from catalog.reads import DatasetRead, ResourceRead

# DCAT 3 (rdflib's closed DCAT namespace is DCAT 2 and lacks dcat:version).
DCAT = Namespace("http://www.w3.org/ns/dcat#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
EU = "http://publications.europa.eu/resource/authority/"
FILE_TYPE = Namespace(EU + "file-type/")
FREQUENCY = Namespace(EU + "frequency/")
ACCESS_RIGHT = Namespace(EU + "access-right/")
IANA = "https://www.iana.org/assignments/media-types/"

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

FREQUENCIES = {
    Frequency.REALTIME: FREQUENCY.UPDATE_CONT,
    Frequency.DAILY: FREQUENCY.DAILY,
    Frequency.WEEKLY: FREQUENCY.WEEKLY,
    Frequency.MONTHLY: FREQUENCY.MONTHLY,
    Frequency.QUARTERLY: FREQUENCY.QUARTERLY,
    Frequency.ANNUAL: FREQUENCY.ANNUAL,
    Frequency.IRREGULAR: FREQUENCY.IRREG,
}
ACCESS_RIGHTS = {
    OpenLevel.OPEN: ACCESS_RIGHT.PUBLIC,
    OpenLevel.CONDITIONAL: ACCESS_RIGHT.RESTRICTED,
    OpenLevel.CLOSED: ACCESS_RIGHT.NON_PUBLIC,
}

JSONLD_CONTEXT = {
    "dcat": str(DCAT),
    "dct": str(DCTERMS),
    "foaf": str(FOAF),
    "vcard": str(VCARD),
    "hydra": str(HYDRA),
    "skos": str(SKOS),
    "spdx": str(SPDX),
    "xsd": str(XSD),
    "rdfs": str(RDFS),
}
FORMATS = {"jsonld": "json-ld", "ttl": "turtle", "rdf": "pretty-xml"}
MEDIA_TYPES = {
    "jsonld": "application/ld+json",
    "ttl": "text/turtle; charset=utf-8",
    "rdf": "application/rdf+xml",
}


def new_graph() -> Graph:
    graph = Graph()
    for prefix, uri in JSONLD_CONTEXT.items():
        graph.bind(prefix, Namespace(uri))
    return graph


def _text(graph: Graph, subject: Node, predicate: URIRef, zh: str, en: str) -> None:
    if zh:
        graph.add((subject, predicate, Literal(zh, lang="zh")))
    if en:
        graph.add((subject, predicate, Literal(en, lang="en")))


def dataset_uri(base_url: str, name: str) -> URIRef:
    return URIRef(f"{base_url}/dataset/{name}")


def _distribution(
    graph: Graph,
    dataset: DatasetRead,
    resource: ResourceRead,
    base_url: str,
    license_uri: str | None,
) -> Node:
    node = URIRef(f"{base_url}/dataset/{dataset.name}/resource/{resource.id}")
    graph.add((node, RDF.type, DCAT.Distribution))
    if resource.name:
        graph.add((node, DCTERMS.title, Literal(resource.name)))
    if resource.description:
        graph.add((node, DCTERMS.description, Literal(resource.description)))
    if resource.is_upload:
        download = URIRef(f"{base_url}/api/v1/resources/{resource.id}/download")
        graph.add((node, DCAT.accessURL, download))
        graph.add((node, DCAT.downloadURL, download))
    elif resource.url:
        graph.add((node, DCAT.accessURL, URIRef(resource.url)))
    if resource.format:
        graph.add((node, DCTERMS["format"], FILE_TYPE[resource.format.upper()]))
    if resource.media_type:
        graph.add((node, DCAT.mediaType, URIRef(IANA + resource.media_type)))
    if resource.size is not None:
        graph.add((node, DCAT.byteSize, Literal(resource.size, datatype=XSD.nonNegativeInteger)))
    if resource.sha256:
        checksum = BNode()
        graph.add((node, SPDX.checksum, checksum))
        graph.add((checksum, RDF.type, SPDX.Checksum))
        graph.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        graph.add((checksum, SPDX.checksumValue, Literal(resource.sha256, datatype=XSD.hexBinary)))
    if license_uri:
        graph.add((node, DCTERMS.license, URIRef(license_uri)))
    graph.add((node, DCTERMS.modified, Literal(resource.modified, datatype=XSD.dateTime)))
    return node


def add_dataset(graph: Graph, dataset: DatasetRead, base_url: str) -> URIRef:
    """Describe one dataset (and its distributions, publisher, contact point) in ``graph``."""
    node = dataset_uri(base_url, dataset.name)
    graph.add((node, RDF.type, DCAT.Dataset))
    graph.add((node, DCTERMS.identifier, Literal(dataset.name)))
    _text(graph, node, DCTERMS.title, dataset.title_zh, dataset.title_en)
    _text(graph, node, DCTERMS.description, dataset.description_zh, dataset.description_en)
    for tag in sorted(t.name for t in dataset.tags):
        graph.add((node, DCAT.keyword, Literal(tag, lang="zh" if CJK.search(tag) else "en")))
    for theme in dataset.themes:
        theme_node = URIRef(f"{base_url}/theme/{theme.code}")
        graph.add((node, DCAT.theme, theme_node))
        graph.add((theme_node, RDF.type, SKOS.Concept))
        graph.add((theme_node, SKOS.notation, Literal(theme.code)))
        _text(graph, theme_node, SKOS.prefLabel, theme.title_zh, theme.title_en)

    org = dataset.organization
    publisher = URIRef(f"{base_url}/organization/{org.name}")
    graph.add((node, DCTERMS.publisher, publisher))
    graph.add((publisher, RDF.type, FOAF.Organization))
    graph.add((publisher, DCTERMS.identifier, Literal(org.name)))
    _text(graph, publisher, FOAF.name, org.title_zh, org.title_en or org.name)

    contact = URIRef(f"{node}#contact")
    graph.add((node, DCAT.contactPoint, contact))
    graph.add((contact, RDF.type, VCARD.Kind))
    graph.add((contact, VCARD.fn, Literal(dataset.contact_name or org.title_zh or org.title_en)))
    if dataset.contact_email:
        graph.add((contact, VCARD.hasEmail, URIRef(f"mailto:{dataset.contact_email}")))

    graph.add((node, DCTERMS.accessRights, ACCESS_RIGHTS[dataset.open_level]))
    license_ = OPEN_LICENSES.get(dataset.license_id or "")
    if license_ is not None:
        graph.add((node, DCTERMS.license, URIRef(license_.url)))
    if dataset.update_frequency is not None:
        graph.add((node, DCTERMS.accrualPeriodicity, FREQUENCIES[dataset.update_frequency]))
    if dataset.spatial:
        place = URIRef(f"{node}#spatial")
        graph.add((node, DCTERMS.spatial, place))
        graph.add((place, RDF.type, DCTERMS.Location))
        graph.add((place, SKOS.prefLabel, Literal(dataset.spatial)))
    if dataset.temporal_start or dataset.temporal_end:
        period = URIRef(f"{node}#temporal")
        graph.add((node, DCTERMS.temporal, period))
        graph.add((period, RDF.type, DCTERMS.PeriodOfTime))
        if dataset.temporal_start:
            graph.add((period, DCAT.startDate, Literal(dataset.temporal_start, datatype=XSD.date)))
        if dataset.temporal_end:
            graph.add((period, DCAT.endDate, Literal(dataset.temporal_end, datatype=XSD.date)))
    if dataset.issued is not None:
        graph.add((node, DCTERMS.issued, Literal(dataset.issued, datatype=XSD.dateTime)))
    graph.add((node, DCTERMS.modified, Literal(dataset.modified, datatype=XSD.dateTime)))
    graph.add((node, DCAT.version, Literal(dataset.version)))
    graph.add((node, DCAT.landingPage, node))
    license_uri = license_.url if license_ else None
    for resource in dataset.resources:
        graph.add(
            (
                node,
                DCAT.distribution,
                _distribution(graph, dataset, resource, base_url, license_uri),
            )
        )
    return node


@dataclass(frozen=True, slots=True)
class CatalogPage:
    """Where this page sits in the whole catalog (Hydra paging)."""

    page: int
    per_page: int
    total: int

    @property
    def last(self) -> int:
        return max(1, -(-self.total // self.per_page))


def catalog_graph(
    datasets: Iterable[DatasetRead], base_url: str, page: CatalogPage, extension: str
) -> Graph:
    graph = new_graph()
    catalog = URIRef(f"{base_url}/catalog")
    graph.add((catalog, RDF.type, DCAT.Catalog))
    _text(graph, catalog, DCTERMS.title, "数都公共数据开放平台", "Shudu open data portal")
    _text(
        graph,
        catalog,
        DCTERMS.description,
        "城市公共数据的开放目录",
        "The open catalog of the city's public data",
    )
    graph.add((catalog, FOAF.homepage, URIRef(f"{base_url}/")))
    portal = URIRef(f"{base_url}/")
    graph.add((catalog, DCTERMS.publisher, portal))
    graph.add((portal, RDF.type, FOAF.Agent))
    graph.add((portal, FOAF.name, Literal("Shudu")))
    for dataset in datasets:
        graph.add((catalog, DCAT.dataset, add_dataset(graph, dataset, base_url)))

    def url(number: int) -> URIRef:
        return URIRef(f"{base_url}/catalog.{extension}?page={number}&per_page={page.per_page}")

    view = url(page.page)
    # Both vocabularies: hydra:PartialCollectionView (Hydra core) and the older
    # hydra:PagedCollection that CKAN's DCAT harvester reads.
    graph.add((view, RDF.type, HYDRA.PartialCollectionView))
    graph.add((view, RDF.type, HYDRA.PagedCollection))
    graph.add((view, HYDRA.totalItems, Literal(page.total, datatype=XSD.integer)))
    graph.add((view, HYDRA.itemsPerPage, Literal(page.per_page, datatype=XSD.integer)))
    for first, last in ((HYDRA.first, HYDRA.last), (HYDRA.firstPage, HYDRA.lastPage)):
        graph.add((view, first, url(1)))
        graph.add((view, last, url(page.last)))
    if page.page < page.last:
        graph.add((view, HYDRA.next, url(page.page + 1)))
        graph.add((view, HYDRA.nextPage, url(page.page + 1)))
    if page.page > 1:
        graph.add((view, HYDRA.previous, url(page.page - 1)))
        graph.add((view, HYDRA.previousPage, url(page.page - 1)))
    return graph


def dataset_graph(dataset: DatasetRead, base_url: str) -> Graph:
    graph = new_graph()
    add_dataset(graph, dataset, base_url)
    return graph


def serialize(graph: Graph, extension: str) -> bytes:
    fmt = FORMATS[extension]
    if fmt == "json-ld":
        out = graph.serialize(format="json-ld", context=JSONLD_CONTEXT, auto_compact=True)
    else:
        out = graph.serialize(format=fmt)
    return out.encode("utf-8")


# -- RDF to package dicts (harvesting) --------------------------------------------------------


def next_page(graph: Graph) -> str | None:
    """The next page of a Hydra-paged catalog, if the graph names one."""
    for predicate in (HYDRA.next, HYDRA.nextPage):
        for value in graph.objects(None, predicate):
            return str(value)
    return None


def _literals(graph: Graph, subject: Node, predicate: URIRef) -> list[Literal]:
    return [o for o in graph.objects(subject, predicate) if isinstance(o, Literal)]


def _by_language(graph: Graph, subject: Node, predicate: URIRef) -> dict[str, str]:
    out = {"zh": "", "en": ""}
    for value in _literals(graph, subject, predicate):
        language = (value.language or "").lower()
        text = str(value).strip()
        if language.startswith("zh"):
            out["zh"] = out["zh"] or text
        elif language.startswith("en"):
            out["en"] = out["en"] or text
        elif CJK.search(text):
            out["zh"] = out["zh"] or text
        else:
            out["en"] = out["en"] or text
    return out


def _first(graph: Graph, subject: Node, predicate: URIRef) -> Node | None:
    for value in graph.objects(subject, predicate):
        return value
    return None


def _label(graph: Graph, node: Node | None) -> str:
    if node is None:
        return ""
    if isinstance(node, Literal):
        return str(node).strip()
    for predicate in (SKOS.prefLabel, RDFS.label, DCTERMS.title, FOAF.name, VCARD.fn):
        value = _first(graph, node, predicate)
        if isinstance(value, Literal):
            return str(value).strip()
    return str(node) if isinstance(node, URIRef) else ""


def slug(text: str) -> str:
    """A dataset name from an identifier or URI: lowercase ASCII letters, digits and dashes."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return words[:100].strip("-")


def _remote_name(graph: Graph, node: Node) -> str:
    identifier = _first(graph, node, DCTERMS.identifier)
    candidates = [str(identifier) if identifier is not None else ""]
    if isinstance(node, URIRef):
        candidates.append(str(node).rstrip("/").rsplit("/", 1)[-1])
    for candidate in candidates:
        name = slug(candidate.rsplit("/", 1)[-1])
        if len(name) >= 3:
            return name
    return ""


def _date(node: Node | None) -> str:
    if not isinstance(node, Literal):
        return ""
    value = node.toPython()
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(node)[:10]


def _modified(node: Node | None) -> str | None:
    if not isinstance(node, Literal):
        return None
    value = node.toPython()
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day).isoformat()
    return str(node)


_REVERSE_FREQUENCY = {str(uri): f.value for f, uri in FREQUENCIES.items()}
_REVERSE_ACCESS = {str(uri): level.value for level, uri in ACCESS_RIGHTS.items()}


def _resources(graph: Graph, node: Node) -> tuple[list[dict[str, Any]], str]:
    resources: list[dict[str, Any]] = []
    license_uri = ""
    for distribution in graph.objects(node, DCAT.distribution):
        url = _first(graph, distribution, DCAT.downloadURL) or _first(
            graph, distribution, DCAT.accessURL
        )
        fmt = _first(graph, distribution, DCTERMS["format"])
        fmt_text = (
            str(fmt).rstrip("/").rsplit("/", 1)[-1]
            if isinstance(fmt, URIRef)
            else _label(graph, fmt)
        )
        media = _first(graph, distribution, DCAT.mediaType)
        media_text = str(media).removeprefix(IANA) if media is not None else ""
        title = _by_language(graph, distribution, DCTERMS.title)
        description = _by_language(graph, distribution, DCTERMS.description)
        resources.append(
            {
                "name": title["zh"] or title["en"],
                "description": description["zh"] or description["en"],
                "format": fmt_text.upper(),
                "mimetype": media_text,
                "url": str(url) if url is not None else "",
            }
        )
        found = _first(graph, distribution, DCTERMS.license)
        if found is not None and not license_uri:
            license_uri = str(found)
    return resources, license_uri


def package_from_graph(graph: Graph, node: Node) -> dict[str, Any]:
    """A CKAN-like package dict for one dcat:Dataset (``catalog.formats.ckan`` reads it)."""
    title = _by_language(graph, node, DCTERMS.title)
    notes = _by_language(graph, node, DCTERMS.description)
    resources, distribution_license = _resources(graph, node)
    license_node = _first(graph, node, DCTERMS.license)
    license_uri = str(license_node) if license_node is not None else distribution_license
    contact = _first(graph, node, DCAT.contactPoint)
    email = _first(graph, contact, VCARD.hasEmail) if contact is not None else None
    extras: dict[str, str] = {}
    frequency = _first(graph, node, DCTERMS.accrualPeriodicity)
    if frequency is not None and str(frequency) in _REVERSE_FREQUENCY:
        extras["frequency"] = _REVERSE_FREQUENCY[str(frequency)]
    access = _first(graph, node, DCTERMS.accessRights)
    if access is not None and str(access) in _REVERSE_ACCESS:
        extras["open_level"] = _REVERSE_ACCESS[str(access)]
    spatial = _label(graph, _first(graph, node, DCTERMS.spatial))
    if spatial:
        extras["spatial"] = spatial[:200]
    period = _first(graph, node, DCTERMS.temporal)
    if period is not None:
        start = _first(graph, period, DCAT.startDate) or _first(
            graph, period, URIRef("http://schema.org/startDate")
        )
        end = _first(graph, period, DCAT.endDate) or _first(
            graph, period, URIRef("http://schema.org/endDate")
        )
        if start is not None:
            extras["temporal_start"] = _date(start)
        if end is not None:
            extras["temporal_end"] = _date(end)
    themes = [_label(graph, t) for t in graph.objects(node, DCAT.theme)]
    version = _first(graph, node, DCAT.version) or _first(
        graph, node, URIRef("http://www.w3.org/2002/07/owl#versionInfo")
    )
    return {
        "id": str(node),
        "name": _remote_name(graph, node),
        "title_translated": title,
        "notes_translated": notes,
        "tags": [{"name": str(k).strip()[:100]} for k in _literals(graph, node, DCAT.keyword)],
        "groups": [{"name": slug(t)} for t in themes if slug(t)],
        "license_id": license_uri,
        "maintainer": _label(graph, contact)[:200] if contact is not None else "",
        "maintainer_email": str(email).removeprefix("mailto:") if email is not None else "",
        "version": str(version) if version is not None else "",
        "metadata_modified": _modified(_first(graph, node, DCTERMS.modified)),
        "extras": [{"key": k, "value": v} for k, v in extras.items()],
        "resources": resources,
    }


def packages_from_graph(graph: Graph) -> list[dict[str, Any]]:
    return [
        package_from_graph(graph, node)
        for node in sorted(graph.subjects(RDF.type, DCAT.Dataset), key=str)
    ]


def parse_graph(content: bytes, content_type: str, url: str) -> Graph:
    """Parse an RDF document; the format from its media type, else from the URL's suffix."""
    kind = content_type.split(";")[0].strip().lower()
    fmt = {
        "application/ld+json": "json-ld",
        "application/json": "json-ld",
        "text/turtle": "turtle",
        "application/x-turtle": "turtle",
        "application/rdf+xml": "xml",
        "application/xml": "xml",
        "text/xml": "xml",
        "text/n3": "n3",
    }.get(kind)
    if fmt is None:
        path = url.split("?")[0].lower()
        fmt = next(
            (
                f
                for suffix, f in (
                    (".jsonld", "json-ld"),
                    (".ttl", "turtle"),
                    (".rdf", "xml"),
                    (".xml", "xml"),
                )
                if path.endswith(suffix)
            ),
            None,
        )
    if fmt is None:
        raise ValueError(f"not an RDF document (content type {kind or 'missing'!r})")
    graph = Graph()
    graph.parse(data=content, format=fmt, publicID=url)
    return graph
