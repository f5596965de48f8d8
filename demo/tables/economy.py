"""Economy tables: city statistics, commerce, enterprises and employment."""

from __future__ import annotations

import random

from demo.city import COMPANY_STEMS, DISTRICTS, POPULATION, STEMS, District, short_towns
from demo.tables.base import (
    Cell,
    Scope,
    Table,
    address,
    company,
    growth_factor,
    random_day,
    row_districts,
    shock,
    tables_in,
    unique,
    weighted,
)
from demo.tables.shapes import (
    category_panel,
    district_panel,
    footfall_table,
    series,
    service_table,
)

# --------------------------------------------------------------------------------------------
# Statistics
# --------------------------------------------------------------------------------------------


def _t_population(rng: random.Random, scope: Scope) -> Table:
    def values(d: District, year: int, _: int) -> tuple[Cell, ...]:
        trend = 0.996 if d.central else 1.006
        resident = d.population * trend ** (year - 2020) * rng.uniform(0.995, 1.005)
        registered = resident * (0.78 if d.central else 0.52) * rng.uniform(0.97, 1.03)
        return (round(resident, 2), round(registered, 2), d.area, round(resident * 10_000 / d.area))

    return district_panel(
        scope,
        "year",
        "resident_population_10k registered_population_10k area_km2 density_per_km2",
        values,
    )


_GDP_GROWTH = {2019: 0.0, 2020: 0.017, 2021: 0.081, 2022: -0.002, 2023: 0.05, 2024: 0.05}


def _t_gdp(rng: random.Random, scope: Scope) -> Table:
    def values(d: District, year: int, _: int) -> tuple[Cell, ...]:
        gdp = d.gdp
        for y in range(2020, year + 1):
            gdp *= 1 + _GDP_GROWTH[y] + rng.uniform(-0.01, 0.01) + 0.03  # nominal = real + prices
        growth = _GDP_GROWTH[year] * 100 + rng.uniform(-1.2, 1.2) if year > 2019 else 6.0
        tertiary = rng.uniform(82, 94) if d.central else rng.uniform(45, 68)
        return round(gdp, 1), round(growth, 1), round(tertiary, 1)

    return district_panel(scope, "year", "gdp_100m_yuan growth_pct tertiary_share_pct", values)


_CPI_CATEGORIES = weighted(
    "总指数:1 食品烟酒:1.2 衣着:0.6 居住:0.8 生活用品及服务:0.5 交通通信:1.3 教育文化娱乐:0.9 "
    "医疗保健:0.7 其他用品及服务:0.8"
)


def _t_cpi(rng: random.Random, scope: Scope) -> Table:
    base = {2019: 2.5, 2020: 1.7, 2021: 1.2, 2022: 2.5, 2023: 0.3, 2024: 0.2, 2025: 0.1}

    def values(_: str, volatility: float, year: int, month: int) -> tuple[Cell, ...]:
        yoy = 100 + base[year] + rng.gauss(0, 0.8) * volatility
        mom = 100 + rng.gauss(0, 0.35) * volatility
        return round(yoy, 1), round(mom, 1)

    return category_panel(
        scope, "month", "category", _CPI_CATEGORIES, "index_yoy index_mom", values
    )


def _t_retail_sales(rng: random.Random, scope: Scope) -> Table:
    def values(year: int, month: int) -> tuple[Cell, ...]:
        season = 1.12 if month in (1, 11, 12) else (0.9 if month == 2 else 1.0)
        sales = (
            1260
            * growth_factor(year, 0.035)
            * season
            * shock(year, month)
            * rng.uniform(0.97, 1.03)
        )
        online = 28 + 2.2 * (year - 2019) + rng.uniform(-1.5, 1.5)
        yoy = (shock(year, month) / shock(year - 1, month) - 1) * 100 + rng.uniform(1, 6)
        return round(sales, 1), round(yoy, 1), round(online, 1)

    return series(scope, "month", "retail_sales_100m_yuan yoy_pct online_share_pct", values)


def _t_trade(rng: random.Random, scope: Scope) -> Table:
    def values(year: int, month: int) -> tuple[Cell, ...]:
        season = 0.8 if month == 2 else 1.0
        exports = (
            1150 * growth_factor(year, 0.04) * season * shock(year, month) * rng.uniform(0.93, 1.07)
        )
        imports = exports * rng.uniform(1.35, 1.6)
        return round(exports, 1), round(imports, 1), round(exports + imports, 1)

    return series(scope, "month", "exports_100m_yuan imports_100m_yuan total_100m_yuan", values)


# --------------------------------------------------------------------------------------------
# Commerce
# --------------------------------------------------------------------------------------------


def _t_markets(rng: random.Random, scope: Scope) -> Table:
    used: set[str] = set()
    rows: list[tuple[Cell, ...]] = []
    for d in row_districts(rng, scope, (160, 260), (20, 34)):
        name = unique(
            used, rng, (*short_towns(d), *d.roads, *STEMS), ("菜市场", "菜市场", "农贸市场")
        )
        operator = rng.choice(
            (f"{d.zh}菜市场管理有限公司", "数都菜篮子经营管理公司", company(rng, "市场经营管理"))
        )
        hours = rng.choice(("06:00-18:00", "06:00-19:00", "05:30-18:30", "06:30-20:00"))
        rows.append((name, d.zh, address(rng, d), rng.randint(30, 180), hours, operator))
    columns = ("name", "district", "address", "stalls", "opening_hours", "operator")
    return Table(columns, tuple(rows))


_t_shopping_footfall = footfall_table(
    (
        "南京东路",
        "南京西路",
        "淮海中路",
        "徐家汇",
        "陆家嘴",
        "五角场",
        "中山公园",
        "虹桥",
        "七宝",
        "莘庄",
        "真如",
        "豫园",
        "大宁",
        "北外滩",
    )
)


# --------------------------------------------------------------------------------------------
# Enterprises
# --------------------------------------------------------------------------------------------


_INDUSTRIES = weighted(
    "制造业:10 批发和零售业:9 租赁和商务服务业:8 信息传输、软件和信息技术服务业:6 "
    "科学研究和技术服务业:5 金融业:4 建筑业:4 交通运输、仓储和邮政业:4 住宿和餐饮业:3 房地产业:3"
)


def _t_company_registrations(rng: random.Random, scope: Scope) -> Table:
    def values(_: str, weight: float, year: int, month: int) -> tuple[Cell, ...]:
        season = 0.7 if month == 2 else 1.0
        firms = int(weight * 420 * season * shock(year, month) * rng.uniform(0.85, 1.15))
        return firms, int(firms * rng.uniform(0.3, 0.6)), round(firms * rng.uniform(0.012, 0.04), 2)

    return category_panel(
        scope,
        "month",
        "industry",
        _INDUSTRIES,
        "new_enterprises new_individual_businesses registered_capital_100m_yuan",
        values,
    )


def _t_market_entities(rng: random.Random, scope: Scope) -> Table:
    shares: dict[str, float] = {}

    def values(d: District, year: int, _: int) -> tuple[Cell, ...]:
        firms = d.gdp * 70 * growth_factor(year, 0.05) * rng.uniform(0.97, 1.03)
        sole = (
            firms * shares.setdefault(d.slug, rng.uniform(0.15, 0.35)) * growth_factor(year, -0.02)
        )
        return int(firms), int(sole), int(firms * rng.uniform(0.08, 0.12))

    return district_panel(
        scope, "year", "enterprises individual_businesses new_registrations", values
    )


def _t_food_sampling(rng: random.Random, scope: Scope) -> Table:
    kinds = weighted(
        "粮食加工品:1 食用油:0.6 肉制品:1 乳制品:0.8 饮料:0.9 水产品:1.2 蔬菜:2 "
        "水果:1.5 餐饮食品:2.2 糕点:0.9"
    )

    def values(_: str, weight: float, year: int, month: int) -> tuple[Cell, ...]:
        samples = int(weight * 900 * shock(year, month) * rng.uniform(0.8, 1.2))
        failed = int(samples * rng.uniform(0.0, 0.035))
        return samples, failed, round((samples - failed) / samples * 100, 2) if samples else 100.0

    return category_panel(
        scope, "month", "category", kinds, "samples unqualified pass_rate_pct", values
    )


def _credit_code(rng: random.Random, d: District) -> str:
    """A unified social credit code shaped like a recent registration (with letters)."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "".join(rng.choice(alphabet) for _ in range(7))
    region = f"9131{d.code % 100:02d}{rng.choice('0123')}{rng.randint(0, 9)}"
    return f"{region}MA{body}{rng.choice('ABCDEFGHJKLMN')}"


def _t_credit_ratings(rng: random.Random, scope: Scope) -> Table:
    trades = ("物流", "科技", "建设工程", "贸易", "餐饮管理", "生物医药", "信息技术", "食品")
    used: set[str] = set()
    rows: list[tuple[Cell, ...]] = []
    for d in row_districts(rng, scope, (180, 300), (24, 40)):
        trade = rng.choice(trades)
        name = unique(
            used, rng, ("数都", "申城", "东海", d.short), COMPANY_STEMS, f"{trade}有限公司"
        )
        score = round(min(99.0, max(35.0, rng.gauss(78, 10))), 1)
        rating = "A" if score >= 85 else "B" if score >= 70 else "C" if score >= 55 else "D"
        evaluated = random_day(rng, scope.years[1])
        rows.append((_credit_code(rng, d), name, d.zh, trade, rating, score, evaluated.isoformat()))
    columns = (
        "credit_code",
        "enterprise",
        "district",
        "industry",
        "rating",
        "score",
        "evaluated_on",
    )
    return Table(columns, tuple(rows))


def _t_enterprise_financials(rng: random.Random, scope: Scope) -> Table:
    bands = ("<100万", "100-500万", "500-2000万", "2000万-1亿", ">1亿")
    used: set[str] = set()
    rows: list[tuple[Cell, ...]] = []
    for d in row_districts(rng, scope, (180, 300), (24, 40)):
        industry = rng.choice([name for name, _ in _INDUSTRIES])
        name = unique(
            used, rng, ("数都", d.short), COMPANY_STEMS, ("科技", "实业", "服务"), "有限公司"
        )
        size = rng.choices(range(5), (4, 4, 3, 2, 1))[0]
        rows.append(
            (
                _credit_code(rng, d),
                name,
                d.zh,
                industry,
                scope.years[1],
                rng.randint(*((3, 20), (10, 60), (30, 200), (100, 800), (500, 5000))[size]),
                bands[size],
                bands[max(0, size - rng.randint(1, 2))],
            )
        )
    columns = (
        "credit_code",
        "enterprise",
        "district",
        "industry",
        "report_year",
        "employees",
        "revenue_band",
        "tax_band",
    )
    return Table(columns, tuple(rows))


def _t_incubators(rng: random.Random, scope: Scope) -> Table:
    used: set[str] = set()
    rows: list[tuple[Cell, ...]] = []
    for d in row_districts(rng, scope, (90, 160), (20, 30)):
        name = unique(
            used,
            rng,
            ("数都", *short_towns(d)),
            COMPANY_STEMS,
            ("科技企业孵化器", "众创空间", "创新创业中心", "科创孵化基地"),
        )
        level = rng.choices(("国家级", "市级", "区级"), (1, 3, 5))[0]
        area = rng.randrange(3000, 60000, 100)
        rows.append(
            (name, d.zh, level, area, max(8, area // rng.randint(250, 700)), address(rng, d))
        )
    columns = ("name", "district", "level", "area_m2", "incubated_firms", "address")
    return Table(columns, tuple(rows))


def _t_patents(rng: random.Random, scope: Scope) -> Table:
    def values(d: District, year: int, _: int) -> tuple[Cell, ...]:
        scale = d.gdp / 100 * growth_factor(year, 0.08) * rng.uniform(0.85, 1.15)
        applications = int(scale * 85)
        return (
            applications,
            int(applications * rng.uniform(0.28, 0.4)),
            int(scale * 120),
            int(scale * 30),
        )

    return district_panel(
        scope,
        "year",
        "invention_applications invention_grants utility_model_grants design_grants",
        values,
    )


# --------------------------------------------------------------------------------------------
# Employment
# --------------------------------------------------------------------------------------------


def _t_job_fairs(rng: random.Random, scope: Scope) -> Table:
    themes = (
        "综合招聘会",
        "高校毕业生专场",
        "退役军人专场",
        "残疾人专场",
        "外资企业专场",
        "数字经济专场",
        "先进制造业专场",
        "春风行动专场",
        "社区就近就业专场",
    )
    venues = ("人力资源市场", "就业服务中心", "会展中心", "体育馆")
    year = scope.years[1]
    rows: list[tuple[Cell, ...]] = []
    for _ in range(rng.randint(40, 110)):
        d = rng.choices(DISTRICTS, POPULATION)[0]
        employers = rng.randint(20, 260)
        rows.append(
            (
                random_day(rng, year).isoformat(),
                d.zh,
                f"{rng.choice(short_towns(d))}{rng.choice(venues)}",
                rng.choice(themes),
                f"{d.zh}人力资源和社会保障局",
                employers,
                employers * rng.randint(4, 15),
            )
        )
    rows.sort()
    columns = ("fair_date", "district", "venue", "theme", "organizer", "employers", "positions")
    return Table(columns, tuple(rows))


_t_training_schools = service_table(
    ("数都", STEMS, ("职业技能培训学校", "职业培训中心", "技工学校")),
    ("09:00-17:00", "08:30-20:30"),
)


def _t_employment_stats(rng: random.Random, scope: Scope) -> Table:
    def values(d: District, year: int, _: int) -> tuple[Cell, ...]:
        covid = 0.88 if year in (2020, 2022) else 1.0
        jobs = int(d.population * 250 * covid * rng.uniform(0.9, 1.1))
        return jobs, int(jobs * rng.uniform(0.04, 0.07)), int(d.population * rng.uniform(60, 110))

    return district_panel(
        scope, "year", "new_jobs startups_supported registered_unemployed", values
    )


_t_social_insurance_points = service_table(
    ("{d}社会保险服务网点（", "{t}", "）"), ("09:00-17:00", "08:30-17:00")
)


def _t_contributors(rng: random.Random, scope: Scope) -> Table:
    def values(_: str, weight: float, year: int, quarter: int) -> tuple[Cell, ...]:
        firms = int(weight * 4200 * growth_factor(year, 0.03) * rng.uniform(0.97, 1.03))
        people = firms * rng.uniform(0.0055, 0.0095)
        wage = 9500 * growth_factor(year, 0.05) * rng.uniform(0.75, 1.6)
        return firms, round(people, 2), round(wage)

    return category_panel(
        scope,
        "quarter",
        "industry",
        _INDUSTRIES,
        "enterprises contributors_10k avg_contribution_base_yuan",
        values,
    )


# Every ``_t_<kind>`` generator above, by kind; subjects name their table by that kind.
TABLES = tables_in(globals())
