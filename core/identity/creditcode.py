"""The unified social credit code (统一社会信用代码) of GB 32100-2015.

Eighteen characters from a 31-character alphabet (digits and capitals without I, O, S, V, Z):
the registration authority (1), the kind of entity (1), the administrative division where it
registered (6 digits), its organization code (9, GB 11714-1997, with a check character of its
own) and a check character over the first seventeen (weights 3^i mod 31). A code that fails
either check has a typo: it is refused with the position or the check that is wrong, so the
person can find it.
"""

from __future__ import annotations

from typing import Literal

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
# GB 11714: the organization code's own check over its first eight characters (0-9, A-Z).
ORG_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
LENGTH = 18

Problem = Literal["length", "character", "division", "org_check", "check"]


class CreditCodeError(ValueError):
    """What is wrong with a code: ``problem`` names the rule, ``position`` (1-based) the
    character where it applies."""

    def __init__(self, problem: Problem, position: int | None = None) -> None:
        super().__init__(problem if position is None else f"{problem} at {position}")
        self.problem: Problem = problem
        self.position = position


def check_character(first17: str) -> str:
    total = sum(ALPHABET.index(ch) * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def org_check_character(first8: str) -> str:
    total = sum(ORG_ALPHABET.index(ch) * w for ch, w in zip(first8, ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def normalize(raw: str) -> str:
    """As people type it: spaces and hyphens dropped, letters in capitals."""
    return "".join(ch for ch in raw.strip().upper() if ch not in " -\u3000")


def validate(raw: str) -> str:
    """The code, normalized, or :class:`CreditCodeError` naming what is wrong."""
    code = normalize(raw)
    if len(code) != LENGTH:
        raise CreditCodeError("length")
    for position, ch in enumerate(code, start=1):
        if ch not in ALPHABET:
            raise CreditCodeError("character", position)
    for position in range(3, 9):
        if not code[position - 1].isdigit():
            raise CreditCodeError("division", position)
    org = code[8:17]
    if any(ch not in ORG_ALPHABET for ch in org[:8]) or org_check_character(org[:8]) != org[8]:
        raise CreditCodeError("org_check", 17)
    if check_character(code[:17]) != code[17]:
        raise CreditCodeError("check", 18)
    return code
