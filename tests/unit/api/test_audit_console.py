"""The regulator console over the app: signed in through the real pages (TOTP enrolled), the
ledger searched and narrowed, bad filters answered in the page's language with the form kept,
entries read with their leaf hash, saved filters (CSRF) and the streamed exports; nobody but a
regulator or an admin gets in."""

from __future__ import annotations

import base64
import csv
import html
import io
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from api.html import SITE_TIMEZONE
from api.web.audit_console import TYPE_WORDS
from core import ledger, merkle
from core.identity.models import OrgKind, Role
from exchange.ledger.checkpoints import checkpoint_now
from exchange.ledger.models import SavedFilter
from exchange.ledger.saved import MAX_SAVED
from exchange.ledger.services import EXTRACT_FORMAT
from exchange.ledger.verify import read_jsonl, verify_records
from exchange.states import Action, EntitlementAction
from tests.factories import PASSWORD, make_member, make_org, make_user, token_for
from tests.signin import csrf_of, sign_in

ROOT = Path(__file__).resolve().parents[3]
ROW = re.compile(r'href="/console/audit/entries/(\d+)"')


@pytest.fixture
def world(client: TestClient, session: Session, sessions: sessionmaker[Session]) -> dict[str, Any]:
    regulator = make_member(session, make_org(session, OrgKind.REGULATOR), Role.REGULATOR)
    dept = make_org(session, OrgKind.DEPARTMENT, name="city-transport")
    enterprise = make_org(session, OrgKind.ENTERPRISE, name="acme-analytics")
    applicant = make_member(session, enterprise, Role.MEMBER)
    member = make_member(session, make_org(session, OrgKind.ENTERPRISE), Role.MEMBER)
    admin = make_user(session, admin=True)
    for i in range(3):
        ledger.append(
            session,
            "exchange.application.submit",
            actor=applicant.id,
            org=enterprise.id,
            subject=f"application:app-{i}",
            data={"state": "submitted", "offer": f"offer-{i}", "clients": ["c1"]},
        )
    ledger.append(session, "dataset.published", org=dept.id, subject="dataset:d1", data={})
    token = token_for(session, regulator)
    session.commit()
    checkpoint_now(sessions, client.app.state.audit.signer)  # type: ignore[attr-defined]
    return {
        "regulator": regulator.email,
        "token": token,
        "applicant": applicant.email,
        "member": member.email,
        "admin": admin.email,
        "enterprise": enterprise,
        "dept": dept,
    }


def _seqs(page: str) -> list[int]:
    return [int(s) for s in ROW.findall(page)]


def test_not_signed_in_goes_to_login_and_a_member_gets_403(
    client: TestClient, world: dict[str, Any]
) -> None:
    for path in ("/console/audit", "/console/audit/entries/0", "/console/audit/export"):
        away = client.get(path, follow_redirects=False)
        assert away.status_code == 303
        assert away.headers["location"].startswith("/login?next=%2Fconsole%2Faudit")
    sign_in(client, world["member"], PASSWORD)
    for path in ("/console/audit", "/console/audit/entries/0", "/console/audit/export?format=csv"):
        refused = client.get(path)
        assert refused.status_code == 403, path
        assert "没有权限查看" in refused.text
        assert "application:app-0" not in refused.text


def test_an_admin_gets_in(client: TestClient, world: dict[str, Any]) -> None:
    sign_in(client, world["admin"], PASSWORD)
    assert client.get("/console/audit").status_code == 200


def test_search_filters_narrow_the_results(client: TestClient, world: dict[str, Any]) -> None:
    sign_in(client, world["regulator"], PASSWORD, "/console/audit")
    everything = client.get("/console/audit")
    assert everything.status_code == 200
    all_seqs = _seqs(everything.text)
    assert len(all_seqs) >= 8  # orgs, users, memberships and the four entries above
    assert 'class="audit-bars"' in everything.text  # the counts chart, with its data table
    assert "申请已提交" in everything.text  # types as words, never the code alone
    assert "exchange.application.submit</td>" not in everything.text

    submitted = client.get("/console/audit?type=exchange.application.submit")
    seqs = _seqs(submitted.text)
    assert len(seqs) == 3
    assert "共 3 条记录符合条件" in submitted.text
    assert world["applicant"] in submitted.text  # the actor shown by e-mail
    assert "测试机构" in submitted.text  # the organization by its title
    assert 'value="exchange.application.submit" selected' in submitted.text

    by_org = _seqs(client.get("/console/audit?organization=city-transport").text)
    assert len(by_org) == 2  # organization.created and dataset.published
    by_actor = client.get(f"/console/audit?actor={world['applicant']}")
    assert set(_seqs(by_actor.text)) >= set(seqs)
    by_subject = _seqs(client.get("/console/audit?subject=application:app-1").text)
    assert len(by_subject) == 1
    assert by_subject[0] in seqs
    # The dates are the city's local days, the last one included.
    day = datetime.now(SITE_TIMEZONE).date().isoformat()
    same_day = _seqs(client.get(f"/console/audit?since={day}&until={day}").text)
    assert sorted(same_day) == sorted(all_seqs)
    none = client.get("/console/audit?since=2001-01-01&until=2001-01-31")
    assert _seqs(none.text) == []
    assert "共 0 条记录符合条件" in none.text


def test_paging_with_next_page(
    client: TestClient, world: dict[str, Any], session: Session, sessions: sessionmaker[Session]
) -> None:
    for i in range(55):
        ledger.append(session, "exchange.access", subject=f"entitlement:e{i}", data={"i": i})
    session.commit()
    sign_in(client, world["regulator"], PASSWORD)
    first = client.get("/console/audit?type=exchange.access")
    assert len(_seqs(first.text)) == 50
    assert "共 55 条记录符合条件" in first.text
    match = re.search(r'href="(/console/audit\?[^"]+)" rel="next"', first.text)
    assert match is not None
    second = client.get(html.unescape(match.group(1)))
    assert len(_seqs(second.text)) == 5
    assert set(_seqs(second.text)).isdisjoint(_seqs(first.text))


@pytest.mark.parametrize(
    ("lang", "words"),
    [("zh", "“起始日期”不是日期"), ("en", "“From” is not a date")],
)
def test_a_bad_date_is_400_in_the_page_language_with_the_form_kept(
    client: TestClient, world: dict[str, Any], lang: str, words: str
) -> None:
    sign_in(client, world["regulator"], PASSWORD)
    bad = client.get(f"/console/audit?since=yesterday&subject=application:app-1&lang={lang}")
    assert bad.status_code == 400
    text = html.unescape(bad.text)
    assert words in text
    assert 'value="application:app-1"' in text  # the form comes back filled in
    assert 'id="f-since" name="since" type="date" value="yesterday" aria-invalid="true"' in text


@pytest.mark.parametrize(
    ("query", "status", "words"),
    [
        ("since=2026-12-10&until=2026-12-01", 400, "起始日期晚于截止日期"),
        ("until=2026-02-30", 400, "“截止日期”不是日期"),
        ("organization=no-such-org", 422, "没有名为“no-such-org”的机构"),
        ("type=no.such.type", 422, "没有“no.such.type”这种记录类型"),
        ("actor=nobody@example.org", 422, "没有使用“nobody@example.org”这个邮箱的用户"),
        ("after=x", 400, "翻页参数无效"),
    ],
)
def test_unknown_and_bad_filters_are_said_never_a_500(
    client: TestClient, world: dict[str, Any], query: str, status: int, words: str
) -> None:
    sign_in(client, world["regulator"], PASSWORD)
    response = client.get(f"/console/audit?{query}")
    assert response.status_code == status, response.text[:500]
    assert words in html.unescape(response.text)


def test_the_entry_page_shows_every_field_and_its_leaf_hash(
    client: TestClient, world: dict[str, Any]
) -> None:
    sign_in(client, world["regulator"], PASSWORD)
    seq = _seqs(client.get("/console/audit?subject=application:app-2").text)[0]
    page = client.get(f"/console/audit/entries/{seq}")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "申请已提交" in text
    assert "测试机构" in text
    assert world["applicant"] in text
    assert "<code>offer</code></dt><dd" in text
    assert "offer-2" in text
    canonical = re.search(r'<code id="entry-canonical">([^<]+)</code>', text)
    leaf = re.search(r'<code id="entry-leaf">([^<]+)</code>', text)
    assert canonical is not None
    assert leaf is not None
    expected = merkle.leaf_hash(canonical.group(1).encode())
    assert base64.b64encode(expected).decode() == leaf.group(1)
    assert f'data-index="{seq}"' in text
    assert 'data-mode="entry"' in text
    assert f"index={seq}&size=SIZE" in text  # the commands without JavaScript
    english = client.get(f"/console/audit/entries/{seq}?lang=en").text
    assert "Application submitted" in english
    assert client.get("/console/audit/entries/999999").status_code == 404
    assert client.get("/console/audit/entries/abc").status_code == 404


def test_saved_filters_are_created_listed_deleted_and_need_csrf(
    client: TestClient, world: dict[str, Any], session: Session
) -> None:
    sign_in(client, world["regulator"], PASSWORD)
    page = client.get("/console/audit?type=exchange.application.submit")
    form = {
        "csrf_token": csrf_of(page.text),
        "action": "save",
        "name": "  企业 申请  ",
        "type": "exchange.application.submit",
    }
    refused = client.post("/console/audit/filters", data={**form, "csrf_token": "forged"})
    assert refused.status_code == 403
    assert session.scalars(select(SavedFilter)).all() == []

    saved = client.post("/console/audit/filters", data=form, follow_redirects=False)
    assert saved.status_code == 303
    listed = client.get(saved.headers["location"])
    assert "筛选条件已保存" in listed.text
    assert '<a href="/console/audit?type=exchange.application.submit">企业 申请</a>' in listed.text

    twice = client.post("/console/audit/filters", data=form)
    assert twice.status_code == 409
    assert "已经有同名的筛选条件" in twice.text
    assert 'value="  企业 申请  "' in twice.text  # the name comes back as typed
    empty = client.post("/console/audit/filters", data={**form, "name": " "})
    assert empty.status_code == 422
    assert "请给筛选条件起个名字" in empty.text
    bad = client.post("/console/audit/filters", data={**form, "name": "x", "since": "nope"})
    assert bad.status_code == 400
    assert "“起始日期”不是日期" in html.unescape(bad.text)
    english = client.post("/console/audit/filters?lang=en", data={**form, "name": "y" * 81})
    assert english.status_code == 422
    assert "at most 80 characters" in english.text

    [row] = session.scalars(select(SavedFilter)).all()
    gone = client.post(
        "/console/audit/filters",
        data={"csrf_token": csrf_of(listed.text), "action": "delete", "id": str(row.id)},
        follow_redirects=False,
    )
    assert gone.status_code == 303
    after = client.get(gone.headers["location"] + "&lang=zh")
    assert "筛选条件已删除" in after.text
    assert "企业 申请" not in after.text
    assert session.scalars(select(SavedFilter)).all() == []


def test_a_regulator_keeps_at_most_the_limit(client: TestClient, world: dict[str, Any]) -> None:
    sign_in(client, world["regulator"], PASSWORD)
    token = csrf_of(client.get("/console/audit").text)
    for i in range(MAX_SAVED):
        data = {"csrf_token": token, "name": f"f{i}", "subject": f"application:app-{i}"}
        assert client.post("/console/audit/filters", data=data).status_code == 200
    over = client.post(
        "/console/audit/filters", data={"csrf_token": token, "name": "one more", "type": "x.y"}
    )
    assert over.status_code == 422
    assert f"最多保存 {MAX_SAVED} 个筛选条件" in over.text


def test_exports_hold_the_filtered_entries_and_a_checkpoint(
    client: TestClient, world: dict[str, Any]
) -> None:
    sign_in(client, world["regulator"], PASSWORD)
    page = client.get("/console/audit?type=exchange.application.submit").text
    assert "/console/audit/export?format=csv&amp;type=exchange.application.submit" in page

    lines = client.get("/console/audit/export?format=jsonl&type=exchange.application.submit")
    assert lines.status_code == 200
    assert "attachment" in lines.headers["content-disposition"]
    records = list(read_jsonl(lines.text.splitlines()))
    assert records[0]["kind"] == "header"
    assert records[0]["format"] == EXTRACT_FORMAT
    assert records[0]["filter"] == {"type": "exchange.application.submit"}
    [checkpoint] = [r for r in records if r["kind"] == "checkpoint"]
    entries = [r for r in records if r["kind"] == "entry"]
    assert [e["entry"]["subject"] for e in entries] == [f"application:app-{i}" for i in range(3)]
    for e in entries:  # each entry hashes to its leaf, provable in the checkpoint
        leaf = merkle.leaf_hash(ledger.canonical(e["entry"]))
        assert base64.b64encode(leaf).decode() == e["leaf_hash"]
        proof = client.get(
            f"/audit/proofs/inclusion?index={e['entry']['seq']}&size={checkpoint['size']}"
        ).json()
        merkle.verify_inclusion(
            e["entry"]["seq"],
            checkpoint["size"],
            leaf,
            [base64.b64decode(p) for p in proof["proof"]],
            base64.b64decode(checkpoint["root"]),
        )
    assert records[-1] == {"kind": "end", "entries": 3, "checkpoints": 1}

    table = client.get("/console/audit/export?format=csv&subject=application:app-1")
    assert table.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(table.text)))
    assert [r["kind"] for r in rows] == ["header", "checkpoint", "entry", "end"]
    assert rows[2]["subject"] == "application:app-1"
    assert rows[1]["note"].startswith("testserver/audit\n")

    # The API gives the same extract for the same filter (one service for both).
    api_rows = client.get(
        "/api/v1/audit/export?format=jsonl&type=exchange.application.submit",
        headers={"Authorization": f"Bearer {world['token']}"},
    )
    api_records = list(read_jsonl(api_rows.text.splitlines()))
    assert [r for r in api_records if r["kind"] == "entry"] == entries

    whole = client.get("/console/audit/export?format=jsonl")
    report = verify_records(read_jsonl(whole.text.splitlines()))
    assert report.ok, report.summary()
    month = re.search(r'href="([^"]+)" download id="month-csv"', page)
    assert month is not None
    assert "format=csv" in month.group(1)
    assert "since=" in month.group(1)
    monthly = client.get(html.unescape(month.group(1)))
    assert monthly.status_code == 200
    assert [r["kind"] for r in csv.DictReader(io.StringIO(monthly.text))].count("entry") == 3
    assert client.get("/console/audit/export?format=xml").status_code == 400
    assert client.get("/console/audit/export?format=csv&since=soon").status_code == 400


def _appended_types() -> set[str]:
    """Every entry type the code appends: the literal ones, and the f-string families expanded
    with the enumerations they take."""
    found: set[str] = set()
    call = re.compile(r"(?:ledger\.append|record_later)\((?=(.{0,260}))", re.S)
    literal = re.compile(r'(?<![f\w])"([a-z_]+(?:\.[a-z_]+)+)"')
    for package in ("api", "core", "catalog", "exchange", "licensing"):
        for path in (ROOT / package).rglob("*.py"):
            for match in call.finditer(path.read_text()):
                head = match.group(1).split("data=")[0]
                found |= set(literal.findall(head))
    found.discard("core.ledger")
    found |= {f"dataset.{s}" for s in ("published", "draft", "withdrawn")}
    found |= {f"exchange.application.{a.value}" for a in Action} | {"exchange.application.created"}
    manual = {EntitlementAction.RENEW, EntitlementAction.EXPIRE}
    found |= {f"exchange.entitlement.{a.value}" for a in EntitlementAction if a not in manual}
    found |= {f"exchange.entitlement.{w}" for w in ("granted", "renewed", "clients", "expired")}
    return found


def test_every_type_the_code_appends_has_words() -> None:
    types = _appended_types()
    assert {"user.totp_enabled", "oauth.refresh_family_revoked", "exchange.access"} <= types
    assert sorted(types - set(TYPE_WORDS)) == []


def test_the_jsonl_export_is_json(client: TestClient, world: dict[str, Any]) -> None:
    sign_in(client, world["regulator"], PASSWORD)
    body = client.get("/console/audit/export?format=jsonl&organization=city-transport").text
    kinds = [orjson.loads(line)["kind"] for line in body.splitlines()]
    assert kinds == ["header", "checkpoint", "entry", "entry", "end"]
