"""The account pages end to end over the app: sign-up and the mailed verification link (read
from the ``.eml`` the embedded mailer writes), sign-in throttled and with TOTP, password reset
ending other sessions, and every bad input answered in the page's language with nothing
changed and the form filled in again."""

from __future__ import annotations

import email
import html
import re
from email import policy
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from core.identity.models import OrgKind, Role, User
from core.settings import Settings
from tests.factories import PASSWORD, make_member, make_org, make_user
from tests.signin import csrf_of, enrol_from_page, next_code, sign_in

LINK = re.compile(r"http://testserver(/[\w/]+)\?token=([\w-]+)")


def _mails(settings: Settings) -> list[email.message.EmailMessage]:
    folder = Path(settings.mail_dir)
    out = []
    for path in sorted(folder.glob("*.eml")) if folder.exists() else []:
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        assert isinstance(message, email.message.EmailMessage)
        out.append(message)
    return out


def _link(message: email.message.EmailMessage) -> tuple[str, str]:
    body = message.get_body(("plain",))
    assert body is not None
    match = LINK.search(body.get_content())
    assert match is not None, body.get_content()
    return match.group(1), match.group(2)


def _users(session: Session, address: str) -> int:
    return session.scalar(select(func.count()).select_from(User).where(User.email == address)) or 0


def test_sign_up_verify_and_sign_in(
    client: TestClient, settings: Settings, session: Session
) -> None:
    page = client.get("/signup")
    assert page.status_code == 200
    form = {"email": "li.hua@example.cn", "display_name": "李华", "password": PASSWORD}
    bad = client.post(
        "/signup",
        data={**form, "password_again": "something else", "csrf_token": csrf_of(page.text)},
    )
    assert bad.status_code == 422
    text = html.unescape(bad.text)
    assert "两次输入的密码不一致" in text
    assert 'value="li.hua@example.cn"' in text  # the form comes back filled in
    assert 'value="李华"' in text
    assert PASSWORD not in text  # never a password
    assert _users(session, "li.hua@example.cn") == 0
    assert _mails(settings) == []

    done = client.post(
        "/signup", data={**form, "password_again": PASSWORD, "csrf_token": csrf_of(bad.text)}
    )
    assert done.status_code == 200
    assert "请查收验证邮件" in done.text
    [mail] = _mails(settings)
    assert mail["To"] == "li.hua@example.cn"
    assert mail["Subject"] == "数都：请验证您的电子邮箱"
    path, secret = _link(mail)
    assert path == "/signup/verify"

    # Not verified yet: the right password is refused, with a way to get a new link.
    login = client.get("/login")
    early = client.post(
        "/login",
        data={"email": form["email"], "password": PASSWORD, "csrf_token": csrf_of(login.text)},
    )
    assert early.status_code == 403
    assert "还没有验证" in early.text
    assert 'action="/signup/resend"' in early.text

    confirm = client.get(f"/signup/verify?token={secret}")
    assert confirm.status_code == 200  # a button, not yet used up
    verified = client.post(
        "/signup/verify", data={"token": secret, "csrf_token": csrf_of(confirm.text)}
    )
    assert verified.status_code == 200
    assert "已验证" in verified.text
    again = client.post(
        "/signup/verify", data={"token": secret, "csrf_token": csrf_of(confirm.text)}
    )
    assert again.status_code == 400
    assert "已经用过" in again.text

    assert sign_in(client, form["email"], PASSWORD) == "/account/tokens"
    security = client.get("/account/security")
    assert security.status_code == 200
    assert "当前设备" in security.text


def test_bad_sign_ups_change_nothing(
    client: TestClient, settings: Settings, session: Session
) -> None:
    taken = make_user(session, email="taken@example.cn")
    session.commit()
    page = client.get("/signup?lang=en")
    duplicate = client.post(
        "/signup",
        data={"email": taken.email, "password": PASSWORD, "password_again": PASSWORD,
              "display_name": "", "csrf_token": csrf_of(page.text)},
    )  # fmt: skip
    assert duplicate.status_code == 409
    assert "This e-mail has an account already" in duplicate.text
    malformed = client.post(
        "/signup",
        data={"email": "not-an-address", "password": PASSWORD, "password_again": PASSWORD,
              "csrf_token": csrf_of(page.text)},
    )  # fmt: skip
    assert malformed.status_code == 422
    assert "Enter a valid e-mail address" in malformed.text
    short = client.post(
        "/signup",
        data={"email": "short@example.cn", "password": "abc", "password_again": "abc",
              "csrf_token": csrf_of(page.text)},
    )  # fmt: skip
    assert short.status_code == 422
    assert "at least 8 characters" in short.text
    forged = client.post(
        "/signup",
        data={"email": "forged@example.cn", "password": PASSWORD, "password_again": PASSWORD},
    )
    assert forged.status_code == 403
    assert _users(session, "forged@example.cn") == 0
    assert _users(session, "short@example.cn") == 0
    assert _mails(settings) == []
    unknown = client.post(
        "/signup/verify", data={"token": "nonsense", "csrf_token": csrf_of(page.text)}
    )
    assert unknown.status_code == 400
    assert "This link is not valid" in unknown.text


def test_a_password_reset_ends_the_other_sessions(
    client: TestClient, settings: Settings, session: Session
) -> None:
    user = make_user(session, email="reset.me@example.cn")
    session.commit()
    sign_in(client, user.email, PASSWORD)
    assert client.get("/account/tokens").status_code == 200

    other = TestClient(client.app)
    page = other.get("/password/forgot")
    sent = other.post(
        "/password/forgot", data={"email": user.email, "csrf_token": csrf_of(page.text)}
    )
    assert sent.status_code == 200
    nobody = other.post(
        "/password/forgot", data={"email": "nobody@example.cn", "csrf_token": csrf_of(page.text)}
    )
    assert nobody.status_code == 200  # the same answer: no account is given away
    assert html.unescape(nobody.text).count("如果") == html.unescape(sent.text).count("如果")
    [mail] = _mails(settings)
    path, secret = _link(mail)
    assert path == "/password/reset"
    assert "30 分钟" in mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]

    form = other.get(f"/password/reset?token={secret}")
    assert form.status_code == 200
    mismatch = other.post(
        "/password/reset",
        data={"token": secret, "password": "new passphrase", "password_again": "other",
              "csrf_token": csrf_of(form.text)},
    )  # fmt: skip
    assert mismatch.status_code == 422  # the link still works after a failed form
    assert "两次输入的密码不一致" in mismatch.text
    changed = other.post(
        "/password/reset",
        data={"token": secret, "password": "new passphrase", "password_again": "new passphrase",
              "csrf_token": csrf_of(mismatch.text)},
    )  # fmt: skip
    assert changed.status_code == 200
    assert "密码已更新" in changed.text
    # The first browser is signed out at once.
    assert client.get("/account/tokens", follow_redirects=False).status_code == 303
    reused = other.get(f"/password/reset?token={secret}")
    assert reused.status_code == 400
    assert "已经用过" in reused.text
    assert sign_in(other, user.email, "new passphrase") == "/account/tokens"


def test_sign_in_is_throttled_with_a_clear_message(client: TestClient, session: Session) -> None:
    user = make_user(session)
    session.commit()
    page = client.get("/login?lang=en")
    for _ in range(5):
        wrong = client.post(
            "/login",
            data={"email": user.email, "password": "nope", "csrf_token": csrf_of(page.text)},
        )
        assert wrong.status_code == 401
        assert "Wrong e-mail or password." in wrong.text
        assert f'value="{user.email}"' in wrong.text
    throttled = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_of(page.text)}
    )
    assert throttled.status_code == 429
    assert re.search(r"try again in \d+ minutes", throttled.text)


def test_a_reviewer_sets_up_totp_then_signs_in_with_a_code(
    client: TestClient, session: Session
) -> None:
    reviewer = make_member(session, make_org(session, OrgKind.EXCHANGE), Role.REVIEWER)
    session.commit()
    page = client.get("/login")
    done = client.post(
        "/login",
        data={"email": reviewer.email, "password": PASSWORD, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert done.headers["location"] == "/account/security"
    # Nothing else opens before the set-up is done.
    assert client.get("/account/tokens", follow_redirects=False).status_code == 303
    setup = client.get("/account/security")
    assert "您的角色必须使用两步验证" in setup.text
    assert 'src="data:image/svg+xml' in setup.text
    secret = re.search(r'id="totp-secret"[^>]*>([A-Z2-7]+)<', setup.text)
    assert secret is not None
    wrong = client.post(
        "/account/security",
        data={"action": "confirm", "code": "000000", "csrf_token": csrf_of(setup.text)},
    )
    assert wrong.status_code == 422
    assert "验证码不正确" in wrong.text
    confirmed = client.post(
        "/account/security",
        data={"action": "confirm", "code": enrol_from_page(reviewer.email, setup.text),
              "csrf_token": csrf_of(wrong.text)},
        follow_redirects=False,
    )  # fmt: skip
    assert confirmed.status_code == 303
    assert client.get("/account/tokens").status_code == 200
    page = client.get("/account/security")
    assert "已开启" in page.text
    assert 'value="disable"' not in page.text  # a reviewer cannot turn it off

    client.post("/logout", data={"csrf_token": csrf_of(page.text)})
    login = client.get("/login")
    step = client.post(
        "/login",
        data={"email": reviewer.email, "password": PASSWORD, "csrf_token": csrf_of(login.text)},
        follow_redirects=False,
    )
    assert step.headers["location"] == "/login/code"
    code_page = client.get("/login/code")
    bad = client.post("/login/code", data={"code": "12", "csrf_token": csrf_of(code_page.text)})
    assert bad.status_code == 401
    good = client.post(
        "/login/code",
        data={"code": next_code(reviewer.email), "csrf_token": csrf_of(bad.text)},
        follow_redirects=False,
    )
    assert good.status_code == 303
    assert client.get("/account/tokens").status_code == 200


def test_ending_another_device_signs_it_out(client: TestClient, session: Session) -> None:
    user = make_user(session)
    session.commit()
    phone = TestClient(client.app, headers={"user-agent": "Phone browser"})
    sign_in(phone, user.email, PASSWORD)
    sign_in(client, user.email, PASSWORD)
    page = client.get("/account/security")
    assert "Phone browser" in page.text
    ended = client.post(
        "/account/security", data={"action": "end_others", "csrf_token": csrf_of(page.text)}
    )
    assert ended.status_code == 200
    assert "已让其他 1 个设备退出登录" in ended.text
    assert phone.get("/account/tokens", follow_redirects=False).status_code == 303
    assert client.get("/account/tokens").status_code == 200


def test_tokens_page_creates_and_revokes(client: TestClient, session: Session) -> None:
    user = make_user(session)
    session.commit()
    sign_in(client, user.email, PASSWORD)
    page = client.get("/account/tokens?lang=en")
    bad = client.post(
        "/account/tokens",
        data={"name": "sync", "days": "999", "csrf_token": csrf_of(page.text)},
    )
    assert bad.status_code == 422
    assert "Days valid is a whole number from 1 to 366" in bad.text
    assert 'value="sync"' in bad.text
    made = client.post(
        "/account/tokens", data={"name": "sync", "days": "30", "csrf_token": csrf_of(bad.text)}
    )
    assert made.status_code == 200
    token = re.search(r'<code id="new-token">(sdu_[\w-]+)</code>', made.text)
    assert token is not None
    me = client.get("/api/v1/me", headers={"authorization": f"Bearer {token.group(1)}"})
    assert me.status_code == 200
    token_id = re.search(r'name="revoke" value="([\w-]+)"', made.text)
    assert token_id is not None
    client.post(
        "/account/tokens", data={"revoke": token_id.group(1), "csrf_token": csrf_of(made.text)}
    )
    refused = client.get("/api/v1/me", headers={"authorization": f"Bearer {token.group(1)}"})
    assert refused.status_code == 401
