"""The state machines of applications and entitlements, as plain tables (no I/O).

Every (state, action) pair not in a table is illegal: the services raise
:class:`~exchange.errors.IllegalTransition` for it, so no state can be skipped or re-entered.
"""

from __future__ import annotations

import enum

from exchange.errors import IllegalTransition
from exchange.models import ApplicationState as A
from exchange.models import EntitlementState as E


class Action(enum.StrEnum):
    SUBMIT = "submit"  # applicant
    START_REVIEW = "start_review"  # provider
    PROVIDER_APPROVE = "provider_approve"  # provider
    PROVIDER_REJECT = "provider_reject"  # provider
    COMPLIANCE_APPROVE = "compliance_approve"  # exchange reviewer
    COMPLIANCE_REJECT = "compliance_reject"  # exchange reviewer
    ISSUE_AGREEMENT = "issue_agreement"  # provider
    ACTIVATE = "activate"  # the second acceptance of the agreement
    WITHDRAW = "withdraw"  # applicant


class Who(enum.StrEnum):
    APPLICANT = "applicant"
    PROVIDER = "provider"
    REVIEWER = "reviewer"
    PARTIES = "parties"  # applicant or provider (accepting the agreement)


ACTOR: dict[Action, Who] = {
    Action.SUBMIT: Who.APPLICANT,
    Action.WITHDRAW: Who.APPLICANT,
    Action.START_REVIEW: Who.PROVIDER,
    Action.PROVIDER_APPROVE: Who.PROVIDER,
    Action.PROVIDER_REJECT: Who.PROVIDER,
    Action.ISSUE_AGREEMENT: Who.PROVIDER,
    Action.COMPLIANCE_APPROVE: Who.REVIEWER,
    Action.COMPLIANCE_REJECT: Who.REVIEWER,
    Action.ACTIVATE: Who.PARTIES,
}

_WITHDRAWABLE = (
    A.DRAFT,
    A.SUBMITTED,
    A.PROVIDER_REVIEW,
    A.COMPLIANCE_REVIEW,
    A.APPROVED,
    A.AGREEMENT_PENDING,
)

# (state, action) -> next state; PROVIDER_APPROVE depends on whether compliance is required.
_APPLICATION: dict[tuple[A, Action], A] = {
    (A.DRAFT, Action.SUBMIT): A.SUBMITTED,
    (A.SUBMITTED, Action.START_REVIEW): A.PROVIDER_REVIEW,
    (A.PROVIDER_REVIEW, Action.PROVIDER_REJECT): A.REJECTED,
    (A.COMPLIANCE_REVIEW, Action.COMPLIANCE_APPROVE): A.APPROVED,
    (A.COMPLIANCE_REVIEW, Action.COMPLIANCE_REJECT): A.REJECTED,
    (A.APPROVED, Action.ISSUE_AGREEMENT): A.AGREEMENT_PENDING,
    (A.AGREEMENT_PENDING, Action.ACTIVATE): A.ACTIVE,
    **{(state, Action.WITHDRAW): A.WITHDRAWN for state in _WITHDRAWABLE},
}


def next_application_state(state: A, action: Action, *, compliance_required: bool) -> A:
    if state is A.PROVIDER_REVIEW and action is Action.PROVIDER_APPROVE:
        return A.COMPLIANCE_REVIEW if compliance_required else A.APPROVED
    target = _APPLICATION.get((state, action))
    if target is None:
        raise IllegalTransition(
            f"An application in state {state.value!r} cannot {action.value.replace('_', ' ')}",
            {"state": state.value, "action": action.value},
        )
    return target


class EntitlementAction(enum.StrEnum):
    SUSPEND = "suspend"
    RESUME = "resume"
    REVOKE = "revoke"
    EXPIRE = "expire"
    RENEW = "renew"


_ENTITLEMENT: dict[tuple[E, EntitlementAction], E] = {
    (E.ACTIVE, EntitlementAction.SUSPEND): E.SUSPENDED,
    (E.SUSPENDED, EntitlementAction.RESUME): E.ACTIVE,
    (E.ACTIVE, EntitlementAction.REVOKE): E.REVOKED,
    (E.SUSPENDED, EntitlementAction.REVOKE): E.REVOKED,
    (E.ACTIVE, EntitlementAction.EXPIRE): E.EXPIRED,
    (E.SUSPENDED, EntitlementAction.EXPIRE): E.EXPIRED,
    (E.ACTIVE, EntitlementAction.RENEW): E.ACTIVE,
    (E.EXPIRED, EntitlementAction.RENEW): E.ACTIVE,
}


def next_entitlement_state(state: E, action: EntitlementAction) -> E:
    target = _ENTITLEMENT.get((state, action))
    if target is None:
        raise IllegalTransition(
            f"An entitlement in state {state.value!r} cannot {action.value}",
            {"state": state.value, "action": action.value},
        )
    return target
