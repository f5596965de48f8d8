"""Agreements: rendered from a template, an offer's policy and price plan, then hashed.

``render_agreement`` is deterministic: the same inputs give the same text, byte for byte (no
clock, no locale). Inputs are put on one line each (control characters and line breaks become
spaces), so nothing a party typed can forge a clause or a section of its own.

``agreement_hash(text, policy)`` is the hex SHA-256 of::

    b"shudu-agreement/1\\n" || len(text) as 8 bytes big-endian || text (UTF-8)
                            || canonical JSON of the policy (sorted keys, no whitespace)

The exact text is hashed (no normalisation: what each party saw is what is bound), the policy
in its canonical form (key order and spacing of the stored JSON do not matter). The length
prefix makes the split between text and policy unambiguous.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from string import Template
from typing import Any

from licensing.describe import describe_rule
from licensing.errors import AgreementInvalid
from licensing.policy import Policy, canonical_json
from licensing.pricing import PricePlan, describe_price_plan
from licensing.purposes import purpose_label
from licensing.register import agreement_template
from licensing.templates import TEXTS

HASH_DOMAIN = b"shudu-agreement/1\n"
DEFAULT_DELETION_DAYS = 30
MAX_INPUT = 2000
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


@dataclass(frozen=True, slots=True)
class Party:
    name: str
    identifier: str = ""  # unified social credit code, or our organization id


@dataclass(frozen=True, slots=True)
class Parties:
    provider: Party  # the publisher (甲方)
    recipient: Party  # the licensee enterprise (乙方)
    operator: Party = Party("数都数据交易所 Shudu Data Exchange")  # the exchange (丙方)


@dataclass(frozen=True, slots=True)
class DatasetRef:
    identifier: str
    title: str


@dataclass(frozen=True, slots=True)
class Term:
    start: date
    end: date
    deletion_days: int = DEFAULT_DELETION_DAYS


_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def _one_line(value: str) -> str:
    text = _CONTROL.sub(" ", value).strip()
    return text[:MAX_INPUT]


def _date(value: date, language: str) -> str:
    if language == "zh":
        return f"{value.year}年{value.month}月{value.day}日"
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def _bullets(lines: list[str], language: str) -> str:
    if not lines:
        return "  （无）" if language == "zh" else "  (none)"
    return "\n".join(f"  ({i}) {line}" for i, line in enumerate(lines, 1))


def render_agreement(
    template_id: str,
    language: str,
    *,
    parties: Parties,
    dataset: DatasetRef,
    policy: Policy,
    price_plan: PricePlan,
    term: Term,
    purpose: str,
    scenario: str = "",
    number: str = "",
    conditions: Sequence[str] = (),
) -> str:
    """The agreement's full text in ``language`` (``zh`` or ``en``).

    ``conditions``: what a review added when it approved, one clause each (templates from 1.1
    have a place for them; an older template refuses them rather than drop them)."""
    template = agreement_template(template_id)
    problems: list[tuple[str, str]] = []
    if language not in template.languages:
        problems.append(("language", f"one of {', '.join(template.languages)}"))
    if term.end < term.start:
        problems.append(("term.end", "the term ends before it starts"))
    text = TEXTS.get((template.id, language), "")
    kept = [line for line in (_one_line(c) for c in conditions) if line]
    if kept and "$conditions" not in text:
        problems.append(("conditions", f"template {template.id} has no place for conditions"))
    if not 1 <= term.deletion_days <= 365:
        problems.append(("term.deletion_days", "from 1 to 365 days"))
    for path, value in (
        ("parties.provider.name", parties.provider.name),
        ("parties.recipient.name", parties.recipient.name),
        ("dataset.title", dataset.title),
    ):
        if not _one_line(value):
            problems.append((path, "missing"))
    if problems:
        raise AgreementInvalid(problems)
    none = "（无）" if language == "zh" else "(none)"
    # Permissions and prohibitions come from the policy; the duties too, in the same words.
    permitted = [describe_rule(r, "permission", language) for r in policy.permission]
    prohibited = [describe_rule(r, "prohibition", language) for r in policy.prohibition]
    duties = [describe_rule(r, "obligation", language) for r in policy.obligation]
    values: dict[str, Any] = {
        "number": _one_line(number) or none,
        "template_id": template.id,
        "version": template.version,
        "provider": _one_line(parties.provider.name),
        "provider_id": _one_line(parties.provider.identifier) or none,
        "recipient": _one_line(parties.recipient.name),
        "recipient_id": _one_line(parties.recipient.identifier) or none,
        "operator": _one_line(parties.operator.name),
        "dataset_title": _one_line(dataset.title),
        "dataset_id": _one_line(dataset.identifier),
        "purpose": f"{purpose_label(purpose, language)}（{purpose}）"
        if language == "zh"
        else f"{purpose_label(purpose, language)} ({purpose})",
        "scenario": _one_line(scenario) or none,
        "permitted": _bullets(permitted, language),
        "prohibited": _bullets(prohibited, language),
        "duties": _bullets(duties, language),
        "fees": describe_price_plan(price_plan, language),
        "start": _date(term.start, language),
        "end": _date(term.end, language),
        "deletion_days": str(term.deletion_days),
        "conditions": _bullets(kept, language),
    }
    return Template(text).substitute(values)


def agreement_hash(text: str, policy: Policy | Mapping[str, Any]) -> str:
    """Hex SHA-256 over the exact text and the policy's canonical JSON (see module doc).

    A :class:`Policy` is hashed as ``policy.as_json()``; a mapping as given. Store and hash
    ``policy.as_json()`` so the two agree."""
    body = text.encode("utf-8")
    policy_json = policy.as_json() if isinstance(policy, Policy) else dict(policy)
    digest = hashlib.sha256()
    digest.update(HASH_DOMAIN)
    digest.update(len(body).to_bytes(8, "big"))
    digest.update(body)
    digest.update(canonical_json(policy_json))
    return digest.hexdigest()
