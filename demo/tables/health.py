"""Health tables: hospitals, community health, pharmacies, outpatients, DRG costs, insurance."""

from __future__ import annotations

import random

from demo.city import CN_DIGITS, DISTRICTS, STEMS, District, short_towns
from demo.tables.base import (
    Cell,
    Scope,
    Table,
    address,
    growth_factor,
    phone,
    random_day,
    row_districts,
    shock,
    tables_in,
    unique,
    weighted,
)
from demo.tables.shapes import district_panel, series

_HOSPITAL_LEVELS = (
    ("三级甲等", 800, 2600, 3),
    ("三级乙等", 500, 1100, 2),
    ("二级甲等", 300, 850, 5),
    ("二级乙等", 150, 420, 3),
)
_SPECIALTIES = (
    "胸科",
    "肺科",
    "眼耳鼻喉科",
    "儿童",
    "口腔",
    "肿瘤",
    "皮肤病",
    "精神卫生",
    "妇产科",
    "骨科",
    "康复",
    "传染病",
)


def _t_hospitals(rng: random.Random, scope: Scope) -> Table:
    used: set[str] = set()
    rows: list[tuple[Cell, ...]] = []
    for d in row_districts(rng, scope, (70, 110), (20, 26)):
        level, low, high, _ = rng.choices(_HOSPITAL_LEVELS, [x[3] for x in _HOSPITAL_LEVELS])[0]
        category = rng.choices(("综合医院", "中医医院", "专科医院", "妇幼保健院"), (6, 2, 3, 1))[0]
        options: list[str]
        if category == "综合医院" and level.startswith("三"):
            options = [f"市第{n}人民医院" for n in CN_DIGITS[1:]]
            options += [f"数都{s}医院" for s in STEMS[:12]]
        elif category == "综合医院":
            options = [f"{d.zh}中心医院", f"{d.zh}人民医院"]
            options += [f"{d.zh}{t}医院" for t in short_towns(d)]
        elif category == "中医医院":
            options = ["市中医医院", "市中西医结合医院", "市第二中医医院"]
            if level.startswith("二"):
                options = [f"{d.zh}中医医院", f"{d.zh}中西医结合医院"]
        elif category == "专科医院":
            prefix = "市" if level.startswith("三") else d.zh
            options = [f"{prefix}{s}医院" for s in _SPECIALTIES]
        elif level.startswith("三"):
            options = ["市妇幼保健院", "市第一妇婴保健院", "市国际和平妇幼保健院"]
        else:
            options = [f"{d.zh}妇幼保健院"]
        name = unique(used, rng, options)
        approved = rng.randrange(low, high, 10)
        opened = (
            approved - rng.randrange(0, approved // 8 + 1, 5) if rng.random() < 0.5 else approved
        )
        rows.append((name, d.zh, level, category, approved, opened, address(rng, d), phone(rng)))
    columns = (
        "name",
        "district",
        "level",
        "category",
        "approved_beds",
        "open_beds",
        "address",
        "phone",
    )
    return Table(columns, tuple(rows))


def _t_community_health(rng: random.Random, scope: Scope) -> Table:
    rows: list[tuple[Cell, ...]] = []
    districts = [scope.district] if scope.district is not None else list(DISTRICTS)
    used: set[str] = set()
    for d in districts:
        target = rng.randint(20, 30) if scope.district is not None else len(d.towns)
        for i in range(target):
            town = d.towns[i % len(d.towns)]
            centre = i < len(d.towns)
            if centre:
                name = unique(used, rng, f"{d.zh}{town}社区卫生服务中心")
            else:
                name = unique(used, rng, f"{d.zh}{town}社区卫生服务站（", d.roads, "）")
            hours = rng.choice(("08:00-16:30", "07:30-16:30", "08:00-20:00"))
            teams = rng.randint(4, 28) if centre else rng.randint(1, 4)
            rows.append((name, d.zh, town, address(rng, d), phone(rng), hours, teams))
    columns = (
        "name",
        "district",
        "subdistrict",
        "address",
        "phone",
        "opening_hours",
        "family_doctor_teams",
    )
    return Table(columns, tuple(rows))


def _t_pharmacies(rng: random.Random, scope: Scope) -> Table:
    chains = ("数都第一医药", "康安大药房", "仁和堂药房", "百信大药房", "益寿堂药店", "华康药房")
    used: set[str] = set()
    rows: list[tuple[Cell, ...]] = []
    for d in row_districts(rng, scope, (220, 340), (24, 40)):
        name = unique(used, rng, chains, (*short_towns(d), *d.roads), "店")
        since = random_day(rng, rng.randint(2008, 2024))
        rows.append(
            (
                name,
                d.zh,
                address(rng, d),
                phone(rng),
                since.isoformat(),
                rng.choices(("是", "否"), (3, 1))[0],
            )
        )
    columns = (
        "name",
        "district",
        "address",
        "phone",
        "designated_since",
        "cross_region_settlement",
    )
    return Table(columns, tuple(rows))


def _t_outpatient(rng: random.Random, scope: Scope) -> Table:
    def values(d: District, year: int, month: int) -> tuple[Cell, ...]:
        visits = d.population * (1.3 if d.central else 0.75) * shock(year, month)
        visits *= rng.uniform(0.92, 1.08) * (1.1 if month in (1, 12) else 1.0)
        return round(visits, 2), round(visits * rng.uniform(0.012, 0.02), 2)

    return district_panel(scope, "month", "outpatient_visits_10k discharges_10k", values)


def _t_drg_costs(rng: random.Random, scope: Scope) -> Table:
    groups = weighted(
        "急性心肌梗死:38000 脑梗死:16000 社区获得性肺炎:9000 髋关节置换:62000 "
        "白内障手术:8500 剖宫产:14000 阑尾切除术:11000 慢性阻塞性肺病:13000 "
        "冠状动脉支架植入:52000 胆囊切除术:18000 糖尿病:9500 腰椎间盘突出:26000"
    )
    levels = (("三级医院", 1.2), ("二级医院", 0.9), ("社区医院", 0.6))
    rows: list[tuple[Cell, ...]] = []
    for year in range(scope.years[0], scope.years[1] + 1):
        for group, cost in groups:
            for level, factor in levels:
                if level == "社区医院" and cost > 30000:
                    continue
                rows.append(
                    (
                        year,
                        group,
                        level,
                        int(rng.uniform(200, 9000) * factor),
                        round(cost * factor * growth_factor(year, 0.02) * rng.uniform(0.9, 1.1)),
                        round(rng.uniform(4, 14) * factor, 1),
                        round(rng.uniform(62, 82), 1),
                    )
                )
    columns = (
        "year",
        "disease_group",
        "hospital_level",
        "cases",
        "avg_cost_yuan",
        "avg_stay_days",
        "insurance_share_pct",
    )
    return Table(columns, tuple(rows))


def _t_medical_insurance(rng: random.Random, scope: Scope) -> Table:
    def values(year: int, month: int) -> tuple[Cell, ...]:
        insured = 1960 * growth_factor(year, 0.008)
        income = 140 * growth_factor(year, 0.06) * rng.uniform(0.9, 1.1)
        spending = income * rng.uniform(0.78, 0.95) * shock(year, month) ** 0.5
        return round(insured, 1), round(income, 1), round(spending, 1), round(spending * 9.5, 1)

    return series(
        scope,
        "month",
        "insured_10k fund_income_100m_yuan fund_expenditure_100m_yuan settlements_10k",
        values,
    )


# Every ``_t_<kind>`` generator above, by kind; subjects name their table by that kind.
TABLES = tables_in(globals())
