"""The state machines, over the full state x action matrix: every pair is either the one
allowed transition or refused (IllegalTransition), so no state is skipped or re-entered."""

from __future__ import annotations

import pytest

from exchange.errors import IllegalTransition
from exchange.models import ApplicationState as A
from exchange.models import EntitlementState as E
from exchange.states import (
    Action,
    EntitlementAction,
    next_application_state,
    next_entitlement_state,
)

ALLOWED: dict[tuple[A, Action, bool], A] = {
    (A.DRAFT, Action.SUBMIT, False): A.SUBMITTED,
    (A.SUBMITTED, Action.START_REVIEW, False): A.PROVIDER_REVIEW,
    (A.PROVIDER_REVIEW, Action.PROVIDER_APPROVE, False): A.APPROVED,
    (A.PROVIDER_REVIEW, Action.PROVIDER_APPROVE, True): A.COMPLIANCE_REVIEW,
    (A.PROVIDER_REVIEW, Action.PROVIDER_REJECT, False): A.REJECTED,
    (A.COMPLIANCE_REVIEW, Action.COMPLIANCE_APPROVE, False): A.APPROVED,
    (A.COMPLIANCE_REVIEW, Action.COMPLIANCE_REJECT, False): A.REJECTED,
    (A.APPROVED, Action.ISSUE_AGREEMENT, False): A.AGREEMENT_PENDING,
    (A.AGREEMENT_PENDING, Action.ACTIVATE, False): A.ACTIVE,
}
for _state in (
    A.DRAFT,
    A.SUBMITTED,
    A.PROVIDER_REVIEW,
    A.COMPLIANCE_REVIEW,
    A.APPROVED,
    A.AGREEMENT_PENDING,
):
    ALLOWED[(_state, Action.WITHDRAW, False)] = A.WITHDRAWN


def _expected(state: A, action: Action, compliance: bool) -> A | None:
    if (state, action, compliance) in ALLOWED:
        return ALLOWED[(state, action, compliance)]
    if (state, action) != (A.PROVIDER_REVIEW, Action.PROVIDER_APPROVE):
        return ALLOWED.get((state, action, False))
    return None


@pytest.mark.parametrize("compliance", [False, True])
@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("state", list(A))
def test_application_matrix(state: A, action: Action, compliance: bool) -> None:
    expected = _expected(state, action, compliance)
    if expected is None:
        with pytest.raises(IllegalTransition) as refused:
            next_application_state(state, action, compliance_required=compliance)
        assert refused.value.status_code == 409
        assert refused.value.details == {"state": state.value, "action": action.value}
    else:
        assert next_application_state(state, action, compliance_required=compliance) is expected


def test_terminal_states_accept_nothing() -> None:
    for state in (A.REJECTED, A.ACTIVE, A.WITHDRAWN):
        for action in Action:
            for compliance in (False, True):
                with pytest.raises(IllegalTransition):
                    next_application_state(state, action, compliance_required=compliance)


ENTITLEMENT_ALLOWED = {
    (E.ACTIVE, EntitlementAction.SUSPEND): E.SUSPENDED,
    (E.SUSPENDED, EntitlementAction.RESUME): E.ACTIVE,
    (E.ACTIVE, EntitlementAction.REVOKE): E.REVOKED,
    (E.SUSPENDED, EntitlementAction.REVOKE): E.REVOKED,
    (E.ACTIVE, EntitlementAction.EXPIRE): E.EXPIRED,
    (E.SUSPENDED, EntitlementAction.EXPIRE): E.EXPIRED,
    (E.ACTIVE, EntitlementAction.RENEW): E.ACTIVE,
    (E.EXPIRED, EntitlementAction.RENEW): E.ACTIVE,
}


@pytest.mark.parametrize("action", list(EntitlementAction))
@pytest.mark.parametrize("state", list(E))
def test_entitlement_matrix(state: E, action: EntitlementAction) -> None:
    expected = ENTITLEMENT_ALLOWED.get((state, action))
    if expected is None:
        with pytest.raises(IllegalTransition):
            next_entitlement_state(state, action)
    else:
        assert next_entitlement_state(state, action) is expected


def test_revoked_is_final() -> None:
    for action in EntitlementAction:
        with pytest.raises(IllegalTransition):
            next_entitlement_state(E.REVOKED, action)
