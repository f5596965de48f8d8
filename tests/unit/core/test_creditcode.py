"""The unified social credit code (GB 32100-2015): real codes pass, and each kind of typo is
caught and named with its position."""

from __future__ import annotations

import pytest

from core.identity import creditcode

# Published codes of well-known companies (from their business licences).
REAL = ["91350100M000100Y43", "9144030071526726XG", "914403001922038216", "91330100716105852F"]


@pytest.mark.parametrize("code", REAL)
def test_real_codes_pass(code: str) -> None:
    assert creditcode.validate(code) == code
    assert creditcode.check_character(code[:17]) == code[17]


def test_typed_as_people_type_it() -> None:
    assert creditcode.validate(" 9144 0300-7152 6726xg ") == "9144030071526726XG"


@pytest.mark.parametrize(
    ("code", "problem", "position"),
    [
        ("91350100M000100Y4", "length", None),
        ("91350100M000100Y433", "length", None),
        ("91350100M0001O0Y43", "character", 14),  # the letter O where a zero belongs
        ("9135A100M000100Y43", "division", 5),
        ("91350100M000100Y53", "org_check", 17),
        ("91350100M000100Y44", "check", 18),
    ],
)
def test_each_typo_is_named(code: str, problem: str, position: int | None) -> None:
    with pytest.raises(creditcode.CreditCodeError) as caught:
        creditcode.validate(code)
    assert caught.value.problem == problem
    assert caught.value.position == position


def test_every_single_character_change_is_caught() -> None:
    """The check character catches every one-character substitution of a real code."""
    code = REAL[0]
    for i in range(17):
        for ch in creditcode.ALPHABET:
            if ch == code[i]:
                continue
            changed = code[:i] + ch + code[i + 1 :]
            with pytest.raises(creditcode.CreditCodeError):
                creditcode.validate(changed)
