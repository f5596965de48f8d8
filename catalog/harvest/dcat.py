"""Harvesting a DCAT catalog: JSON-LD, Turtle or RDF/XML, following Hydra paging.

The whole catalog is read on every run (DCAT has no standard "changed since" query); datasets
whose content is unchanged are skipped, so a run that was interrupted simply goes over the
pages again and writes only what it had not written yet. A dataset missing from a complete
reading is withdrawn.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
from rdflib import Graph
from rdflib.namespace import RDF
from sqlalchemy.orm import Session, sessionmaker

from catalog.formats.dcat import DCAT, next_page, package_from_graph, parse_graph
from catalog.harvest.base import (
    FetchError,
    Harvester,
    RecordError,
    RemoteDataset,
    SourceConfig,
    local_name,
)

MAX_PAGES = 10_000
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
ACCEPT = "application/ld+json, text/turtle;q=0.9, application/rdf+xml;q=0.8"


class DcatHarvester(Harvester):
    deletes_by_seen = True

    def __init__(
        self,
        source: SourceConfig,
        sessions: sessionmaker[Session],
        *,
        transport: httpx.BaseTransport | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(source, sessions, **kwargs)
        # ``transport`` lets tests answer in place of the network.
        self.http = httpx.Client(
            transport=transport,
            timeout=self.timeout,
            follow_redirects=True,
            max_redirects=5,
            headers={"Accept": ACCEPT, "User-Agent": "shudu-harvester/0.1"},
        )

    def _get(self, url: str) -> Graph:
        self.polite()
        try:
            response = self.http.get(url)
        except httpx.TimeoutException as exc:
            raise FetchError(f"{url} timed out after {self.timeout:g} s") from exc
        except httpx.TooManyRedirects as exc:
            raise FetchError(f"{url}: too many redirects (a redirect loop?)") from exc
        except httpx.HTTPError as exc:
            raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from exc
        if response.status_code != 200:
            raise FetchError(f"{url} answered HTTP {response.status_code}")
        if len(response.content) > MAX_DOCUMENT_BYTES:
            raise FetchError(f"{url} is larger than {MAX_DOCUMENT_BYTES} bytes")
        try:
            return parse_graph(
                response.content, response.headers.get("content-type", ""), str(response.url)
            )
        except Exception as exc:  # rdflib raises many kinds; all mean "not readable RDF"
            raise FetchError(f"{url} is not readable RDF: {type(exc).__name__}: {exc}") from exc

    def fetch(self) -> Iterator[list[Any]]:
        url: str | None = self.source.url
        seen: set[str] = set()
        while url is not None:
            if url in seen:
                raise FetchError(f"the paging loops back to {url}")
            if len(seen) >= MAX_PAGES:
                raise FetchError(f"more than {MAX_PAGES} pages")
            seen.add(url)
            graph = self._get(url)
            yield [
                (graph, node) for node in sorted(graph.subjects(RDF.type, DCAT.Dataset), key=str)
            ]
            url = next_page(graph)

    def parse(self, raw: Any) -> RemoteDataset:
        graph, node = raw
        try:
            package = package_from_graph(graph, node)
        except Exception as exc:  # a malformed description of one dataset
            raise RecordError(f"cannot read {node}: {exc}") from exc
        name = local_name(package.get("name"), package["title_translated"].get("en"))
        if not name:
            raise RecordError(f"{node}: no identifier or title to name it by")
        return RemoteDataset(
            remote_id=str(node),
            name=name,
            modified=package.get("metadata_modified"),
            package=package,
        )
