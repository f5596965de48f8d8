"""Mail through a real local SMTP server (aiosmtpd): plain and with a login, a server that is
down refused cleanly with nothing personal logged, and a sign-up whose verification link
arrives by SMTP and works."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from api.app import create_app
from catalog.search.sqlite_fts import SqliteFtsBackend
from core.errors import ServiceUnavailable
from core.mail import Mail, smtp_mailer
from core.settings import load_settings
from tests.live import free_port
from tests.mailbox import Inbox, smtp_server
from tests.signin import csrf_of, sign_in

PASSWORD = "correct horse battery"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as inbox:
        yield inbox, inbox.port


def test_mail_goes_through_smtp_with_and_without_a_login(smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    plain = smtp_mailer(f"smtp://127.0.0.1:{port}", "Shudu <noreply@city.example>")
    message_id = plain.send(Mail("li.hua@example.cn", "数都：测试", "你好\n链接"))
    signed = smtp_mailer(f"smtp://shudu:s3cret@127.0.0.1:{port}", "noreply@city.example")
    signed.send(Mail("wang@example.cn", "Second", "Hello"))

    first, second = inbox.messages
    assert first["Message-ID"] == message_id
    assert first["Subject"] == "数都：测试"
    assert first["From"] == "Shudu <noreply@city.example>"
    body = first.get_body(("plain",))
    assert body is not None
    assert body.get_content().replace("\r\n", "\n") == "你好\n链接\n"  # SMTP lines end CRLF
    assert inbox.envelopes[1] == ("noreply@city.example", ["wang@example.cn"])
    assert second["To"] == "wang@example.cn"

    wrong = smtp_mailer(f"smtp://shudu:wrong@127.0.0.1:{port}", "noreply@city.example")
    with pytest.raises(ServiceUnavailable):
        wrong.send(Mail("wang@example.cn", "Third", "Hello"))
    assert len(inbox.messages) == 2


def test_a_server_that_is_down_is_refused_and_nothing_personal_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    mailer = smtp_mailer(f"smtp://127.0.0.1:{free_port()}", "noreply@city.example")
    with caplog.at_level(logging.INFO, logger="shudu.mail"), pytest.raises(ServiceUnavailable):
        mailer.send(Mail("private.person@example.cn", "Reset", "https://x/reset?token=SECRET"))
    logged = caplog.text
    assert "not sent" in logged
    assert "private.person" not in logged
    assert "SECRET" not in logged


def test_a_sign_up_link_arrives_by_smtp_and_works(
    smtp: tuple[Inbox, int], tmp_path: Path, db_url: str, sessions: sessionmaker[Session]
) -> None:
    inbox, port = smtp
    settings = load_settings(
        {
            "SHUDU_DATA_DIR": str(tmp_path / "data"),
            "SHUDU_DATABASE_URL": db_url,
            "SHUDU_BASE_URL": "http://testserver",
            "SHUDU_SMTP_URL": f"smtp://127.0.0.1:{port}",
            "SHUDU_MAIL_FROM": "数都 <noreply@city.example>",
        }
    )
    backend = SqliteFtsBackend(settings.data_dir / "search.db")
    app = create_app(settings, sessions=sessions, search_backend=backend)
    with TestClient(app) as client:
        page = client.get("/signup?lang=en")
        done = client.post(
            "/signup",
            data={"email": "smtp.user@example.cn", "display_name": "SMTP User",
                  "password": PASSWORD, "password_again": PASSWORD,
                  "csrf_token": csrf_of(page.text)},
        )  # fmt: skip
        assert done.status_code == 200
        [mail] = inbox.messages
        assert mail["Subject"] == "Shudu: please verify your e-mail"
        body = mail.get_body(("plain",))
        assert body is not None
        found = re.search(r"http://testserver/signup/verify\?token=([\w-]+)", body.get_content())
        assert found is not None
        assert not (settings.mail_dir).exists()  # SMTP, not files
        confirm = client.get(f"/signup/verify?token={found.group(1)}")
        verified = client.post(
            "/signup/verify", data={"token": found.group(1), "csrf_token": csrf_of(confirm.text)}
        )
        assert verified.status_code == 200
        assert sign_in(client, "smtp.user@example.cn", PASSWORD) == "/account/tokens"
