"""Agriculture tables: crop output, farmers' co-operatives and wholesale prices."""

from __future__ import annotations

import random
from datetime import date, timedelta

from demo.city import LAST_MONTH_2025, RURAL, STEMS, short_towns
from demo.tables.base import (
    Cell,
    Scope,
    Table,
    random_day,
    row_districts,
    tables_in,
    unique,
)


def _t_crop_output(rng: random.Random, scope: Scope) -> Table:
    crops = (
        ("水稻", 560, 30000),
        ("小麦", 350, 9000),
        ("蔬菜", 2200, 20000),
        ("西甜瓜", 2100, 3000),
        ("草莓", 1500, 600),
    )
    rows: list[tuple[Cell, ...]] = []
    for year in range(scope.years[0], scope.years[1] + 1):
        for d in [scope.district] if scope.district else RURAL:
            size = d.area / 600 * (0.35 if d.slug in ("minhang", "baoshan") else 1.0)
            for crop, yield_kg, mu in crops:
                area = mu * size * 0.99 ** (year - 2019) * rng.uniform(0.85, 1.15)
                output = area * yield_kg * rng.uniform(0.92, 1.08) / 1000
                rows.append((year, d.zh, crop, round(area), round(output)))
    return Table(("year", "district", "crop", "sown_area_mu", "output_t"), tuple(rows))


def _t_coops(rng: random.Random, scope: Scope) -> Table:
    products = (
        "蔬菜",
        "水稻",
        "葡萄",
        "桃",
        "草莓",
        "西瓜",
        "黄桃",
        "柑橘",
        "水产",
        "食用菌",
        "花卉苗木",
    )
    used: set[str] = set()
    rows: list[tuple[Cell, ...]] = []
    for d in row_districts(rng, scope, (150, 240), (20, 36), among=RURAL):
        product = rng.choice(products)
        name = unique(used, rng, d.short, short_towns(d), STEMS[:12], f"{product}专业合作社")
        level = rng.choices(("国家级示范社", "市级示范社", "区级示范社", "无"), (1, 3, 5, 12))[0]
        registered = random_day(rng, rng.randint(2008, 2024))
        rows.append((name, d.zh, product, rng.randint(5, 320), registered.isoformat(), level))
    columns = ("name", "district", "main_product", "members", "registered_on", "demonstration")
    return Table(columns, tuple(rows))


def _t_wholesale_prices(rng: random.Random, scope: Scope) -> Table:
    goods = (
        ("青菜", "公斤", 3.2),
        ("大白菜", "公斤", 1.6),
        ("番茄", "公斤", 5.0),
        ("猪肉（白条）", "公斤", 24.0),
        ("鸡蛋", "公斤", 9.0),
        ("带鱼", "公斤", 32.0),
        ("粳米", "公斤", 4.4),
    )
    year = scope.years[1]
    first = date(year, 1, 1) + timedelta(days=(4 - date(year, 1, 1).weekday()) % 7)  # Friday
    end = date(year, LAST_MONTH_2025, 30) if year == 2025 else date(year, 12, 31)
    rows: list[tuple[Cell, ...]] = []
    prices = {name: base * rng.uniform(0.9, 1.1) for name, _, base in goods}
    day = first
    while day <= end:
        for name, unit, base in goods:
            season = 1 + (0.25 if name in ("青菜", "番茄") and day.month in (1, 2, 7, 8) else 0)
            prices[name] = 0.7 * prices[name] + 0.3 * base * season * rng.uniform(0.85, 1.15)
            rows.append((day.isoformat(), name, unit, round(prices[name], 2)))
        day += timedelta(days=7)
    return Table(("week_ending", "product", "unit", "avg_price_yuan"), tuple(rows))


# Every ``_t_<kind>`` generator above, by kind; subjects name their table by that kind.
TABLES = tables_in(globals())
