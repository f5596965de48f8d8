"""Business rules for accounts, organizations, memberships and API tokens."""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from core import ledger
from core.clock import utcnow
from core.errors import Conflict, NotAuthenticated, NotFound, ValidationFailed
from core.identity.models import (
    ROLES_BY_KIND,
    ApiToken,
    Membership,
    Organization,
    OrgKind,
    OrgStatus,
    Role,
    User,
)
from core.identity.passwords import (
    DUMMY_HASH,
    MIN_PASSWORD_LENGTH,
    hash_password,
    needs_rehash,
    verify_password,
)
from core.identity.principal import Principal

log = logging.getLogger("shudu.identity")

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,98}[a-z0-9]$")
TOKEN_PREFIX = "sdu_"  # noqa: S105 — a public marker that makes leaked tokens greppable
MAX_TOKEN_DAYS = 366


def check_slug(field: str, value: str) -> str:
    if not SLUG_RE.fullmatch(value) or "--" in value:
        raise ValidationFailed(
            f"{field} must be 3-100 lowercase letters, digits and single hyphens",
            {field: ["use lowercase letters, digits and hyphens, e.g. 'bus-routes-2024'"]},
        )
    return value


def hash_token(secret: str) -> str:
    # Tokens carry 256 bits of randomness, so a plain SHA-256 is enough (no slow hash needed).
    return hashlib.sha256(secret.encode()).hexdigest()


class UserService:
    def __init__(self, session: Session) -> None:
        self.session = session

    def create(
        self,
        email: str,
        password: str,
        *,
        display_name: str = "",
        is_admin: bool = False,
        verified: bool = True,
    ) -> User:
        """An account. ``verified``: made by an operator, whose word proves the address;
        self sign-up passes False and the address is proved by a mailed link."""
        email = email.strip().lower()
        if not EMAIL_RE.fullmatch(email):
            raise ValidationFailed("Invalid e-mail address", {"email": ["not an e-mail address"]})
        if len(password) < MIN_PASSWORD_LENGTH:
            raise ValidationFailed(
                "Password too short",
                {"password": [f"use at least {MIN_PASSWORD_LENGTH} characters"]},
            )
        if self.find(email) is not None:
            raise Conflict(
                f"A user with e-mail {email} already exists",
                {"email": ["taken: sign in, or reset the password"]},
            )
        user = User(
            email=email,
            display_name=display_name,
            password_hash=hash_password(password),
            is_admin=is_admin,
            email_verified_at=utcnow() if verified else None,
        )
        self.session.add(user)
        self.session.flush()
        ledger.append(
            self.session, "user.created", subject=f"user:{user.id}", data={"admin": is_admin}
        )
        return user

    def find(self, email: str) -> User | None:
        return self.session.scalar(select(User).where(User.email == email.strip().lower()))

    def get(self, user_id: uuid.UUID) -> User:
        user = self.session.get(User, user_id)
        if user is None:
            raise NotFound("No such user")
        return user

    def by_email(self, email: str) -> User:
        user = self.find(email)
        if user is None:
            raise NotFound(f"No user with e-mail {email}")
        return user

    def authenticate(self, email: str, password: str) -> User:
        user = self.find(email)
        if user is None or not user.is_active:
            verify_password(DUMMY_HASH, password)
            raise NotAuthenticated("Wrong e-mail or password")
        if not verify_password(user.password_hash, password):
            raise NotAuthenticated("Wrong e-mail or password")
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        return user


class OrganizationService:
    def __init__(self, session: Session) -> None:
        self.session = session

    def create(
        self,
        name: str,
        kind: OrgKind | str,
        *,
        title_zh: str = "",
        title_en: str = "",
        description_zh: str = "",
        description_en: str = "",
    ) -> Organization:
        check_slug("name", name)
        try:
            kind = OrgKind(kind)
        except ValueError:
            raise ValidationFailed(
                f"Unknown organization kind {kind!r}",
                {"kind": [f"one of {', '.join(k.value for k in OrgKind)}"]},
            ) from None
        if self.find(name) is not None:
            raise Conflict(f"An organization named {name!r} already exists")
        org = Organization(
            name=name,
            kind=kind,
            title_zh=title_zh,
            title_en=title_en or name,
            description_zh=description_zh,
            description_en=description_en,
        )
        self.session.add(org)
        try:
            self.session.flush()
        except IntegrityError as exc:  # a concurrent create won the race
            raise Conflict(f"An organization named {name!r} already exists") from exc
        ledger.append(
            self.session,
            "organization.created",
            org=org.id,
            subject=f"organization:{org.id}",
            data={"name": name, "kind": kind.value},
        )
        return org

    def find(self, name: str) -> Organization | None:
        return self.session.scalar(select(Organization).where(Organization.name == name))

    def get(self, name: str) -> Organization:
        org = self.find(name)
        if org is None:
            raise NotFound(f"No organization named {name!r}")
        return org

    def get_by_id(self, org_id: uuid.UUID) -> Organization:
        org = self.session.get(Organization, org_id)
        if org is None:
            raise NotFound("No such organization")
        return org

    def page(
        self, *, kind: OrgKind | None = None, after: str | None = None, limit: int = 50
    ) -> tuple[list[Organization], int]:
        # Registrations waiting for (or refused) approval are not listed.
        query = select(Organization).where(Organization.status == OrgStatus.APPROVED)
        if kind is not None:
            query = query.where(Organization.kind == kind)
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        if after is not None:
            query = query.where(Organization.name > after)
        rows = list(self.session.scalars(query.order_by(Organization.name).limit(limit)))
        return rows, total

    def add_member(self, org: Organization, user: User, role: Role | str) -> Membership:
        try:
            role = Role(role)
        except ValueError:
            raise ValidationFailed(
                f"Unknown role {role!r}", {"role": [f"one of {', '.join(r.value for r in Role)}"]}
            ) from None
        allowed = ROLES_BY_KIND[org.kind]
        if role not in allowed:
            raise ValidationFailed(
                f"A {org.kind.value} has no {role.value} role",
                {
                    "role": [
                        f"for a {org.kind.value}: {', '.join(sorted(r.value for r in allowed))}"
                    ]
                },
            )
        existing = self.session.scalar(
            select(Membership).where(
                Membership.user_id == user.id,
                Membership.organization_id == org.id,
                Membership.role == role,
            )
        )
        if existing is not None:
            return existing
        membership = Membership(user=user, organization=org, role=role)
        self.session.add(membership)
        self.session.flush()
        ledger.append(
            self.session,
            "membership.added",
            org=org.id,
            subject=f"user:{user.id}",
            data={"role": role.value},
        )
        return membership


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown to the person once; never stored


class TokenService:
    def __init__(self, session: Session) -> None:
        self.session = session

    def create(
        self, user: User, *, name: str = "", can_write: bool = False, days: int = 90
    ) -> IssuedToken:
        if not 1 <= days <= MAX_TOKEN_DAYS:
            raise ValidationFailed(
                "Token lifetime out of range", {"days": [f"between 1 and {MAX_TOKEN_DAYS}"]}
            )
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = ApiToken(
            user_id=user.id,
            name=name[:100],
            token_hash=hash_token(secret),
            prefix=secret[:12],
            can_write=can_write,
            expires_at=utcnow() + timedelta(days=days),
        )
        self.session.add(token)
        self.session.flush()
        ledger.append(
            self.session,
            "api_token.created",
            actor=user.id,
            subject=f"api_token:{token.id}",
            data={"write": can_write, "expires_at": token.expires_at},
        )
        return IssuedToken(token=token, secret=secret)

    def list_for(self, user_id: uuid.UUID) -> list[ApiToken]:
        return list(
            self.session.scalars(
                select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.created_at)
            )
        )

    def revoke(self, user_id: uuid.UUID, token_id: uuid.UUID) -> ApiToken:
        token = self.session.get(ApiToken, token_id)
        if token is None or token.user_id != user_id:
            raise NotFound("No such token")
        if token.revoked_at is None:
            token.revoked_at = utcnow()
            ledger.append(
                self.session, "api_token.revoked", actor=user_id, subject=f"api_token:{token.id}"
            )
        return token

    def authenticate(self, secret: str, *, now: datetime | None = None) -> Principal:
        """Resolve a presented token to its principal, or refuse (fail closed)."""
        now = now or utcnow()
        token = self.session.scalar(
            select(ApiToken).where(ApiToken.token_hash == hash_token(secret))
        )
        if token is None or token.revoked_at is not None:
            raise NotAuthenticated("The API token is unknown or revoked")
        if token.expires_at <= now:
            raise NotAuthenticated("The API token has expired; create a new one")
        if not token.user.is_active:
            raise NotAuthenticated("The account of this token is disabled")
        # Recording last use at minute granularity keeps hot tokens from writing every request.
        if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
            self._record_use(token.id, now)
        principal = Principal.for_user(token.user, can_write=token.can_write, via="token")
        return principal.until(token.expires_at)

    def _record_use(self, token_id: uuid.UUID, now: datetime) -> None:
        """Best effort: last use is a hint for the owner, never a reason to fail a request.

        A read request's SQLite transaction may not upgrade to a writer once another process
        committed after it began (SQLITE_BUSY_SNAPSHOT); the savepoint lets the request go on
        as a reader, and the next use a minute later records it instead.
        """
        stale = now - timedelta(minutes=1)
        try:
            with self.session.begin_nested():
                self.session.execute(
                    update(ApiToken)
                    .where(ApiToken.id == token_id)
                    .where(or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < stale))
                    .values(last_used_at=now)
                )
        except OperationalError as exc:
            log.debug("API token last use not recorded (%s)", type(exc).__name__)
