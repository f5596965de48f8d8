"""Licensed data previewed in the browser: the enterprise designates its web preview once,
then every page it looks at is a metered call under the licence (fields, masking, row filter
applied), counted against the day's calls and recorded in the ledger like an API call; no one
else previews it, and a used-up quota is refused in words."""

from __future__ import annotations

import html
import re

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from catalog.filestore import FileStore
from core import jsonutil
from core.ledger import LedgerEntry
from core.ledger_outbox import drain_all
from exchange.preview import web_preview_client_id
from tests.factories import PASSWORD
from tests.factories.exchange import activate, make_world
from tests.signin import csrf_of, sign_in


def test_preview_is_a_metered_call_under_the_licence(
    client: TestClient, session: Session, sessions: sessionmaker[Session], files: FileStore
) -> None:
    world = make_world(session, files)
    entitlement = activate(session, world, calls=2)
    session.commit()
    sign_in(client, world.member.email, PASSWORD)
    path = f"/exchange/licences/{entitlement.id}/preview"
    assert f'href="{path}"' in client.get("/exchange").text

    page = client.get(path)
    assert page.status_code == 200
    assert 'value="designate"' in page.text  # not designated yet: nothing can be read
    read = {"action": "read", "resource": world.resource_id}
    early = client.post(path, data={**read, "csrf_token": csrf_of(page.text)})
    assert "网页预览还没有被指定到这份授权" in early.text  # the gate refuses this channel

    designated = client.post(path, data={"action": "designate", "csrf_token": csrf_of(page.text)})
    assert designated.status_code == 200
    assert 'value="read"' in designated.text
    shown = client.post(path, data={**read, "csrf_token": csrf_of(designated.text)})
    assert shown.status_code == 200
    text = html.unescape(shown.text)
    # The licence's terms apply: only its fields, the phone masked, two districts only.
    assert '<th scope="col">district' in text
    assert "owner" not in re.sub(r"<[^>]+>", " ", text.split("<table>", 1)[1].split("</table>")[0])
    assert "13800000006" not in text
    assert "Jingan" not in text.split("<table>", 1)[1]
    assert "Pudong" in text
    # The quota moved, and the page says so.
    assert "今天还可调用" in text
    assert re.search(r'id="calls-left">\s*1 次', text), text

    again = client.post(path, data={**read, "csrf_token": csrf_of(shown.text)})
    over = client.post(path, data={**read, "csrf_token": csrf_of(again.text)})
    assert "今天的调用次数已经用完" in html.unescape(over.text)  # two calls a day, then refused

    # Recorded like any licensed call: as the enterprise's web preview client.
    drain_all(sessions)
    entries = [
        jsonutil.loads(e)
        for e in session.scalars(
            select(LedgerEntry.entry).where(LedgerEntry.type == "exchange.access")
        )
    ]
    assert len(entries) == 2
    assert {e["actor"] for e in entries} == {web_preview_client_id(world.enterprise.id)}

    # Someone else's licence: not theirs to preview.
    client.cookies.clear()
    sign_in(client, world.outsider.email, PASSWORD)
    assert client.get(path).status_code in (403, 404)
