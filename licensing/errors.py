"""Errors of the licensing package, on the one tree of ``core.errors``::

    ValidationFailed (422)
    ├── PolicyInvalid        a usage policy has unknown terms, operators or bad operands
    ├── PricePlanInvalid     a price plan is malformed (float prices, negative amounts, …)
    └── AgreementInvalid     an agreement cannot be rendered (unknown template or language)

Each carries ``problems``: ``(path, message)`` pairs such as
``("permission[0].constraint[1].operator", 'unknown operator "foo"')``; ``details`` maps each
path to its messages, and the message lists them all, so a client knows what to fix.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.errors import ValidationFailed


class LicensingInvalid(ValidationFailed):
    what = "input"

    def __init__(self, problems: Sequence[tuple[str, str]]) -> None:
        self.problems: tuple[tuple[str, str], ...] = tuple(problems)
        details: dict[str, list[str]] = {}
        for path, message in self.problems:
            details.setdefault(path, []).append(message)
        lines = [f"{path}: {message}" if path else message for path, message in self.problems]
        super().__init__(f"Invalid {self.what}: " + "; ".join(lines), details)


class PolicyInvalid(LicensingInvalid):
    code = "policy_invalid"
    what = "usage policy"


class PricePlanInvalid(LicensingInvalid):
    code = "price_plan_invalid"
    what = "price plan"


class AgreementInvalid(LicensingInvalid):
    code = "agreement_invalid"
    what = "agreement"
