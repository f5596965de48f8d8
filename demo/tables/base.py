"""What every table generator shares: the ``Table`` it returns and the ``Scope`` it covers.

Also the small seeded draws the generators build on (unique names, addresses, landlines,
coordinates, days, companies) and the trends they follow (growth, the pandemic months).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, TypeAlias

from demo.city import CN_DIGITS, COMPANY_STEMS, DISTRICTS, LAST_MONTH_2025, District

Cell: TypeAlias = str | int | float


@dataclass(frozen=True, slots=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True, slots=True)
class Scope:
    """What one dataset covers: one district or the city, and a span of years."""

    district: District | None
    years: tuple[int, int]


TableFn: TypeAlias = Callable[[random.Random, Scope], Table]


def tables_in(namespace: dict[str, Any]) -> dict[str, TableFn]:
    """A domain module's ``_t_<kind>`` generators, by kind (pass it the module's ``globals()``)."""
    return {
        name.removeprefix("_t_"): fn
        for name, fn in sorted(namespace.items())
        if name.startswith("_t_") and callable(fn)
    }


def row_districts(
    rng: random.Random,
    scope: Scope,
    city_rows: tuple[int, int],
    district_rows: tuple[int, int] = (20, 36),
    among: Sequence[District] = DISTRICTS,
) -> list[District]:
    """The district of each row of a directory, grouped by district code."""
    if scope.district is not None:
        return [scope.district] * rng.randint(*district_rows)
    weights = [d.population for d in among]
    picked = rng.choices(among, weights=weights, k=rng.randint(*city_rows))
    return sorted(picked, key=lambda d: d.code)


def unique(used: set[str], rng: random.Random, *parts: str | Sequence[str]) -> str:
    """Draw a name from parts (a text, or options to choose from) until it is new.

    After many collisions the last draw gets a branch suffix (二部, 三部, …), as real
    institutions with the same name do.
    """

    def draw() -> str:
        return "".join(p if isinstance(p, str) else rng.choice(p) for p in parts)

    name = draw()
    for _ in range(40):
        if name not in used:
            break
        name = draw()
    if name in used:
        n = 2
        while f"{name}{_branch(n)}" in used:
            n += 1
        name = f"{name}{_branch(n)}"
    used.add(name)
    return name


def _branch(n: int) -> str:
    return f"{CN_DIGITS[n]}部" if n <= 10 else f"{n}部"


def address(rng: random.Random, d: District) -> str:
    return f"{d.zh}{rng.choice(d.roads)}{rng.randint(1, 1800)}号"


def phone(rng: random.Random) -> str:
    """An institutional landline: 021- and eight digits, never a mobile number."""
    return f"021-{rng.choice('3456')}{rng.randint(0, 9_999_999):07d}"


def lnglat(rng: random.Random, d: District) -> tuple[float, float]:
    spread = 0.004 * math.sqrt(d.area)
    return (
        round(d.lng + rng.uniform(-spread, spread), 6),
        round(d.lat + rng.uniform(-spread * 0.85, spread * 0.85), 6),
    )


def growth_factor(year: int, rate: float) -> float:
    """Compound growth since 2019 at a yearly rate."""
    return float((1 + rate) ** (year - 2019))


def shock(year: int, month: int) -> float:
    """Activity relative to normal in the months the pandemic closed the city."""
    return {
        (2020, 2): 0.45,
        (2020, 3): 0.7,
        (2020, 4): 0.85,
        (2022, 4): 0.2,
        (2022, 5): 0.35,
        (2022, 6): 0.8,
    }.get((year, month), 1.0)


def months_of(year: int) -> range:
    """The months of a year that have statistics (2025 runs to ``LAST_MONTH_2025``)."""
    return range(1, (LAST_MONTH_2025 if year == 2025 else 12) + 1)


def periods(scope: Scope, period: Literal["year", "quarter", "month"]) -> list[tuple[int, int]]:
    """(year, sub-period) pairs in the scope: sub-period is 0, a quarter or a month."""
    out: list[tuple[int, int]] = []
    for year in range(scope.years[0], scope.years[1] + 1):
        if period == "year":
            out.append((year, 0))
        elif period == "quarter":
            last = (LAST_MONTH_2025 // 3) if year == 2025 else 4
            out.extend((year, q) for q in range(1, last + 1))
        else:
            out.extend((year, m) for m in months_of(year))
    return out


def weighted(spec: str) -> tuple[tuple[str, float], ...]:
    """Parse "name:weight name:weight" into pairs."""
    pairs = (item.rsplit(":", 1) for item in spec.split())
    return tuple((name, float(weight)) for name, weight in pairs)


def random_day(rng: random.Random, year: int, months: range | None = None) -> date:
    """A day of the year in the given months (else any month with statistics), never past 28."""
    month = rng.choice(months or months_of(year))
    return date(year, month, rng.randint(1, 28))


def company(rng: random.Random, trade: str) -> str:
    prefix = rng.choice(("数都", "数都", "申城", "东海", "江南", ""))
    return f"{prefix}{rng.choice(COMPANY_STEMS)}{trade}有限公司"
