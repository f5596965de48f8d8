from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import utcnow
from core.db import make_engine, make_session_factory, transaction
from core.errors import Conflict, NotAuthenticated, ValidationFailed
from core.identity.models import ApiToken, OrgKind, Role
from core.identity.services import OrganizationService, TokenService, UserService
from tests.factories import PASSWORD, make_member, make_org, make_user


def test_passwords_are_stored_as_argon2id(session: Session) -> None:
    user = make_user(session)
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    assert UserService(session).authenticate(user.email.upper(), PASSWORD).id == user.id
    with pytest.raises(NotAuthenticated):
        UserService(session).authenticate(user.email, "wrong password")
    with pytest.raises(NotAuthenticated):
        UserService(session).authenticate("nobody@example.org", PASSWORD)


def test_duplicate_email_and_short_password_are_refused(session: Session) -> None:
    user = make_user(session)
    with pytest.raises(Conflict):
        UserService(session).create(user.email, PASSWORD)
    with pytest.raises(ValidationFailed) as info:
        UserService(session).create("new@example.org", "short")
    assert "password" in info.value.details  # type: ignore[operator]


def test_roles_must_fit_the_kind_of_organization(session: Session) -> None:
    enterprise = make_org(session, OrgKind.ENTERPRISE)
    user = make_user(session)
    with pytest.raises(ValidationFailed, match="no publisher role"):
        OrganizationService(session).add_member(enterprise, user, Role.PUBLISHER)
    with pytest.raises(ValidationFailed, match="Unknown organization kind"):
        OrganizationService(session).create("some-org", "church")


def test_principal_roles(session: Session) -> None:
    from tests.factories import principal_of

    department = make_org(session, OrgKind.DEPARTMENT)
    publisher = principal_of(make_member(session, department, Role.PUBLISHER))
    assert publisher.publisher_org_ids == {department.id}
    assert not publisher.sees_everything
    reviewer = principal_of(
        make_member(session, make_org(session, OrgKind.EXCHANGE), Role.REVIEWER)
    )
    regulator = principal_of(
        make_member(session, make_org(session, OrgKind.REGULATOR), Role.REGULATOR)
    )
    assert reviewer.sees_everything
    assert reviewer.publisher_org_ids == frozenset()
    assert regulator.sees_everything
    assert regulator.is_regulator


def test_tokens_are_hashed_expire_and_revoke(session: Session) -> None:
    user = make_user(session)
    tokens = TokenService(session)
    issued = tokens.create(user, can_write=True, days=1)
    assert issued.secret.startswith("sdu_")
    stored = session.get(ApiToken, issued.token.id)
    assert stored is not None
    assert issued.secret not in (stored.token_hash, stored.prefix)
    principal = tokens.authenticate(issued.secret)
    assert principal.user_id == user.id
    assert principal.can_write
    with pytest.raises(NotAuthenticated, match="expired"):
        tokens.authenticate(issued.secret, now=utcnow() + timedelta(days=2))
    tokens.revoke(user.id, issued.token.id)
    with pytest.raises(NotAuthenticated, match="revoked"):
        tokens.authenticate(issued.secret)
    with pytest.raises(NotAuthenticated):
        tokens.authenticate("sdu_not-a-token")
    with pytest.raises(ValidationFailed):
        tokens.create(user, days=0)


def test_outbox_prune_keeps_pending_and_recent_events(session: Session) -> None:
    from core import outbox
    from core.outbox import OutboxEvent

    outbox.emit(session, "t", "pending")
    outbox.emit(session, "t", "recent")
    outbox.emit(session, "t", "old")
    session.flush()
    events = {e.key: e for e in session.query(OutboxEvent).filter(OutboxEvent.topic == "t")}
    events["recent"].processed_at = utcnow()
    events["old"].processed_at = utcnow() - timedelta(days=8)
    session.flush()
    assert outbox.prune(session) == 1
    left = {e.key for e in session.query(OutboxEvent).filter(OutboxEvent.topic == "t")}
    assert left == {"pending", "recent"}


def test_a_reader_behind_a_newer_commit_still_authenticates(tmp_path: Path) -> None:
    """SQLite refuses to upgrade a read transaction whose snapshot is stale; recording the
    token's last use must not turn that into a failed request (it used to be a 500)."""
    from core.migrations import upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'stale.db'}")
    upgrade(engine)
    factory = make_session_factory(engine)
    try:
        with transaction(factory, write=True) as setup:
            user = make_user(setup)
            secret = TokenService(setup).create(user, days=1).secret
        with transaction(factory) as reader:
            reader.execute(select(ApiToken.id)).all()  # the read snapshot starts here
            with transaction(factory, write=True) as other:
                make_user(other, email="other@example.org")
            principal = TokenService(reader).authenticate(secret)
            assert principal.user_id == user.id
        with transaction(factory) as later:  # a later request records the use
            TokenService(later).authenticate(secret)
        with transaction(factory) as check:
            assert check.scalars(select(ApiToken.last_used_at)).one() is not None
    finally:
        engine.dispose()
