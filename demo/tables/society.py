"""Education, welfare and public safety tables: schools, elderly care, police, shelters."""

from __future__ import annotations

import random

from demo.city import STEMS, District, short_towns
from demo.tables.base import (
    Cell,
    Scope,
    Table,
    address,
    lnglat,
    phone,
    row_districts,
    tables_in,
    unique,
)
from demo.tables.shapes import district_panel, service_table

# --------------------------------------------------------------------------------------------
# Education
# --------------------------------------------------------------------------------------------


def _t_schools(rng: random.Random, scope: Scope) -> Table:
    stages = (
        ("小学", "小学", 5),
        ("初级中学", "中学", 2),
        ("九年一贯制学校", "学校", 1),
        ("完全中学", "中学", 1),
        ("高级中学", "高级中学", 1),
    )
    used: set[str] = set()
    rows: list[tuple[Cell, ...]] = []
    for d in row_districts(rng, scope, (200, 320)):
        stage, suffix, _ = rng.choices(stages, weights=[s[2] for s in stages])[0]
        private = rng.random() < 0.12
        ownership = "民办" if private else "公办"
        prefix = f"{d.zh}民办" if private else d.zh
        name = unique(used, rng, prefix, (*STEMS, *short_towns(d)), suffix)
        founded = rng.randint(1995, 2021) if private else rng.randint(1905, 2021)
        rows.append((name, d.zh, stage, ownership, address(rng, d), phone(rng), founded))
    columns = ("name", "district", "stage", "ownership", "address", "phone", "founded")
    return Table(columns, tuple(rows))


def _t_kindergartens(rng: random.Random, scope: Scope) -> Table:
    used: set[str] = set()
    rows: list[tuple[Cell, ...]] = []
    for d in row_districts(rng, scope, (200, 320)):
        private = rng.random() < 0.3
        prefix = f"{d.zh}民办" if private else d.zh
        name = unique(used, rng, prefix, (*STEMS, *short_towns(d)), "幼儿园")
        rating = rng.choices(("示范园", "一级园", "二级园"), weights=(1, 4, 5))[0]
        rows.append(
            (
                name,
                d.zh,
                "民办" if private else "公办",
                rating,
                rng.randint(6, 20),
                address(rng, d),
                phone(rng),
            )
        )
    columns = ("name", "district", "ownership", "rating", "classes", "address", "phone")
    return Table(columns, tuple(rows))


# --------------------------------------------------------------------------------------------
# Welfare
# --------------------------------------------------------------------------------------------


def _t_elderly_care(rng: random.Random, scope: Scope) -> Table:
    kinds = (
        ("敬老院", 60, 300),
        ("养老院", 80, 600),
        ("护理院", 100, 400),
        ("长者照护之家", 20, 49),
    )
    used: set[str] = set()
    rows: list[tuple[Cell, ...]] = []
    for d in row_districts(rng, scope, (200, 320), (20, 38)):
        suffix, low, high = rng.choice(kinds)
        name = unique(used, rng, d.zh, (*short_towns(d), *STEMS), suffix)
        ownership = rng.choices(("公办", "民办", "公建民营"), (3, 4, 2))[0]
        rows.append(
            (
                name,
                d.zh,
                ownership,
                rng.randint(low, high),
                rng.choice(("是", "否")),
                address(rng, d),
                phone(rng),
            )
        )
    columns = ("name", "district", "ownership", "beds", "dementia_care", "address", "phone")
    return Table(columns, tuple(rows))


_t_canteens = service_table(
    ("{d}", "{t}", ("社区长者食堂", "老年助餐点")), ("10:30-13:00", "10:30-13:00;16:30-18:00")
)


def _t_dibao(rng: random.Random, scope: Scope) -> Table:
    standard = {2019: 1160, 2020: 1240, 2021: 1330, 2022: 1420, 2023: 1510, 2024: 1510, 2025: 1555}

    def values(d: District, year: int, month: int) -> tuple[Cell, ...]:
        persons = int(
            d.population
            * (95 if d.central else 55)
            * 0.985 ** (year - 2019)
            * rng.uniform(0.97, 1.03)
        )
        households = int(persons / rng.uniform(1.4, 1.7))
        paid = persons * standard[year] * rng.uniform(0.55, 0.7) / 10_000
        return households, persons, standard[year], round(paid, 1)

    return district_panel(
        scope, "month", "households persons standard_yuan_month paid_10k_yuan", values
    )


def _t_marriages(rng: random.Random, scope: Scope) -> Table:
    def values(d: District, year: int, _: int) -> tuple[Cell, ...]:
        marriages = int(
            d.population
            * 48
            * {2020: 0.82, 2022: 0.7}.get(year, 1.0)
            * 0.96 ** (year - 2019)
            * rng.uniform(0.9, 1.1)
        )
        return marriages, int(marriages * rng.uniform(0.33, 0.45))

    return district_panel(scope, "year", "marriage_registrations divorce_registrations", values)


# --------------------------------------------------------------------------------------------
# Public safety
# --------------------------------------------------------------------------------------------


_t_police_stations = service_table(("{d}公安分局", "{t}", "派出所"), ("24小时",))


_t_fire_stations = service_table(("{d}", "{t}", ("消防救援站", "特勤消防站")), ("24小时",))


def _t_shelters(rng: random.Random, scope: Scope) -> Table:
    places = ("公园", "体育场", "中学", "广场", "绿地", "体育中心")
    used: set[str] = set()
    rows: list[tuple[Cell, ...]] = []
    for d in row_districts(rng, scope, (120, 220), (20, 32)):
        name = unique(used, rng, short_towns(d), places, "应急避难场所")
        grade = rng.choices(("Ⅰ类", "Ⅱ类", "Ⅲ类"), (1, 3, 6))[0]
        area = rng.randrange(
            *{"Ⅰ类": (20000, 120000), "Ⅱ类": (5000, 30000), "Ⅲ类": (2000, 9000)}[grade], 100
        )
        lng, lat = lnglat(rng, d)
        rows.append(
            (name, d.zh, grade, area, int(area / rng.uniform(1.5, 2.5)), address(rng, d), lng, lat)
        )
    columns = (
        "name",
        "district",
        "category",
        "area_m2",
        "capacity_persons",
        "address",
        "lng",
        "lat",
    )
    return Table(columns, tuple(rows))


def _t_work_accidents(rng: random.Random, scope: Scope) -> Table:
    def values(d: District, year: int, quarter: int) -> tuple[Cell, ...]:
        accidents = int(d.population / 60 * 0.95 ** (year - 2019) * rng.uniform(0.4, 1.6))
        return (
            accidents,
            int(accidents * rng.uniform(0.8, 1.1)),
            round(accidents * rng.uniform(60, 180), 1),
        )

    return district_panel(scope, "quarter", "accidents deaths direct_loss_10k_yuan", values)


# Every ``_t_<kind>`` generator above, by kind; subjects name their table by that kind.
TABLES = tables_in(globals())
