"""Table shapes several domains share.

Panels (one row per district, category or period, with the values a generator computes for it)
and factories for generators that differ only in their data: directories of service points,
hourly online monitoring of sites, and weekly footfall of areas.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Literal

from demo.city import DISTRICTS, LAST_MONTH_2025, RURAL, SNAPSHOT_DAY, District
from demo.tables.base import (
    Cell,
    Scope,
    Table,
    TableFn,
    address,
    periods,
    phone,
    row_districts,
    unique,
)


def _period_label(period: Literal["year", "quarter", "month"], year: int, sub: int) -> Cell:
    if period == "year":
        return year
    if period == "quarter":
        return f"{year}-Q{sub}"
    return f"{year}-{sub:02d}"


def district_panel(
    scope: Scope,
    period: Literal["year", "quarter", "month"],
    columns: str,
    values: Callable[[District, int, int], tuple[Cell, ...]],
    among: Sequence[District] = DISTRICTS,
) -> Table:
    """One row per district and period (district, period, *values)."""
    districts = [scope.district] if scope.district is not None else list(among)
    rows = [
        (d.zh, _period_label(period, year, sub), *values(d, year, sub))
        for d in districts
        for year, sub in periods(scope, period)
    ]
    return Table(("district", period, *columns.split()), tuple(rows))


def category_panel(
    scope: Scope,
    period: Literal["year", "quarter", "month"],
    dimension: str,
    categories: Sequence[tuple[str, float]],
    columns: str,
    values: Callable[[str, float, int, int], tuple[Cell, ...]],
) -> Table:
    """One row per period and category (period, category, *values)."""
    rows = [
        (_period_label(period, year, sub), name, *values(name, weight, year, sub))
        for year, sub in periods(scope, period)
        for name, weight in categories
    ]
    return Table((period, dimension, *columns.split()), tuple(rows))


def series(
    scope: Scope,
    period: Literal["year", "quarter", "month"],
    columns: str,
    values: Callable[[int, int], tuple[Cell, ...]],
) -> Table:
    rows = [
        (_period_label(period, year, sub), *values(year, sub))
        for year, sub in periods(scope, period)
    ]
    return Table((period, *columns.split()), tuple(rows))


def service_table(pattern: Sequence[str | Sequence[str]], hours: Sequence[str]) -> TableFn:
    """A directory of service points named from a pattern.

    In the pattern, "{d}" and "{s}" inside a text stand for the district's full and short
    name, and a part that is exactly "{t}" for one of its sub-districts.
    """

    def build(rng: random.Random, scope: Scope) -> Table:
        used: set[str] = set()
        rows: list[tuple[Cell, ...]] = []
        for d in row_districts(rng, scope, (120, 220), (20, 32)):
            parts = [
                p.replace("{d}", d.zh).replace("{s}", d.short)
                if isinstance(p, str)
                else tuple(x.replace("{d}", d.zh).replace("{s}", d.short) for x in p)
                for p in pattern
            ]
            parts = [d.towns if p == "{t}" else p for p in parts]
            name = unique(used, rng, *parts)
            rows.append((name, d.zh, address(rng, d), phone(rng), rng.choice(hours)))
        return Table(("name", "district", "address", "phone", "opening_hours"), tuple(rows))

    return build


def online_table(
    units: str, prefix: str, columns: str, ranges: Sequence[tuple[float, float]]
) -> TableFn:
    """Hourly readings of a few monitored sites over the snapshot day."""
    trades = tuple(units.split())

    def build(rng: random.Random, scope: Scope) -> Table:
        rows: list[tuple[Cell, ...]] = []
        for i in range(1, rng.randint(10, 14) + 1):
            d = scope.district or rng.choices(RURAL, [x.population for x in RURAL])[0]
            trade = rng.choice(trades)
            bases = [rng.uniform(low, high) for low, high in ranges]
            for hour in range(0, 24, 1):
                load = 0.7 + 0.3 * math.sin(math.pi * (hour - 6) / 12)
                rows.append(
                    (
                        f"{prefix}-{d.code}-{i:03d}",
                        trade,
                        d.zh,
                        f"{SNAPSHOT_DAY}T{hour:02d}:00+08:00",
                        *(round(b * load * rng.uniform(0.9, 1.1), 2) for b in bases),
                    )
                )
        return Table(
            ("site_code", "industry", "district", "recorded_at", *columns.split()), tuple(rows)
        )

    return build


def footfall_table(areas: Sequence[str]) -> TableFn:
    """Weekly footfall estimated from mobile signalling, aggregated per area (no individuals)."""

    def build(rng: random.Random, scope: Scope) -> Table:
        picked = rng.sample(list(areas), 6)
        year = scope.years[1]
        rows: list[tuple[Cell, ...]] = []
        day = date(year, 1, 6)
        end = date(year, LAST_MONTH_2025, 28) if year == 2025 else date(year, 12, 28)
        base = {area: rng.uniform(20, 160) for area in picked}
        while day <= end:
            holiday = 1.35 if day.month in (2, 5, 10) and day.day < 10 else 1.0
            for area in picked:
                visitors = base[area] * holiday * rng.uniform(0.88, 1.12)
                rows.append(
                    (
                        day.isoformat(),
                        area,
                        round(visitors, 1),
                        rng.randint(70, 190),
                        round(rng.uniform(22, 58), 1),
                    )
                )
            day += timedelta(days=7)
        columns = (
            "week_starting",
            "area",
            "visitors_10k",
            "avg_stay_minutes",
            "nonlocal_share_pct",
        )
        return Table(columns, tuple(rows))

    return build
