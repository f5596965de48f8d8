"""Self-service accounts: sign-up with a proved address, password reset by a single-use link,
sign-in throttled per account and per address, server-side web sessions, and TOTP two-factor
sign-in (docs/architecture.md, "Accounts and sign-in").

Every rule lives here; the pages and the API only call it. Mailed links and session cookies
carry 256-bit secrets of which only a SHA-256 is stored. Failed sign-ins are counted in the
shared ``rate_limit_windows`` table under keys that hash the address and the e-mail, so every
worker process sees the same counts and the table holds no personal data in clear.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from core import ledger
from core.clock import utcnow
from core.errors import ValidationFailed
from core.identity.models import (
    AccountLink,
    LinkPurpose,
    Role,
    User,
    WebSession,
)
from core.identity.passwords import (
    DUMMY_HASH,
    MIN_PASSWORD_LENGTH,
    hash_password,
    needs_rehash,
    verify_password,
)
from core.identity.services import UserService

VERIFY_LIFETIME = timedelta(hours=48)
RESET_LIFETIME = timedelta(minutes=30)
SESSION_LIFETIME = timedelta(days=14)
THROTTLE_WINDOW_SECONDS = 15 * 60
MAX_FAILURES_PER_ACCOUNT = 5  # in one window: then that account waits, from any address
MAX_FAILURES_PER_ADDRESS = 20  # in one window: then that address waits, for any account
TOTP_ISSUER = "Shudu"

_HIT = text(
    "INSERT INTO rate_limit_windows (key, window_start, count) VALUES (:key, :window, 1)"
    " ON CONFLICT (key, window_start) DO UPDATE SET count = rate_limit_windows.count + 1"
)
_COUNT = text("SELECT count FROM rate_limit_windows WHERE key = :key AND window_start = :window")
_CLEAR = text("DELETE FROM rate_limit_windows WHERE key = :key")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _window() -> int:
    return int(time.time()) // THROTTLE_WINDOW_SECONDS * THROTTLE_WINDOW_SECONDS


def _throttle_keys(email: str, address: str) -> list[tuple[str, int]]:
    """The counters a failure adds to: hashed, so the table holds no address in clear."""
    return [
        (f"signin:account:{_digest(email.strip().lower())[:40]}", MAX_FAILURES_PER_ACCOUNT),
        (f"signin:address:{_digest(address)[:40]}", MAX_FAILURES_PER_ADDRESS),
    ]


class LinkProblem(ValidationFailed):
    """A mailed link that cannot be used: unknown, used already, or expired."""


class SignInOutcome(enum.StrEnum):
    OK = "ok"
    WRONG = "wrong"  # wrong e-mail or password (never says which)
    THROTTLED = "throttled"
    UNVERIFIED = "unverified"  # the password was right; the address is not proved yet


@dataclass(frozen=True, slots=True)
class SignIn:
    outcome: SignInOutcome
    user: User | None = None
    retry_after: int = 0  # seconds, when throttled


def totp_required(user: User) -> bool:
    """Admins (of the site or of an organization), reviewers and regulators sign in with a
    second factor."""
    strong = (Role.ADMIN, Role.REVIEWER, Role.REGULATOR)
    return user.is_admin or any(m.role in strong for m in user.memberships)


class AccountService:
    def __init__(self, session: Session) -> None:
        self.session = session

    # --- sign-up and mailed links -------------------------------------------------------

    def sign_up(self, email: str, password: str, display_name: str = "") -> tuple[User, str]:
        """A new account that may sign in once its address is proved; returns the user and
        the secret of the verification link to mail."""
        user = UserService(self.session).create(
            email, password, display_name=display_name.strip()[:200], verified=False
        )
        return user, self._issue(user, LinkPurpose.VERIFY_EMAIL, VERIFY_LIFETIME)

    def resend_verification(self, email: str) -> tuple[User, str] | None:
        """A fresh link for an account whose address is not proved yet; None otherwise (the
        page says the same either way, so it tells nobody which addresses have accounts)."""
        user = UserService(self.session).find(email)
        if user is None or not user.is_active or user.email_verified_at is not None:
            return None
        return user, self._issue(user, LinkPurpose.VERIFY_EMAIL, VERIFY_LIFETIME)

    def verify_email(self, secret: str) -> User:
        user = self._use(secret, LinkPurpose.VERIFY_EMAIL)
        if user.email_verified_at is None:
            user.email_verified_at = utcnow()
            ledger.append(self.session, "user.email_verified", subject=f"user:{user.id}")
        return user

    def request_reset(self, email: str) -> tuple[User, str] | None:
        """A reset link for an active account; None for an unknown address (same page)."""
        user = UserService(self.session).find(email)
        if user is None or not user.is_active:
            return None
        return user, self._issue(user, LinkPurpose.RESET_PASSWORD, RESET_LIFETIME)

    def check_reset_link(self, secret: str) -> User:
        """The account a reset link is for, without using it up (to show the form)."""
        return self._find(secret, LinkPurpose.RESET_PASSWORD)[1]

    def reset_password(self, secret: str, password: str) -> User:
        """Set a new password through a reset link: the link is used up, every other reset
        link of the account stops working, and every web session of the account ends."""
        check_password(password)
        self._find(secret, LinkPurpose.RESET_PASSWORD)  # a bad link says so before anything
        user = self._use(secret, LinkPurpose.RESET_PASSWORD)
        user.password_hash = hash_password(password)
        now = utcnow()
        self.session.execute(
            update(AccountLink)
            .where(
                AccountLink.user_id == user.id,
                AccountLink.purpose == LinkPurpose.RESET_PASSWORD,
                AccountLink.used_at.is_(None),
            )
            .values(used_at=now)
        )
        # Following the link proves the address as well as a verification link would.
        if user.email_verified_at is None:
            user.email_verified_at = now
        self.end_all_sessions(user.id)
        ledger.append(self.session, "user.password_reset", subject=f"user:{user.id}")
        return user

    def _issue(self, user: User, purpose: LinkPurpose, lifetime: timedelta) -> str:
        secret = secrets.token_urlsafe(32)
        now = utcnow()
        self.session.add(
            AccountLink(
                user_id=user.id,
                purpose=purpose,
                secret_hash=_digest(secret),
                created_at=now,
                expires_at=now + lifetime,
            )
        )
        self.session.flush()
        return secret

    def _find(self, secret: str, purpose: LinkPurpose) -> tuple[AccountLink, User]:
        link = self.session.scalar(
            select(AccountLink).where(
                AccountLink.secret_hash == _digest(secret), AccountLink.purpose == purpose
            )
        )
        if link is None:
            raise LinkProblem("This link is not valid", {"link": ["unknown"]})
        if link.used_at is not None:
            raise LinkProblem("This link has been used already", {"link": ["used"]})
        if link.expires_at <= utcnow():
            raise LinkProblem("This link has expired", {"link": ["expired"]})
        user = self.session.get(User, link.user_id)
        if user is None or not user.is_active:
            raise LinkProblem("This link is not valid", {"link": ["unknown"]})
        return link, user

    def _use(self, secret: str, purpose: LinkPurpose) -> User:
        link, user = self._find(secret, purpose)
        # Used once only, even when two requests race: the update that wins marks it.
        used = self.session.execute(
            update(AccountLink)
            .where(AccountLink.id == link.id, AccountLink.used_at.is_(None))
            .values(used_at=utcnow())
        )
        if used.rowcount != 1:  # type: ignore[attr-defined]
            raise LinkProblem("This link has been used already", {"link": ["used"]})
        return user

    # --- signing in -----------------------------------------------------------------------

    def sign_in(self, email: str, password: str, address: str) -> SignIn:
        """Check a password, throttled per account and per address. Failures are recorded
        in the caller's transaction, which commits them whatever the outcome."""
        email = email.strip().lower()
        retry = self.throttled(email, address)
        if retry:
            return SignIn(SignInOutcome.THROTTLED, retry_after=retry)
        user = UserService(self.session).find(email)
        if user is None or not user.is_active:
            verify_password(DUMMY_HASH, password)  # as slow as a wrong password
            self.note_failure(email, address)
            return SignIn(SignInOutcome.WRONG)
        if not verify_password(user.password_hash, password):
            self.note_failure(email, address)
            return SignIn(SignInOutcome.WRONG)
        self.session.execute(_CLEAR, {"key": _throttle_keys(email, address)[0][0]})
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        if user.email_verified_at is None:
            return SignIn(SignInOutcome.UNVERIFIED, user)
        return SignIn(SignInOutcome.OK, user)

    def throttled(self, email: str, address: str) -> int:
        """Seconds to wait before this account or address may try again; 0: it may now."""
        window = _window()
        for key, limit in _throttle_keys(email, address):
            count = self.session.scalar(_COUNT, {"key": key, "window": window}) or 0
            if count >= limit:
                return max(window + THROTTLE_WINDOW_SECONDS - int(time.time()), 1)
        return 0

    def note_failure(self, email: str, address: str) -> None:
        """A wrong password or code, counted for the account and for the address."""
        window = _window()
        for key, _limit in _throttle_keys(email, address):
            self.session.execute(_HIT, {"key": key, "window": window})

    # --- web sessions ---------------------------------------------------------------------

    def open_session(self, user: User, user_agent: str) -> str:
        """A new web session; returns the secret the cookie carries."""
        secret = secrets.token_urlsafe(32)
        self.session.add(
            WebSession(user_id=user.id, secret_hash=_digest(secret), user_agent=user_agent[:200])
        )
        self.session.flush()
        return secret

    def session_user(self, secret: str) -> tuple[WebSession, User] | None:
        """The live session and its active user, or None: ended, expired, or locked out."""
        found = self.session.scalar(
            select(WebSession).where(WebSession.secret_hash == _digest(secret))
        )
        if found is None or found.ended_at is not None:
            return None
        if found.created_at + SESSION_LIFETIME <= utcnow():
            return None
        user = self.session.get(User, found.user_id)
        if user is None or not user.is_active:
            return None
        return found, user

    def sessions_of(self, user_id: uuid.UUID) -> list[WebSession]:
        cutoff = utcnow() - SESSION_LIFETIME
        return list(
            self.session.scalars(
                select(WebSession)
                .where(
                    WebSession.user_id == user_id,
                    WebSession.ended_at.is_(None),
                    WebSession.created_at > cutoff,
                )
                .order_by(WebSession.created_at.desc())
            )
        )

    def end_session(self, user_id: uuid.UUID, session_id: uuid.UUID) -> bool:
        ended = self.session.execute(
            update(WebSession)
            .where(
                WebSession.id == session_id,
                WebSession.user_id == user_id,
                WebSession.ended_at.is_(None),
            )
            .values(ended_at=utcnow())
        )
        return bool(ended.rowcount)  # type: ignore[attr-defined]

    def end_session_by_secret(self, secret: str) -> None:
        self.session.execute(
            update(WebSession)
            .where(WebSession.secret_hash == _digest(secret), WebSession.ended_at.is_(None))
            .values(ended_at=utcnow())
        )

    def end_all_sessions(self, user_id: uuid.UUID, *, keep: uuid.UUID | None = None) -> int:
        query = update(WebSession).where(
            WebSession.user_id == user_id, WebSession.ended_at.is_(None)
        )
        if keep is not None:
            query = query.where(WebSession.id != keep)
        ended = self.session.execute(query.values(ended_at=utcnow()))
        return int(ended.rowcount)  # type: ignore[attr-defined]

    # --- TOTP -----------------------------------------------------------------------------

    def start_totp(self, user: User) -> str:
        """A new secret to enrol (replacing one not yet confirmed); TOTP is on once
        :meth:`confirm_totp` accepts a first code."""
        if user.totp_enabled_at is not None:
            raise ValidationFailed(
                "Two-factor sign-in is on already", {"code": ["turn it off first"]}
            )
        user.totp_secret = pyotp.random_base32()
        user.totp_last_step = None
        return user.totp_secret

    def confirm_totp(self, user: User, code: str) -> None:
        if user.totp_secret is None or user.totp_enabled_at is not None:
            raise ValidationFailed("Start the set-up again", {"code": ["no set-up under way"]})
        if not self.check_totp(user, code, enrolling=True):
            raise ValidationFailed("That code is not right", {"code": ["wrong or expired code"]})
        user.totp_enabled_at = utcnow()
        ledger.append(self.session, "user.totp_enabled", subject=f"user:{user.id}")

    def check_totp(self, user: User, code: str, *, enrolling: bool = False) -> bool:
        """Whether ``code`` is a current code of the user's secret (the step before and after
        count, for clock drift) that has not been accepted before."""
        if user.totp_secret is None or (user.totp_enabled_at is None and not enrolling):
            return False
        code = code.strip().replace(" ", "")
        if not (len(code) == 6 and code.isdigit()):
            return False
        totp = pyotp.TOTP(user.totp_secret)
        now = datetime.now().timestamp()
        for drift in (0, -1, 1):
            step = int(now // totp.interval) + drift
            if secrets.compare_digest(totp.generate_otp(step), code):
                if user.totp_last_step is not None and step <= user.totp_last_step:
                    return False  # used once already
                user.totp_last_step = step
                return True
        return False

    def disable_totp(self, user: User, code: str) -> None:
        if totp_required(user):
            raise ValidationFailed(
                "Your role needs two-factor sign-in", {"code": ["it cannot be turned off"]}
            )
        if not self.check_totp(user, code):
            raise ValidationFailed("That code is not right", {"code": ["wrong or expired code"]})
        user.totp_secret = None
        user.totp_enabled_at = None
        user.totp_last_step = None
        ledger.append(self.session, "user.totp_disabled", subject=f"user:{user.id}")

    def totp_uri(self, user: User) -> str:
        if user.totp_secret is None:
            raise ValidationFailed("Start the set-up first", {"code": ["no set-up under way"]})
        return pyotp.TOTP(user.totp_secret).provisioning_uri(
            name=user.email, issuer_name=TOTP_ISSUER
        )


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            "Password too short",
            {"password": [f"use at least {MIN_PASSWORD_LENGTH} characters"]},
        )
