"""Housing and land tables: sales, rents, rental housing, registrations, land, subsidence."""

from __future__ import annotations

import random

from demo.city import DISTRICTS, STEMS, District, short_towns
from demo.tables.base import (
    Cell,
    Scope,
    Table,
    address,
    growth_factor,
    lnglat,
    random_day,
    row_districts,
    shock,
    tables_in,
    unique,
)
from demo.tables.shapes import district_panel


def _price_level(d: District) -> float:
    """Indicative new-home price, yuan per m², by how central a district is."""
    return {
        "huangpu": 128_000,
        "xuhui": 105_000,
        "changning": 98_000,
        "jingan": 112_000,
        "putuo": 78_000,
        "hongkou": 86_000,
        "yangpu": 84_000,
        "minhang": 68_000,
        "baoshan": 55_000,
        "jiading": 45_000,
        "pudong": 72_000,
        "jinshan": 26_000,
        "songjiang": 42_000,
        "qingpu": 46_000,
        "fengxian": 33_000,
        "chongming": 28_000,
    }[d.slug]


def _t_housing_sales(rng: random.Random, scope: Scope) -> Table:
    def values(d: District, year: int, month: int) -> tuple[Cell, ...]:
        supply = 0.4 if d.central else 1.0
        units = int(d.population * 0.9 * supply * shock(year, month) * rng.uniform(0.5, 1.5))
        area = units * rng.uniform(88, 128)
        price = _price_level(d) * growth_factor(year, 0.025) * rng.uniform(0.92, 1.08)
        return units, round(area), round(price)

    return district_panel(scope, "month", "units floor_area_m2 avg_price_yuan_m2", values)


def _t_rental_prices(rng: random.Random, scope: Scope) -> Table:
    def values(d: District, year: int, month: int) -> tuple[Cell, ...]:
        rent = _price_level(d) / 1000 * 1.05 * growth_factor(year, 0.02) * rng.uniform(0.95, 1.05)
        listings = int(d.population * rng.uniform(8, 14))
        deals = int(listings * rng.uniform(0.18, 0.32) * shock(year, month))
        return round(rent, 1), listings, deals

    return district_panel(scope, "month", "avg_rent_yuan_m2_month listings transactions", values)


def _t_housing_projects(rng: random.Random, scope: Scope) -> Table:
    used: set[str] = set()
    rows: list[tuple[Cell, ...]] = []
    for d in row_districts(rng, scope, (90, 160), (20, 30)):
        name = unique(
            used,
            rng,
            short_towns(d),
            ("", *STEMS[:10]),
            ("保障性租赁住房项目", "人才公寓", "租赁社区"),
        )
        units = rng.randrange(120, 2400, 10)
        status = rng.choices(("在建", "已竣工", "已供应"), (3, 2, 4))[0]
        lng, lat = lnglat(rng, d)
        rows.append(
            (
                name,
                d.zh,
                address(rng, d),
                units,
                round(units * rng.uniform(38, 72)),
                status,
                lng,
                lat,
            )
        )
    columns = ("name", "district", "address", "units", "floor_area_m2", "status", "lng", "lat")
    return Table(columns, tuple(rows))


def _t_real_estate_registration(rng: random.Random, scope: Scope) -> Table:
    def values(d: District, year: int, month: int) -> tuple[Cell, ...]:
        base = d.population * 28 * shock(year, month) * rng.uniform(0.8, 1.2)
        transfers, mortgages = int(base), int(base * rng.uniform(0.5, 0.8))
        first = int(base * rng.uniform(0.1, 0.5) * (0.4 if d.central else 1.0))
        return transfers, mortgages, first, round(transfers * rng.uniform(85, 120) / 10_000, 2)

    return district_panel(
        scope,
        "month",
        "transfer_registrations mortgage_registrations first_registrations area_10k_m2",
        values,
    )


def _t_land_supply(rng: random.Random, scope: Scope) -> Table:
    uses = (
        ("住宅用地", 22000),
        ("商服用地", 9000),
        ("工业用地", 1200),
        ("研发用地", 2500),
        ("公共设施用地", 0),
    )
    year = scope.years[1]
    rows: list[tuple[Cell, ...]] = []
    for i, d in enumerate(row_districts(rng, scope, (40, 90), (20, 30), among=DISTRICTS[7:]), 1):
        use, unit_price = rng.choices(uses, (3, 2, 3, 2, 1))[0]
        area = rng.randrange(8000, 160000, 10)
        method = (
            "划拨"
            if unit_price == 0
            else rng.choices(("挂牌出让", "招标出让", "拍卖出让"), (6, 2, 1))[0]
        )
        price = round(area * unit_price * _price_level(d) / 60000 * rng.uniform(0.8, 1.3) / 10000)
        rows.append(
            (
                f"{d.code}-{year}-{i:03d}",
                d.zh,
                f"{rng.choice(short_towns(d))}{rng.choice(('单元', '社区', '地块'))}",
                use,
                area,
                method,
                price,
                random_day(rng, year).isoformat(),
            )
        )
    columns = (
        "parcel_code",
        "district",
        "location",
        "land_use",
        "area_m2",
        "supply_method",
        "price_10k_yuan",
        "contract_date",
    )
    return Table(columns, tuple(rows))


def _t_subsidence(rng: random.Random, scope: Scope) -> Table:
    points: dict[str, int] = {}

    def values(d: District, year: int, _: int) -> tuple[Cell, ...]:
        network = points.setdefault(d.slug, int(d.area**0.5 * rng.uniform(4, 7)))
        mean = rng.uniform(2.5, 6.0) * (1.2 if d.central else 0.9)
        return network + (year - 2019) * 2, round(mean, 1), round(mean * rng.uniform(2, 3.5), 1)

    return district_panel(
        scope, "year", "monitoring_points avg_subsidence_mm max_subsidence_mm", values
    )


# Every ``_t_<kind>`` generator above, by kind; subjects name their table by that kind.
TABLES = tables_in(globals())
