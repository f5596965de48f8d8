"""Licensing: on what terms licensed data may be used. Pure: no I/O, no database.

See docs/architecture.md, "The policy profile".

Public API (import from ``licensing``; the exchange depends on these names staying put):

Register and agreements
    ``license_register() -> list[LicenseEntry]``, ``open_license(id)``,
    ``agreement_template(id) -> AgreementTemplate``, ``AUTHORIZED_OPERATION`` (template id),
    ``render_agreement(template_id, language, *, parties, dataset, policy, price_plan, term,
    purpose, scenario="", number="") -> str`` with ``Parties``, ``Party``, ``DatasetRef``,
    ``Term``; ``agreement_hash(text, policy) -> str`` (hex SHA-256).
Usage policies (ODRL 2.2 profile)
    ``parse_policy(json, fields=None) -> Policy`` (raises ``PolicyInvalid``; ``fields``: the
    dataset's ``catalog.datastore.fields.Field`` list to check field ids against),
    ``Policy``, ``Rule``, ``Constraint``, ``canonical_json``, ``describe_policy(policy, lang)``.
Evaluation
    ``evaluate(policy | json, Request) -> Allow | Deny``; ``Request``, ``Usage``, ``Quota``,
    ``FailedTerm``; ``to_access_decision(allow) -> AccessDecision``;
    ``named_fields(RecordQuery) -> (fields, filter_fields)``; ``CALLS_PER_DAY``,
    ``ROWS_PER_MONTH`` (quota keys). ``Deny.quota_exceeded`` → answer 429, else 403;
    ``Allow.as_json()`` / ``Deny.as_json()`` for ledger entries and error details;
    ``Allow.max_rows`` (rows/month left), ``Allow.quota(key)``, ``Allow.duties``.
Pricing
    ``parse_price_plan(json) -> PricePlan`` (raises ``PricePlanInvalid``),
    ``price(plan, MonthUsage) -> Statement``, ``describe_price_plan(plan, lang)``, ``PlanKind``.
Purposes
    ``PURPOSES`` (code -> ``Purpose`` with zh/en labels), ``is_purpose``, ``purpose_label``.
Errors
    ``PolicyInvalid``, ``PricePlanInvalid``, ``AgreementInvalid`` (all ``ValidationFailed``,
    422, with ``problems``: ``(path, message)`` pairs).
"""

from __future__ import annotations

from licensing.agreements import (
    DatasetRef,
    Parties,
    Party,
    Term,
    agreement_hash,
    render_agreement,
)
from licensing.describe import describe_policy
from licensing.errors import AgreementInvalid, PolicyInvalid, PricePlanInvalid
from licensing.evaluate import (
    CALLS_PER_DAY,
    ROWS_PER_MONTH,
    Allow,
    Decision,
    Deny,
    FailedTerm,
    Quota,
    Request,
    Usage,
    evaluate,
    named_fields,
    read_quotas,
    to_access_decision,
)
from licensing.policy import Constraint, Policy, Rule, canonical_json, parse_policy
from licensing.pricing import (
    MonthUsage,
    PlanKind,
    PricePlan,
    Statement,
    StatementLine,
    describe_price_plan,
    parse_price_plan,
    price,
)
from licensing.purposes import PURPOSES, Purpose, is_purpose, purpose_label
from licensing.register import (
    AUTHORIZED_OPERATION,
    AgreementTemplate,
    LicenseEntry,
    agreement_template,
    license_register,
    open_license,
)

__all__ = [
    "AUTHORIZED_OPERATION",
    "CALLS_PER_DAY",
    "PURPOSES",
    "ROWS_PER_MONTH",
    "AgreementInvalid",
    "AgreementTemplate",
    "Allow",
    "Constraint",
    "DatasetRef",
    "Decision",
    "Deny",
    "FailedTerm",
    "LicenseEntry",
    "MonthUsage",
    "Parties",
    "Party",
    "PlanKind",
    "Policy",
    "PolicyInvalid",
    "PricePlan",
    "PricePlanInvalid",
    "Purpose",
    "Quota",
    "Request",
    "Rule",
    "Statement",
    "StatementLine",
    "Term",
    "Usage",
    "agreement_hash",
    "agreement_template",
    "canonical_json",
    "describe_policy",
    "describe_price_plan",
    "evaluate",
    "is_purpose",
    "license_register",
    "named_fields",
    "open_license",
    "parse_policy",
    "parse_price_plan",
    "price",
    "purpose_label",
    "read_quotas",
    "render_agreement",
    "to_access_decision",
]
