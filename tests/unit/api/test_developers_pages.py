"""The developer portal lists every operation the API's own OpenAPI document has, the reference
shows each one's credentials, scopes, parameters and an example that matches its schema, and its
search works without JavaScript."""

from __future__ import annotations

import html
import json
import re
import shlex
from typing import Any

import pytest
from starlette.testclient import TestClient

from api.web.developers import fields_of, type_text

ARTICLE = re.compile(r'<article class="card op" id="op-([\w-]+)"[^>]*?( hidden)?>')


def _operations(client: TestClient) -> list[tuple[str, str, dict[str, Any]]]:
    document = client.get("/api/v1/openapi.json").json()
    return [
        (method.upper(), path, op)
        for path, methods in document["paths"].items()
        for method, op in methods.items()
    ]


def _article(page: str, operation_id: str) -> str:
    start = page.index(f'id="op-{operation_id}"')
    return page[start : page.index("</article>", start)]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_guide_and_the_reference_list_every_operation(client: TestClient, lang: str) -> None:
    operations = _operations(client)
    assert len(operations) > 60
    guide = html.unescape(client.get(f"/developers?lang={lang}").text)
    reference = client.get(f"/developers/reference?lang={lang}")
    assert reference.status_code == 200
    text = html.unescape(reference.text)
    for method, path, op in operations:
        link = f'<a href="/developers/reference#op-{op["operationId"]}"><span class="method'
        assert link in guide, (method, path)
        assert f">{method}</span> <code>{path}</code>" in guide
        article = _article(text, op["operationId"])
        assert f'<code class="op-path">{path}</code>' in article
        assert op["summary"] in article
    assert len(ARTICLE.findall(text)) == len(operations)
    assert f"{len(operations)}" in guide


def test_each_operation_shows_its_scope_parameters_and_answers(client: TestClient) -> None:
    page = html.unescape(client.get("/developers/reference?lang=en").text)
    for _method, path, op in _operations(client):
        article = _article(page, op["operationId"])
        for requirement in op.get("security", []):
            for scope in requirement.get("oauth2", []):
                assert f"<code>{scope}</code>" in article
        for parameter in op.get("parameters", []):
            assert f"<td><code>{parameter['name']}</code></td>" in article
        for status in op["responses"]:
            assert f"<strong>{status}</strong>" in article
        words = {"public": "Public: no sign-in needed", "read": "Needs credentials"}
        words["write"] = "Needs credentials that may write"
        assert words[op["x-shudu-access"]] in article
        assert path in article.split("<pre", 1)[1]  # the example calls this path


def test_every_json_example_carries_the_schema_required_fields(client: TestClient) -> None:
    document = client.get("/api/v1/openapi.json").json()
    components = document["components"]["schemas"]
    page = html.unescape(client.get("/developers/reference").text)
    checked = 0
    for _method, _path, op in _operations(client):
        content = op.get("requestBody", {}).get("content", {})
        if "application/json" not in content or "multipart/form-data" in content:
            continue
        example = _article(page, op["operationId"]).split("<pre", 1)[1].split("<code>", 1)[1]
        example = example.split("</code>", 1)[0]
        words = shlex.split(example.replace("\\\n", " "))
        body = json.loads(words[words.index("-d") + 1])
        schema = content["application/json"]["schema"]
        required = {f.name for f in fields_of(schema, components) if f.required}
        assert required <= set(body), op["operationId"]
        assert '"Authorization: Bearer $SHUDU_TOKEN"' in example or op["x-shudu-access"] == "public"
        checked += 1
    assert checked > 20


def test_the_reference_search_works_without_javascript(client: TestClient) -> None:
    page = client.get("/developers/reference", params={"q": "records", "lang": "en"}).text
    shown = [i for i, hidden in ARTICLE.findall(page) if not hidden]
    hidden = [i for i, h in ARTICLE.findall(page) if h]
    assert set(shown) == {"records_get", "records_post"}
    assert hidden  # the rest stay on the page, hidden, for the script to show again
    assert f"Showing 2 of {len(shown) + len(hidden)} operations" in page
    assert 'id="ref-empty" hidden' in page

    # Every word must match: POST operations that take the exchange:apply scope.
    scoped = html.unescape(
        client.get("/developers/reference", params={"q": "POST exchange:apply"}).text
    )
    shown = [i for i, hidden in ARTICLE.findall(scoped) if not hidden]
    assert len(shown) > 3
    for operation_id in shown:
        article = _article(scoped, operation_id)
        assert ">POST</span>" in article
        assert "<code>exchange:apply</code>" in article

    nothing = client.get("/developers/reference", params={"q": "zzzxq", "lang": "en"}).text
    assert not [i for i, hidden in ARTICLE.findall(nothing) if not hidden]
    assert 'id="ref-empty">' in nothing
    assert "No operation matches" in nothing


def test_the_status_reports_what_answered(client: TestClient) -> None:
    page = html.unescape(client.get("/developers?lang=en").text)
    status = page[page.index('id="status-h"') :]
    assert "Database</dt><dd>" in status
    assert "answered in" in status
    assert "0 datasets indexed" in status
    assert "No checkpoint yet" in status


def test_type_text_reads_like_a_type() -> None:
    assert type_text({"type": "string", "format": "uuid"}) == "string (uuid)"
    assert type_text({"anyOf": [{"type": "integer"}, {"type": "null"}]}) == "integer | null"
    assert type_text({"type": "array", "items": {"$ref": "#/components/schemas/Theme"}}) == (
        "Theme[]"
    )
    assert type_text({"type": "array", "items": {"enum": ["a", "b"]}}) == '("a" | "b")[]'
