"""Self-service accounts on the real databases: links work once and expire, sign-in is
throttled per account and per address, sessions end when asked, on a reset and on a lock, and
TOTP codes are right, current and good once."""

from __future__ import annotations

import time
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from core.clock import utcnow
from core.errors import Conflict, NotAuthenticated, ValidationFailed
from core.identity.accounts import (
    MAX_FAILURES_PER_ACCOUNT,
    MAX_FAILURES_PER_ADDRESS,
    AccountService,
    LinkProblem,
    SignInOutcome,
    totp_required,
)
from core.identity.models import AccountLink, OrgKind, Role
from core.identity.services import TokenService
from tests.factories import PASSWORD, make_member, make_org, make_user

NEW = "a new passphrase"


def _problem(exc: pytest.ExceptionInfo[LinkProblem]) -> str:
    details = exc.value.details
    assert isinstance(details, dict)
    return str(details["link"][0])


def test_sign_up_needs_the_address_proved_once(session: Session) -> None:
    accounts = AccountService(session)
    user, secret = accounts.sign_up("New.Person@Example.org", PASSWORD, "新用户")
    assert user.email == "new.person@example.org"
    assert user.email_verified_at is None
    assert accounts.sign_in(user.email, PASSWORD, "10.0.0.1").outcome is SignInOutcome.UNVERIFIED

    assert accounts.verify_email(secret).id == user.id
    assert user.email_verified_at is not None
    assert accounts.sign_in(user.email, PASSWORD, "10.0.0.1").outcome is SignInOutcome.OK
    with pytest.raises(LinkProblem) as used:
        accounts.verify_email(secret)
    assert _problem(used) == "used"
    with pytest.raises(LinkProblem) as unknown:
        accounts.verify_email("not-a-link")
    assert _problem(unknown) == "unknown"
    with pytest.raises(Conflict):
        accounts.sign_up("new.person@example.org", PASSWORD)
    with pytest.raises(ValidationFailed):
        accounts.sign_up("not an address", PASSWORD)
    # Nothing is sent for an address that is verified already, or has no account.
    assert accounts.resend_verification(user.email) is None
    assert accounts.resend_verification("nobody@example.org") is None


def test_an_expired_link_says_so(session: Session) -> None:
    accounts = AccountService(session)
    user, secret = accounts.sign_up("late@example.org", PASSWORD)
    session.execute(
        update(AccountLink)
        .where(AccountLink.user_id == user.id)
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    with pytest.raises(LinkProblem) as expired:
        accounts.verify_email(secret)
    assert _problem(expired) == "expired"
    assert user.email_verified_at is None


def test_a_reset_sets_the_password_and_ends_every_session(session: Session) -> None:
    accounts = AccountService(session)
    user = make_user(session)
    cookie = accounts.open_session(user, "Firefox")
    assert accounts.session_user(cookie) is not None
    assert accounts.request_reset("nobody@example.org") is None
    found = accounts.request_reset(user.email)
    assert found is not None
    _, secret = found
    _, older = accounts.request_reset(user.email) or (None, "")

    with pytest.raises(ValidationFailed):
        accounts.reset_password(secret, "short")  # a bad password does not use the link up
    assert accounts.check_reset_link(secret).id == user.id
    accounts.reset_password(secret, NEW)
    assert accounts.sign_in(user.email, NEW, "10.0.0.2").outcome is SignInOutcome.OK
    assert accounts.sign_in(user.email, PASSWORD, "10.0.0.2").outcome is SignInOutcome.WRONG
    assert accounts.session_user(cookie) is None
    for link in (secret, older):  # this one used, the other one withdrawn
        with pytest.raises(LinkProblem):
            accounts.reset_password(link, "another passphrase")


def test_sign_in_is_throttled_per_account_and_per_address(session: Session) -> None:
    accounts = AccountService(session)
    user = make_user(session)
    for _ in range(MAX_FAILURES_PER_ACCOUNT):
        assert accounts.sign_in(user.email, "wrong", "10.1.0.1").outcome is SignInOutcome.WRONG
    # Now even the right password waits, from any address.
    throttled = accounts.sign_in(user.email, PASSWORD, "10.1.0.99")
    assert throttled.outcome is SignInOutcome.THROTTLED
    assert 0 < throttled.retry_after <= 15 * 60

    # An address that tries many accounts waits too, for a right password of another one.
    other = make_user(session)
    for n in range(MAX_FAILURES_PER_ADDRESS):
        accounts.sign_in(f"guess{n}@example.org", "wrong", "10.2.0.1")
    assert accounts.sign_in(other.email, PASSWORD, "10.2.0.1").outcome is SignInOutcome.THROTTLED
    assert accounts.sign_in(other.email, PASSWORD, "10.2.0.2").outcome is SignInOutcome.OK


def test_sessions_are_listed_ended_and_stop_when_the_account_is_locked(session: Session) -> None:
    accounts = AccountService(session)
    user = make_user(session)
    first = accounts.open_session(user, "Firefox on Linux")
    second = accounts.open_session(user, "Safari on iPhone")
    listed = accounts.sessions_of(user.id)
    assert [s.user_agent for s in listed] == ["Safari on iPhone", "Firefox on Linux"]

    found = accounts.session_user(first)
    assert found is not None
    assert accounts.end_all_sessions(user.id, keep=found[0].id) == 1
    assert accounts.session_user(second) is None
    assert accounts.session_user(first) is not None
    stranger = make_user(session)
    assert not accounts.end_session(stranger.id, found[0].id)  # only your own

    issued = TokenService(session).create(user, name="script")
    user.is_active = False  # an admin locks the account
    session.flush()
    assert accounts.session_user(first) is None
    with pytest.raises(NotAuthenticated):
        TokenService(session).authenticate(issued.secret)


def test_totp_codes_are_current_right_and_good_once(session: Session) -> None:
    accounts = AccountService(session)
    user = make_user(session)
    secret = accounts.start_totp(user)
    totp = pyotp.TOTP(secret)
    assert accounts.totp_uri(user).startswith("otpauth://totp/Shudu:")
    with pytest.raises(ValidationFailed):
        accounts.confirm_totp(user, "000000" if totp.now() != "000000" else "111111")
    now = totp.now()
    accounts.confirm_totp(user, now)
    assert user.totp_enabled_at is not None
    assert not accounts.check_totp(user, now)  # the same code again is refused
    later = totp.at(time.time() + totp.interval)  # the next step is allowed (clock drift)
    assert accounts.check_totp(user, later)
    assert not accounts.check_totp(user, totp.at(time.time() - 10 * totp.interval))
    assert not accounts.check_totp(user, "12345x")
    with pytest.raises(ValidationFailed):
        accounts.start_totp(user)  # on already

    # Two steps ahead is beyond the drift allowed; turning it off needs a current code.
    with pytest.raises(ValidationFailed):
        accounts.disable_totp(user, totp.at(time.time() + 2 * totp.interval))
    other = make_user(session)
    other_totp = pyotp.TOTP(accounts.start_totp(other))
    accounts.confirm_totp(other, other_totp.now())
    accounts.disable_totp(other, other_totp.at(time.time() + other_totp.interval))
    assert other.totp_secret is None
    assert other.totp_enabled_at is None


def test_admins_reviewers_and_regulators_need_a_second_factor(session: Session) -> None:
    assert totp_required(make_user(session, admin=True))
    assert totp_required(make_member(session, make_org(session, OrgKind.EXCHANGE), Role.REVIEWER))
    regulator = make_member(session, make_org(session, OrgKind.REGULATOR), Role.REGULATOR)
    assert totp_required(regulator)
    assert totp_required(make_member(session, make_org(session, OrgKind.ENTERPRISE), Role.ADMIN))
    assert not totp_required(make_member(session, make_org(session), Role.PUBLISHER))
    assert not totp_required(make_user(session))

    reviewer = make_member(session, make_org(session, OrgKind.EXCHANGE), Role.REVIEWER)
    accounts = AccountService(session)
    totp = pyotp.TOTP(accounts.start_totp(reviewer))
    accounts.confirm_totp(reviewer, totp.now())
    with pytest.raises(ValidationFailed):
        accounts.disable_totp(reviewer, totp.at(time.time() + totp.interval))
