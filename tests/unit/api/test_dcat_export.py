"""DCAT-AP 3 export and /data.json, checked by parsing what is served with rdflib."""

from __future__ import annotations

from typing import Any

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, XSD
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from catalog.formats.ckan import dataset_fields
from catalog.formats.dcat import DCAT, HYDRA, VCARD, packages_from_graph
from catalog.packages import PackageService
from core.identity.models import OrgKind, Role
from tests.factories import make_dataset, make_member, make_org, make_theme, principal_of

BASE = "http://testserver"
PARSERS = {"jsonld": "json-ld", "ttl": "turtle", "rdf": "xml"}


@pytest.fixture
def world(session: Session) -> dict[str, Any]:
    dept = make_org(session, OrgKind.DEPARTMENT, name="transport-commission")
    publisher = make_member(session, dept, Role.PUBLISHER)
    make_theme(session, "transport")
    make_dataset(
        session,
        dept,
        publisher,
        name="bus-routes",
        keywords=["公交", "bus"],
        themes=["transport"],
        description={"zh": "全市公交线路", "en": "Every bus route"},
        contact_point={"name": "数据处", "email": "data@example.org"},
        spatial="上海市",
        temporal={"start": "2024-01-01", "end": "2024-12-31"},
        update_frequency="monthly",
    )
    for n in range(4):
        make_dataset(session, dept, publisher, name=f"stops-{n}")
    make_dataset(session, dept, publisher, name="closed-one", open_level="closed")
    session.commit()
    return {"publisher": publisher}


def parsed(client: TestClient, path: str, extension: str) -> Graph:
    response = client.get(path)
    assert response.status_code == 200, response.text
    graph = Graph()
    graph.parse(data=response.content, format=PARSERS[extension], publicID=BASE + path)
    return graph


@pytest.mark.parametrize("extension", ["jsonld", "ttl", "rdf"])
def test_dataset_document_has_the_dcat_ap_properties(
    client: TestClient, world: dict[str, Any], extension: str
) -> None:
    graph = parsed(client, f"/dataset/bus-routes.{extension}", extension)
    node = URIRef(f"{BASE}/dataset/bus-routes")
    assert (node, RDF.type, DCAT.Dataset) in graph
    titles = {(t.language, str(t)) for t in graph.objects(node, DCTERMS.title)}
    assert {language for language, _ in titles} == {"zh", "en"}
    assert any(text.startswith("公交线路数据") for _, text in titles)
    assert Literal("Every bus route", lang="en") in set(graph.objects(node, DCTERMS.description))
    assert {str(k) for k in graph.objects(node, DCAT.keyword)} == {"公交", "bus"}
    contact = graph.value(node, DCAT.contactPoint)
    assert graph.value(contact, VCARD.hasEmail) == URIRef("mailto:data@example.org")
    publisher = graph.value(node, DCTERMS.publisher)
    assert (publisher, RDF.type, FOAF.Organization) in graph
    assert graph.value(node, DCTERMS.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )
    assert graph.value(
        graph.value(node, DCTERMS.spatial), URIRef("http://www.w3.org/2004/02/skos/core#prefLabel")
    ) == Literal("上海市")
    period = graph.value(node, DCTERMS.temporal)
    assert graph.value(period, DCAT.startDate) == Literal("2024-01-01", datatype=XSD.date)
    assert graph.value(node, DCAT.theme) == URIRef(f"{BASE}/theme/transport")
    assert str(graph.value(node, DCTERMS.accrualPeriodicity)).endswith("/frequency/MONTHLY")
    assert str(graph.value(node, DCTERMS.accessRights)).endswith("/access-right/PUBLIC")


def test_distributions_carry_access_url_format_and_license(
    client: TestClient, world: dict[str, Any], session: Session
) -> None:
    PackageService(session, principal_of(world["publisher"])).update(
        {"id": "bus-routes", "resources": [{"url": "https://example.org/r.csv", "format": "CSV"}]},
        partial=True,
    )
    session.commit()
    graph = parsed(client, "/dataset/bus-routes.ttl", "ttl")
    distribution = graph.value(URIRef(f"{BASE}/dataset/bus-routes"), DCAT.distribution)
    assert graph.value(distribution, DCAT.accessURL) == URIRef("https://example.org/r.csv")
    assert str(graph.value(distribution, DCTERMS["format"])).endswith("/file-type/CSV")
    assert graph.value(distribution, DCTERMS.license) is not None


@pytest.mark.parametrize("extension", ["jsonld", "ttl", "rdf"])
def test_catalog_pages_with_hydra(
    client: TestClient, world: dict[str, Any], extension: str
) -> None:
    seen: list[str] = []
    path: str | None = f"/catalog.{extension}?per_page=2"
    pages = 0
    while path is not None:
        graph = parsed(client, path, extension)
        catalog = URIRef(f"{BASE}/catalog")
        assert (catalog, RDF.type, DCAT.Catalog) in graph
        seen += [str(d) for d in graph.objects(catalog, DCAT.dataset)]
        total = next(graph.objects(None, HYDRA.totalItems))
        assert int(total) == 5
        following = next(graph.objects(None, HYDRA.next), None)
        path = None if following is None else str(following).removeprefix(BASE)
        pages += 1
    assert pages == 3
    assert sorted(seen) == sorted(
        f"{BASE}/dataset/{n}" for n in ["bus-routes", "stops-0", "stops-1", "stops-2", "stops-3"]
    )  # the closed dataset is not in the public catalog


def test_closed_and_unknown_datasets_are_not_found(
    client: TestClient, world: dict[str, Any]
) -> None:
    assert client.get("/dataset/closed-one.ttl").status_code == 404
    assert client.get("/dataset/nothing-here.jsonld").status_code == 404
    assert client.get("/catalog.ttl?page=0").status_code in (400, 422)


def test_data_json_project_open_data(client: TestClient, world: dict[str, Any]) -> None:
    body: dict[str, Any] = client.get("/data.json").json()
    assert body["conformsTo"] == "https://project-open-data.cio.gov/v1.1/schema"
    names = [d["identifier"].rsplit("/", 1)[-1] for d in body["dataset"]]
    assert names == ["bus-routes", "stops-0", "stops-1", "stops-2", "stops-3"]
    bus = body["dataset"][0]
    for key in (
        "title",
        "description",
        "keyword",
        "modified",
        "publisher",
        "contactPoint",
        "identifier",
        "accessLevel",
    ):
        assert bus[key], key
    assert bus["accessLevel"] == "public"
    assert bus["accrualPeriodicity"] == "R/P1M"
    assert bus["temporal"] == "2024-01-01/2024-12-31"


def test_exported_graph_reads_back_as_the_same_metadata(
    client: TestClient, world: dict[str, Any]
) -> None:
    graph = parsed(client, "/dataset/bus-routes.rdf", "rdf")
    [package] = packages_from_graph(graph)
    fields = dataset_fields(package, "transport-commission")
    assert fields["name"] == "bus-routes"
    assert fields["description"] == {"zh": "全市公交线路", "en": "Every bus route"}
    assert fields["license"] == "CC-BY-4.0"
    assert fields["open_level"] == "open"
    assert sorted(fields["keywords"]) == ["bus", "公交"]
    assert fields["update_frequency"] == "monthly"
    assert fields["temporal"] == {"start": "2024-01-01", "end": "2024-12-31"}
    assert fields["contact_point"] == {"name": "数据处", "email": "data@example.org"}
