"""The vocabulary of our ODRL 2.2 profile: actions, left operands, operators.

See docs/architecture.md, "The policy profile".

Kept apart from parsing and evaluation because both, and the agreement text, speak it.
The tables here *are* the validity rules: which operator applies to which left operand, which
operands may appear in which kind of rule.
"""

from __future__ import annotations

import enum


class Action(enum.StrEnum):
    USE = "use"  # any of the below
    READ = "read"  # record queries (including aggregate queries)
    AGGREGATE = "aggregate"  # aggregate queries (group_by) only
    DOWNLOAD = "download"  # files and exports


class Duty(enum.StrEnum):
    """Actions of the ``obligation`` rules: what the licensee owes while and after using."""

    REPORT_USAGE = "shudu:reportUsage"  # periodic usage reports (use, results, benefit)
    DELETE = "delete"  # delete all copies at the end, with a deletion certificate
    ATTRIBUTE = "attribute"  # name the provider where results are published


# What a rule's action covers: a rule for ``read`` also covers aggregate queries.
COVERS: dict[Action, frozenset[Action]] = {
    Action.USE: frozenset({Action.READ, Action.AGGREGATE, Action.DOWNLOAD}),
    Action.READ: frozenset({Action.READ, Action.AGGREGATE}),
    Action.AGGREGATE: frozenset({Action.AGGREGATE}),
    Action.DOWNLOAD: frozenset({Action.DOWNLOAD}),
}
# The actions a request can name (``use`` is only ever a rule's action).
REQUEST_ACTIONS = frozenset({Action.READ, Action.AGGREGATE, Action.DOWNLOAD})


class Operand(enum.StrEnum):
    PURPOSE = "purpose"
    DATE_TIME = "dateTime"
    ELAPSED_TIME = "elapsedTime"
    SPATIAL = "spatial"
    RECIPIENT = "recipient"
    FIELDS = "shudu:fields"
    ROW_FILTER = "shudu:rowFilter"
    MASKED_FIELDS = "shudu:maskedFields"
    CALLS_PER_DAY = "shudu:callsPerDay"
    ROWS_PER_MONTH = "shudu:rowsPerMonth"
    AGGREGATE_ONLY = "shudu:aggregateOnly"
    TIME_INTERVAL = "timeInterval"  # obligations only: how often a duty recurs


class Operator(enum.StrEnum):
    EQ = "eq"
    NEQ = "neq"
    LT = "lt"
    LTEQ = "lteq"
    GT = "gt"
    GTEQ = "gteq"
    IS_ANY_OF = "isAnyOf"
    IS_ALL_OF = "isAllOf"
    IS_NONE_OF = "isNoneOf"


EQUALITY = frozenset({Operator.EQ, Operator.NEQ, Operator.IS_ANY_OF, Operator.IS_NONE_OF})
ORDER = frozenset({Operator.LT, Operator.LTEQ, Operator.GT, Operator.GTEQ})
LIST_OPERATORS = frozenset({Operator.IS_ANY_OF, Operator.IS_ALL_OF, Operator.IS_NONE_OF})

# Which operators apply to which left operand.
OPERATORS: dict[Operand, frozenset[Operator]] = {
    Operand.PURPOSE: EQUALITY,
    Operand.DATE_TIME: ORDER,
    Operand.ELAPSED_TIME: ORDER,
    Operand.SPATIAL: EQUALITY,
    Operand.RECIPIENT: EQUALITY,
    Operand.FIELDS: frozenset({Operator.IS_ANY_OF, Operator.IS_NONE_OF}),
    Operand.ROW_FILTER: frozenset({Operator.EQ}),
    Operand.MASKED_FIELDS: frozenset({Operator.EQ, Operator.IS_ALL_OF}),
    Operand.CALLS_PER_DAY: frozenset({Operator.LT, Operator.LTEQ}),
    Operand.ROWS_PER_MONTH: frozenset({Operator.LT, Operator.LTEQ}),
    Operand.AGGREGATE_ONLY: frozenset({Operator.GTEQ}),
    Operand.TIME_INTERVAL: frozenset({Operator.EQ}),
}

# Conditions on the request: they may appear in permissions and prohibitions.
CONDITIONS = frozenset(
    {Operand.PURPOSE, Operand.DATE_TIME, Operand.ELAPSED_TIME, Operand.SPATIAL, Operand.RECIPIENT}
)
# Profile terms that shape what a permission grants (projection, filter, masks, quotas, k).
GRANT_TERMS = frozenset(
    {
        Operand.FIELDS,
        Operand.ROW_FILTER,
        Operand.MASKED_FIELDS,
        Operand.CALLS_PER_DAY,
        Operand.ROWS_PER_MONTH,
        Operand.AGGREGATE_ONLY,
    }
)
PERMISSION_OPERANDS = CONDITIONS | GRANT_TERMS
PROHIBITION_OPERANDS = CONDITIONS
OBLIGATION_OPERANDS: dict[Duty, frozenset[Operand]] = {
    Duty.REPORT_USAGE: frozenset({Operand.TIME_INTERVAL}),
    Duty.DELETE: frozenset(),
    Duty.ATTRIBUTE: frozenset(),
}
# At most one of these per rule (two row filters must be written as one).
SINGLE_PER_RULE = frozenset({Operand.ROW_FILTER, Operand.TIME_INTERVAL})

POLICY_TYPES = frozenset({"Set", "Offer", "Agreement", "Policy"})
POLICY_KEYS = frozenset(
    {"@context", "@type", "uid", "profile", "permission", "prohibition", "obligation"}
)
RULE_KEYS = frozenset({"action", "constraint"})
CONSTRAINT_KEYS = frozenset({"leftOperand", "operator", "rightOperand"})
PROFILE = "https://shudu.example/odrl/profile/1"


def known_operand(value: object) -> Operand | None:
    if not isinstance(value, str):
        return None
    try:
        return Operand(value)
    except ValueError:
        return None


def known_operator(value: object) -> Operator | None:
    if not isinstance(value, str):
        return None
    try:
        return Operator(value)
    except ValueError:
        return None
