"""Products, applications, agreements and entitlements through the services: roles, every
review path, the agreement hash, and a ledger entry for each step (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.filestore import FileStore
from core.clock import utcnow
from core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from core.ledger import LedgerEntry
from exchange.entitlements import EntitlementService
from exchange.errors import IllegalTransition
from exchange.metering import MeteringService
from exchange.models import ApplicationState, EntitlementState, UsageCounter
from exchange.obligations import ObligationService
from exchange.schemas import (
    ApplicationCreate,
    Decision,
    DeletionCertificateCreate,
    OfferCreate,
    ProductCreate,
    UsageReportCreate,
)
from exchange.services import ApplicationService, ProductService
from exchange.states import Action, EntitlementAction
from tests.factories.exchange import PRICE, World, activate, apply, list_product, make_world, policy

NONE = Decision()
REJECT = Decision(reason_codes=["insufficient_security"], reason_text="No access logs")


@pytest.fixture
def world(session: Session, files: FileStore) -> World:
    return make_world(session, files)


def _types(session: Session) -> list[str]:
    return list(session.scalars(select(LedgerEntry.type).order_by(LedgerEntry.seq)))


def test_only_the_datasets_publisher_lists_it_and_only_conditional_data(
    session: Session, world: World, files: FileStore
) -> None:
    with pytest.raises(PermissionDenied):
        ProductService(session, world.as_(world.member)).list_product(
            ProductCreate(dataset=world.dataset.name)
        )
    products = ProductService(session, world.as_(world.publisher))
    product = products.list_product(ProductCreate(dataset=world.dataset.name))
    assert product.compliance_review is False
    with pytest.raises(Conflict):
        products.list_product(ProductCreate(dataset=world.dataset.name))
    open_world = make_world(session, files)
    open_world.dataset.open_level = type(open_world.dataset.open_level)("open")
    with pytest.raises(ValidationFailed):
        ProductService(session, open_world.as_(open_world.publisher)).list_product(
            ProductCreate(dataset=open_world.dataset.name)
        )


def test_offers_are_validated_by_licensing(session: Session, world: World) -> None:
    products = ProductService(session, world.as_(world.publisher))
    product = products.list_product(ProductCreate(dataset=world.dataset.name))
    bad = {"permission": [{"action": "read", "constraint": [
        {"leftOperand": "shudu:colour", "operator": "eq", "rightOperand": "red"}]}]}  # fmt: skip
    with pytest.raises(ValidationFailed) as refused:
        products.add_offer(product.id, OfferCreate(name="x", policy=bad, price_plan=PRICE))
    assert "shudu:colour" in refused.value.message
    with pytest.raises(ValidationFailed):
        products.add_offer(
            product.id,
            OfferCreate(
                name="x", policy=policy(), price_plan={"kind": "per_call", "unit_price": 1.5}
            ),
        )


def test_the_whole_road_with_a_ledger_entry_for_each_step(session: Session, world: World) -> None:
    entitlement = activate(session, world)
    assert entitlement.state is EntitlementState.ACTIVE
    assert [c.client_id for c in entitlement.clients] == [world.client_id]
    types = _types(session)
    for expected in (
        "exchange.product.listed",
        "exchange.offer.created",
        "exchange.application.created",
        "exchange.application.submit",
        "exchange.application.start_review",
        "exchange.application.provider_approve",
        "exchange.application.issue_agreement",
        "exchange.agreement.accepted",
        "exchange.application.activate",
        "exchange.entitlement.granted",
    ):
        assert expected in types, expected
    assert types.count("exchange.agreement.accepted") == 2


def test_important_data_always_needs_the_reviewer(session: Session, files: FileStore) -> None:
    world = make_world(session, files, grade="important")
    _product, offer = list_product(session, world)
    application = apply(session, world, offer)
    assert application.compliance_required
    provider = ApplicationService(session, world.as_(world.publisher))
    ApplicationService(session, world.as_(world.member)).act(application.id, Action.SUBMIT, NONE)
    provider.act(application.id, Action.START_REVIEW, NONE)
    provider.act(application.id, Action.PROVIDER_APPROVE, NONE)
    assert application.state is ApplicationState.COMPLIANCE_REVIEW
    # The provider cannot take the reviewer's stage, nor skip to the agreement.
    with pytest.raises(PermissionDenied):
        provider.act(application.id, Action.COMPLIANCE_APPROVE, NONE)
    with pytest.raises(IllegalTransition):
        provider.act(application.id, Action.ISSUE_AGREEMENT, NONE)
    reviewer = ApplicationService(session, world.as_(world.reviewer))
    assert [a.id for a in reviewer.compliance_queue()] == [application.id]
    reviewer.act(application.id, Action.COMPLIANCE_REJECT, REJECT)
    assert application.state is ApplicationState.REJECTED
    assert application.reason_codes == ["insufficient_security"]


def test_a_reviewer_approves_with_conditions_that_the_agreement_carries(
    session: Session, files: FileStore
) -> None:
    world = make_world(session, files, grade="important")
    _product, offer = list_product(session, world)
    application = apply(session, world, offer)
    provider = ApplicationService(session, world.as_(world.publisher))
    ApplicationService(session, world.as_(world.member)).act(application.id, Action.SUBMIT, NONE)
    with pytest.raises(ValidationFailed):  # only an approval sets conditions
        provider.act(application.id, Action.START_REVIEW, Decision(conditions=["x"]))
    provider.act(application.id, Action.START_REVIEW, NONE)
    provider.act(application.id, Action.PROVIDER_APPROVE, NONE)
    reviewer = ApplicationService(session, world.as_(world.reviewer))
    conditions = ["数据仅存储于境内机房", "每季度提交安全自查报告"]
    reviewer.act(application.id, Action.COMPLIANCE_APPROVE, Decision(conditions=conditions))
    assert application.conditions == conditions
    provider.act(application.id, Action.ISSUE_AGREEMENT, NONE)
    agreement = provider.agreement_of(application)
    assert agreement is not None
    clause = agreement.text.split("5.4", 1)[1].split("\n\n", 1)[0]
    assert "(1) 数据仅存储于境内机房" in clause
    assert "(2) 每季度提交安全自查报告" in clause
    assert agreement.template == "shudu-authorized-operation-1.1"
    # The reading aid carries them too, in the same template.
    _other, aid = provider.reading_aid(application, agreement)
    assert "数据仅存储于境内机房" in aid.split("5.4", 1)[1]
    entry = session.scalars(
        select(LedgerEntry.entry)
        .where(LedgerEntry.type == "exchange.application.compliance_approve")
        .order_by(LedgerEntry.seq.desc())
    ).first()
    assert entry is not None
    assert "数据仅存储于境内机房" in entry


def test_the_enterprise_asks_to_renew_and_the_provider_decides(
    session: Session, world: World
) -> None:
    entitlement = activate(session, world)
    member = EntitlementService(session, world.as_(world.member))
    provider = EntitlementService(session, world.as_(world.publisher))
    with pytest.raises(PermissionDenied):  # the provider does not ask itself
        provider.request_renewal(entitlement.id, 30, "")
    with pytest.raises(Conflict):
        provider.decline_renewal(entitlement.id, "nothing asked")
    member.request_renewal(entitlement.id, 90, "The study runs a quarter longer")
    assert [e.id for e in provider.renewal_requests()] == [entitlement.id]
    assert member.renewal_requests() == []  # the queue is the provider's
    with pytest.raises(Conflict):  # one open request at a time
        member.request_renewal(entitlement.id, 30, "")
    with pytest.raises(ValidationFailed):
        provider.decline_renewal(entitlement.id, " ")
    provider.decline_renewal(entitlement.id, "Ask again after the audit")
    assert entitlement.renewal_requested_at is None
    assert entitlement.reason == "Ask again after the audit"
    member.request_renewal(entitlement.id, 60, "")
    before = entitlement.expires_at
    provider.renew(entitlement.id, entitlement.renewal_days or 0)
    assert (entitlement.expires_at - before).days == 60
    assert entitlement.renewal_requested_at is None
    assert provider.renewal_requests() == []
    EntitlementService(session, world.as_(world.reviewer)).change(
        entitlement.id, EntitlementAction.REVOKE, "End"
    )
    with pytest.raises(IllegalTransition):  # a revoked licence cannot be renewed
        member.request_renewal(entitlement.id, 30, "")
    types = _types(session)
    assert types.count("exchange.entitlement.renewal_requested") == 2
    assert "exchange.entitlement.renewal_declined" in types


ROLE_OF_ACTION = {
    Action.SUBMIT: "member",
    Action.WITHDRAW: "member",
    Action.START_REVIEW: "publisher",
    Action.PROVIDER_APPROVE: "publisher",
    Action.PROVIDER_REJECT: "publisher",
    Action.ISSUE_AGREEMENT: "publisher",
    Action.COMPLIANCE_APPROVE: "reviewer",
    Action.COMPLIANCE_REJECT: "reviewer",
}


@pytest.mark.parametrize("action", list(ROLE_OF_ACTION))
def test_each_action_belongs_to_one_role(session: Session, world: World, action: Action) -> None:
    _product, offer = list_product(session, world)
    application = apply(session, world, offer)
    for role in ("member", "publisher", "reviewer", "regulator", "outsider"):
        user = getattr(world, role)
        service = ApplicationService(session, world.as_(user))
        if role == ROLE_OF_ACTION[action]:
            continue
        # Not the role's step: refused as forbidden, or as unknown to an outsider.
        with pytest.raises((PermissionDenied, NotFound)):
            service.act(application.id, action, REJECT)
    assert application.state is ApplicationState.DRAFT


def test_rejection_needs_reasons_and_withdrawal_is_final(session: Session, world: World) -> None:
    _product, offer = list_product(session, world)
    application = apply(session, world, offer)
    member = ApplicationService(session, world.as_(world.member))
    provider = ApplicationService(session, world.as_(world.publisher))
    member.act(application.id, Action.SUBMIT, NONE)
    provider.act(application.id, Action.START_REVIEW, NONE)
    with pytest.raises(ValidationFailed):
        provider.act(application.id, Action.PROVIDER_REJECT, NONE)
    with pytest.raises(ValidationFailed):
        provider.act(
            application.id,
            Action.PROVIDER_REJECT,
            Decision(reason_codes=["bogus"], reason_text="x"),
        )
    member.act(application.id, Action.WITHDRAW, NONE)
    assert application.state is ApplicationState.WITHDRAWN
    with pytest.raises(IllegalTransition):
        provider.act(application.id, Action.PROVIDER_APPROVE, NONE)
    assert application.deadline is None


def test_an_agreement_is_accepted_only_by_its_hash(session: Session, world: World) -> None:
    _product, offer = list_product(session, world)
    application = apply(session, world, offer)
    member = ApplicationService(session, world.as_(world.member))
    provider = ApplicationService(session, world.as_(world.publisher))
    member.act(application.id, Action.SUBMIT, NONE)
    assert application.deadline is not None
    provider.act(application.id, Action.START_REVIEW, NONE)
    provider.act(application.id, Action.PROVIDER_APPROVE, NONE)
    provider.act(application.id, Action.ISSUE_AGREEMENT, NONE)
    agreement = provider.agreement_of(application)
    assert agreement is not None
    assert "credit_assessment" in agreement.text or "信用评估" in agreement.text
    with pytest.raises(Conflict):
        member.accept(application.id, "0" * 64)
    with pytest.raises(PermissionDenied):
        ApplicationService(session, world.as_(world.reviewer)).accept(
            application.id, agreement.hash
        )
    member.accept(application.id, agreement.hash)
    with pytest.raises(Conflict):
        member.accept(application.id, agreement.hash)
    assert application.state is ApplicationState.AGREEMENT_PENDING
    provider.accept(application.id, agreement.hash)
    assert application.state is ApplicationState.ACTIVE
    assert agreement.enterprise_accepted_hash == agreement.provider_accepted_hash == agreement.hash
    assert agreement.enterprise_accepted_by == world.member.id


def test_applications_need_a_known_purpose_and_own_clients(session: Session, world: World) -> None:
    _product, offer = list_product(session, world)
    base: dict[str, Any] = {
        "offer_id": str(offer.id),
        "purpose_code": "credit_assessment",
        "usage_scenario": "s",
        "security_measures": "m",
        "contact_name": "c",
        "contact_email": "c@example.org",
    }
    service = ApplicationService(session, world.as_(world.member))
    with pytest.raises(ValidationFailed):
        service.create(ApplicationCreate(**{**base, "purpose_code": "mind_control"}))
    with pytest.raises(ValidationFailed):
        service.create(ApplicationCreate(**{**base, "client_ids": [world.other_client_id]}))
    with pytest.raises(PermissionDenied):
        ApplicationService(session, world.as_(world.publisher)).create(ApplicationCreate(**base))
    draft = service.create(ApplicationCreate(**base))
    with pytest.raises(ValidationFailed):  # no client designated yet
        service.act(draft.id, Action.SUBMIT, NONE)
    # Another enterprise does not even see it.
    with pytest.raises(NotFound):
        ApplicationService(session, world.as_(world.outsider)).get(draft.id)


def test_entitlement_changes_by_role_with_reasons(session: Session, world: World) -> None:
    entitlement = activate(session, world)
    member = EntitlementService(session, world.as_(world.member))
    with pytest.raises(PermissionDenied):
        member.change(entitlement.id, EntitlementAction.SUSPEND, "because")
    reviewer = EntitlementService(session, world.as_(world.reviewer))
    with pytest.raises(ValidationFailed):
        reviewer.change(entitlement.id, EntitlementAction.SUSPEND, " ")
    reviewer.change(entitlement.id, EntitlementAction.SUSPEND, "Audit pending")
    assert entitlement.state is EntitlementState.SUSPENDED
    provider = EntitlementService(session, world.as_(world.publisher))
    provider.change(entitlement.id, EntitlementAction.RESUME, "Audit passed")
    with pytest.raises(PermissionDenied):
        reviewer.renew(entitlement.id, 30)
    before = entitlement.expires_at
    provider.renew(entitlement.id, 30)
    assert (entitlement.expires_at - before).days == 30
    reviewer.change(entitlement.id, EntitlementAction.REVOKE, "Data misuse")
    with pytest.raises(IllegalTransition):
        provider.change(entitlement.id, EntitlementAction.RESUME, "oops")
    types = _types(session)
    for kind in ("suspend", "resume", "renewed", "revoke"):
        assert f"exchange.entitlement.{kind}" in types


def test_obligations_reports_reminders_and_deletion(session: Session, world: World) -> None:
    entitlement = activate(session, world)
    obligations = ObligationService(session, world.as_(world.member))
    report = UsageReportCreate(
        period_start="2026-01-01",
        period_end="2026-01-31",
        use="Scored 120 shops",
        results="40 loans",
        benefit="Faster credit",
    )
    with pytest.raises(PermissionDenied):
        ObligationService(session, world.as_(world.publisher)).submit_report(entitlement.id, report)
    obligations.submit_report(entitlement.id, report)
    assert len(obligations.reports(entitlement.id)) == 1
    assert obligations.reminders() == []  # just reported
    entitlement.report_every_days = 0  # due now: overdue from the next instant
    assert [r.entitlement_id for r in obligations.reminders()] == [entitlement.id]
    certificate = DeletionCertificateCreate(
        statement="All copies deleted",
        method="Secure erase",
        deleted_at="2026-02-01T10:00:00+08:00",
    )
    with pytest.raises(Conflict):  # the licence has not ended
        obligations.certify_deletion(entitlement.id, certificate)
    EntitlementService(session, world.as_(world.reviewer)).change(
        entitlement.id, EntitlementAction.REVOKE, "End"
    )
    made = obligations.certify_deletion(entitlement.id, certificate)
    assert len(made.hash) == 64
    types = _types(session)
    assert "exchange.report.submitted" in types
    assert "exchange.certificate.submitted" in types


def test_statement_priced_by_plan_and_visible_to_both_parties(
    session: Session, world: World
) -> None:
    entitlement = activate(session, world)
    month = utcnow().strftime("%Y-%m")
    session.add(UsageCounter(entitlement_id=entitlement.id, period=f"{month}-01", calls=30, rows=5))
    session.add(UsageCounter(entitlement_id=entitlement.id, period=f"{month}-02", calls=10, rows=5))
    session.add(UsageCounter(entitlement_id=entitlement.id, period=month, calls=0, rows=10))
    session.flush()
    with pytest.raises(PermissionDenied):
        MeteringService(session, world.as_(world.member)).issue(world.enterprise.name, month)
    statement = MeteringService(session, world.as_(world.reviewer)).issue(
        world.enterprise.name, month
    )
    assert statement.total == "2.00"  # 40 calls at 0.05, the month row not counted twice
    for user in (world.member, world.publisher, world.regulator):
        seen = MeteringService(session, world.as_(user)).visible()
        assert [s["total"] for s in seen] == ["2.00"], user.email
    assert MeteringService(session, world.as_(world.outsider)).visible() == []
    assert len(MeteringService(session, world.as_(world.member)).daily(entitlement.id)) == 2


def test_the_sweep_expires_lapsed_licences_and_reminds_overdue_reports(
    session: Session, world: World
) -> None:
    from datetime import timedelta

    from core.identity.principal import Principal

    entitlement = activate(session, world)
    assert entitlement.report_every_days == 30  # from the policy's reportUsage P30D
    operator = Principal.operator()
    obligations = ObligationService(session, operator)
    assert obligations.send_reminders() == 0
    entitlement.starts_at = utcnow() - timedelta(days=31)
    assert obligations.send_reminders() == 1
    assert obligations.send_reminders() == 0  # once a day, however often the sweep runs
    assert EntitlementService(session, operator).expire_due() == 0
    entitlement.expires_at = utcnow() - timedelta(seconds=1)
    assert EntitlementService(session, operator).expire_due() == 1
    assert entitlement.state is EntitlementState.EXPIRED
    types = _types(session)
    assert "exchange.report.reminder" in types
    assert "exchange.entitlement.expired" in types
