"""The transparency page shows the checkpoint the public audit endpoints serve, explained in
the page's language, and still answers before the first checkpoint is signed."""

from __future__ import annotations

import html

from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from core.identity.models import OrgKind, Role
from exchange.ledger.checkpoints import checkpoint_now
from tests.factories import make_member, make_org


def test_before_the_first_checkpoint_the_page_says_so(client: TestClient) -> None:
    page = client.get("/transparency")
    assert page.status_code == 200
    assert "账本还没有签名的检查点" in page.text
    assert 'id="verify-button"' not in page.text


def test_the_page_shows_the_served_checkpoint_and_key(
    client: TestClient, session: Session, sessions: sessionmaker[Session]
) -> None:
    make_member(session, make_org(session, OrgKind.DEPARTMENT), Role.PUBLISHER)
    session.commit()
    checkpoint_now(sessions, client.app.state.audit.signer)  # type: ignore[attr-defined]
    note = client.get("/audit/checkpoint").text
    origin, size, root = note.split("\n")[:3]
    vkey = client.get("/audit/vkey").text.strip()

    for lang, words in (("zh", "最新签名检查点"), ("en", "Latest signed checkpoint")):
        page = client.get(f"/transparency?lang={lang}")
        assert page.status_code == 200
        text = html.unescape(page.text)
        assert words in text
        assert f'<code id="checkpoint-root">{root}</code>' in text
        assert f'<dd id="checkpoint-size">{int(size):,}</dd>' in text
        assert note in text  # the signed note exactly as served
        assert vkey in text
        assert vkey.split("+")[1] in text  # the key id, shown on its own
        assert f"curl '{client.base_url}/audit/leaves?start=0&end=1000'" in text
    assert origin == "testserver/audit"
