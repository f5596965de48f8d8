"""Environment tables: air and water quality, pollution and noise, green space, city upkeep."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from datetime import date
from itertools import pairwise

from demo.city import (
    BY_SLUG,
    COMPANY_STEMS,
    DISTRICTS,
    RURAL,
    SNAPSHOT_DAY,
    STEMS,
    District,
    short_towns,
)
from demo.tables.base import (
    Cell,
    Scope,
    Table,
    address,
    growth_factor,
    lnglat,
    periods,
    row_districts,
    shock,
    tables_in,
    unique,
)
from demo.tables.shapes import district_panel, online_table, series

# --------------------------------------------------------------------------------------------
# Air
# --------------------------------------------------------------------------------------------


def _iaqi(value: float, breakpoints: Sequence[tuple[float, int]]) -> int:
    """Individual air quality index for one pollutant (HJ 633 linear segments)."""
    for (c_lo, i_lo), (c_hi, i_hi) in pairwise(breakpoints):
        if value <= c_hi:
            return math.ceil((i_hi - i_lo) / (c_hi - c_lo) * (value - c_lo) + i_lo)
    return 500


_PM25_BP = ((0.0, 0), (35.0, 50), (75.0, 100), (115.0, 150), (150.0, 200), (250.0, 300))
_PM10_BP = ((0.0, 0), (50.0, 50), (150.0, 100), (250.0, 150), (350.0, 200), (420.0, 300))
_NO2_BP = ((0.0, 0), (40.0, 50), (80.0, 100), (180.0, 150), (280.0, 200), (565.0, 300))
_O3_BP = ((0.0, 0), (160.0, 50), (200.0, 100), (300.0, 150), (400.0, 200), (800.0, 300))
# Monthly PM2.5 profile of 2019 (µg/m³): winters are dirtier than summers.
_PM25_SEASON = (48.0, 45.0, 40.0, 36.0, 31.0, 27.0, 20.0, 20.0, 22.0, 28.0, 35.0, 42.0)


def _t_air_quality(rng: random.Random, scope: Scope) -> Table:
    def values(d: District, year: int, month: int) -> tuple[Cell, ...]:
        factor = 0.82 if d.slug == "chongming" else (1.04 if d.central else 1.0)
        pm25 = _PM25_SEASON[month - 1] * 0.95 ** (year - 2019) * factor * rng.uniform(0.85, 1.15)
        pm10 = pm25 * rng.uniform(1.45, 1.8)
        no2 = (42 - 14 * math.cos((month - 1) * math.pi / 6 - math.pi)) * factor
        no2 = no2 * 0.97 ** (year - 2019) * rng.uniform(0.88, 1.12)
        aqi = max(_iaqi(pm25, _PM25_BP), _iaqi(pm10, _PM10_BP), _iaqi(no2, _NO2_BP))
        return aqi, round(pm25, 1), round(pm10, 1), round(no2, 1)

    return district_panel(scope, "month", "aqi pm25 pm10 no2", values)


def _t_air_stations(rng: random.Random, scope: Scope) -> Table:
    stations: list[tuple[str, str, District, float, float]] = []
    for d in [scope.district] if scope.district else DISTRICTS:
        for k, town in enumerate(rng.sample(short_towns(d), 2 if d.area > 300 else 1), start=1):
            lng, lat = lnglat(rng, d)
            stations.append((f"{d.code}A{k}", town, d, lng, lat))
    rows: list[tuple[Cell, ...]] = []
    for code, town, d, lng, lat in stations:
        base = rng.uniform(14, 38)
        for hour in range(12):
            pm25 = base * (1.2 - 0.04 * hour) * rng.uniform(0.85, 1.15)
            pm10 = pm25 * rng.uniform(1.4, 1.9)
            o3 = (40 + 12 * hour) * rng.uniform(0.8, 1.2)
            no2 = (55 - 2.5 * hour) * rng.uniform(0.75, 1.2)
            aqi = max(
                _iaqi(pm25, _PM25_BP), _iaqi(pm10, _PM10_BP), _iaqi(o3, _O3_BP), _iaqi(no2, _NO2_BP)
            )
            rows.append(
                (
                    code,
                    town,
                    d.zh,
                    lng,
                    lat,
                    f"{SNAPSHOT_DAY}T{hour:02d}:00:00+08:00",
                    aqi,
                    round(pm25),
                    round(pm10),
                    round(o3),
                    round(no2),
                    round(rng.uniform(0.4, 0.9), 2),
                )
            )
    columns = (
        "station_code",
        "station_name",
        "district",
        "lng",
        "lat",
        "observed_at",
        "aqi",
        "pm25",
        "pm10",
        "o3",
        "no2",
        "co",
    )
    return Table(columns, tuple(rows))


# --------------------------------------------------------------------------------------------
# Water
# --------------------------------------------------------------------------------------------


_SECTIONS = (
    ("黄浦江", "松浦大桥", "songjiang"),
    ("黄浦江", "临江", "minhang"),
    ("黄浦江", "杨浦大桥", "yangpu"),
    ("黄浦江", "吴淞口", "baoshan"),
    ("苏州河", "北新泾", "changning"),
    ("苏州河", "武宁路桥", "putuo"),
    ("苏州河", "浙江路桥", "huangpu"),
    ("淀浦河", "淀浦河桥", "qingpu"),
    ("蕰藻浜", "蕰藻浜桥", "baoshan"),
    ("大治河", "大治河闸", "pudong"),
    ("川杨河", "川杨河桥", "pudong"),
    ("淀山湖", "急水港", "qingpu"),
    ("油墩港", "油墩港桥", "songjiang"),
    ("金汇港", "金汇港闸", "fengxian"),
    ("太浦河", "金泽", "qingpu"),
    ("拦路港", "泖甸", "qingpu"),
    ("张泾河", "张泾河桥", "jinshan"),
    ("南横引河", "南横引河桥", "chongming"),
    ("练祁河", "练祁河桥", "jiading"),
    ("虹口港", "虹口港桥", "hongkou"),
)


def _water_class(do: float, codmn: float, nh3n: float, tp: float) -> str:
    """Class by GB 3838: the worst parameter decides."""
    grades = (
        next(i for i, limit in enumerate((7.5, 6, 5, 3, 2), 1) if do >= limit) if do >= 2 else 6,
        next((i for i, limit in enumerate((2, 4, 6, 10, 15), 1) if codmn <= limit), 6),
        next((i for i, limit in enumerate((0.15, 0.5, 1.0, 1.5, 2.0), 1) if nh3n <= limit), 6),
        next((i for i, limit in enumerate((0.02, 0.1, 0.2, 0.3, 0.4), 1) if tp <= limit), 6),
    )
    return ("Ⅰ类", "Ⅱ类", "Ⅲ类", "Ⅳ类", "Ⅴ类", "劣Ⅴ类")[max(grades) - 1]


def _t_water_quality(rng: random.Random, scope: Scope) -> Table:
    rows: list[tuple[Cell, ...]] = []
    for river, section, slug in _SECTIONS:
        quality = rng.uniform(0.8, 1.25)
        for year, month in periods(scope, "month"):
            warm = math.cos((month - 7.5) * math.pi / 6)
            improve = 0.96 ** (year - 2019)
            do = rng.uniform(5.2, 8.5) - 1.2 * warm * quality
            codmn = rng.uniform(2.8, 5.2) * quality * improve
            nh3n = rng.uniform(0.2, 0.95) * quality * improve * (1.2 - 0.3 * warm)
            tp = rng.uniform(0.08, 0.22) * quality * improve
            rows.append(
                (
                    river,
                    section,
                    BY_SLUG[slug].zh,
                    f"{year}-{month:02d}",
                    _water_class(do, codmn, nh3n, tp),
                    round(do, 2),
                    round(codmn, 2),
                    round(nh3n, 3),
                    round(tp, 3),
                )
            )
    columns = (
        "river",
        "section",
        "district",
        "month",
        "water_class",
        "dissolved_oxygen_mg_l",
        "permanganate_index_mg_l",
        "ammonia_nitrogen_mg_l",
        "total_phosphorus_mg_l",
    )
    return Table(columns, tuple(rows))


def _t_water_supply(rng: random.Random, scope: Scope) -> Table:
    def values(year: int, month: int) -> tuple[Cell, ...]:
        days = (date(year + month // 12, month % 12 + 1, 1) - date(year, month, 1)).days
        daily = 820 * (1.12 if month in (7, 8) else 1.0) * rng.uniform(0.97, 1.03)
        return round(daily * days, 1), round(daily, 1), round(rng.uniform(99.6, 100), 2)

    return series(scope, "month", "supply_10k_m3 daily_avg_10k_m3 quality_compliance_pct", values)


def _t_rivers(rng: random.Random, scope: Scope) -> Table:
    levels = (
        ("区管", "区级河长", 4, 25),
        ("镇管", "镇级河长", 1.5, 9),
        ("村级", "村级河长", 0.2, 3),
    )
    used: set[str] = set()
    rows: list[tuple[Cell, ...]] = []
    for i, d in enumerate(row_districts(rng, scope, (160, 280), (24, 40)), start=1):
        level, chief, low, high = rng.choices(levels, (1, 3, 5))[0]
        name = unique(used, rng, (*short_towns(d), *STEMS), ("河", "港", "浜", "泾", "塘"))
        rows.append(
            (
                f"R{d.code}-{i:04d}",
                name,
                d.zh,
                round(rng.uniform(low, high), 2),
                level,
                chief,
                rng.choices(("Ⅲ类", "Ⅳ类", "Ⅴ类"), (3, 5, 1))[0],
            )
        )
    columns = (
        "river_code",
        "name",
        "district",
        "length_km",
        "management_level",
        "river_chief_level",
        "water_quality_target",
    )
    return Table(columns, tuple(rows))


# --------------------------------------------------------------------------------------------
# Pollution and noise
# --------------------------------------------------------------------------------------------


def _t_polluters(rng: random.Random, scope: Scope) -> Table:
    trades = (
        ("化工", "水环境;大气环境"),
        ("电镀", "水环境"),
        ("印染", "水环境"),
        ("热电", "大气环境"),
        ("制药", "水环境;大气环境"),
        ("汽车制造", "大气环境"),
        ("污水处理", "水环境"),
        ("固废处置", "土壤环境;大气环境"),
        ("钢铁", "大气环境"),
    )
    used: set[str] = set()
    rows: list[tuple[Cell, ...]] = []
    for d in row_districts(rng, scope, (120, 220), (20, 30), among=RURAL):
        trade, media = rng.choice(trades)
        name = unique(
            used, rng, ("数都", d.short, "东海", "申城"), COMPANY_STEMS, f"{trade}有限公司"
        )
        rows.append(
            (name, d.zh, trade, media, rng.choices(("是", "否"), (4, 1))[0], address(rng, d))
        )
    columns = ("name", "district", "industry", "environment_media", "online_monitoring", "address")
    return Table(columns, tuple(rows))


_t_emissions_online = online_table(
    "化工 热电 钢铁 制药 固废处置",
    "PW",
    "so2_mg_m3 nox_mg_m3 particulates_mg_m3 flow_10k_m3_h",
    ((3, 30), (20, 90), (1, 9), (5, 60)),
)


def _t_noise(rng: random.Random, scope: Scope) -> Table:
    def values(d: District, year: int, _: int) -> tuple[Cell, ...]:
        day = (56.5 if d.central else 54) + rng.uniform(-1.5, 1.5)
        return round(day, 1), round(day - rng.uniform(7, 10), 1), round(rng.uniform(82, 99), 1)

    return district_panel(scope, "year", "day_leq_db night_leq_db zone_compliance_pct", values)


# --------------------------------------------------------------------------------------------
# Green space and city appearance
# --------------------------------------------------------------------------------------------


def _t_green_coverage(rng: random.Random, scope: Scope) -> Table:
    def values(d: District, year: int, _: int) -> tuple[Cell, ...]:
        coverage = (30 if d.central else 40) + 0.4 * (year - 2019) + rng.uniform(-3, 3)
        parks = int((8 if d.central else 14) * growth_factor(year, 0.12) * rng.uniform(0.9, 1.1))
        return round(d.area * 100 * coverage / 100), round(coverage, 1), parks

    return district_panel(scope, "year", "green_area_ha coverage_pct parks", values)


def _t_parks(rng: random.Random, scope: Scope) -> Table:
    kinds = (
        ("综合公园", 10, 80),
        ("社区公园", 0.5, 6),
        ("专类公园", 2, 30),
        ("郊野公园", 200, 1500),
    )
    used: set[str] = set()
    rows: list[tuple[Cell, ...]] = []
    for d in row_districts(rng, scope, (150, 260), (20, 34)):
        kind, low, high = rng.choices(kinds, (3, 8, 2, 0 if d.central else 1))[0]
        suffix = {
            "专类公园": ("植物园", "雕塑公园", "滨江公园", "运动公园"),
            "郊野公园": ("郊野公园",),
        }.get(kind, ("公园", "绿地公园"))
        name = unique(used, rng, (*short_towns(d), *STEMS), suffix)
        free = "否" if kind == "专类公园" and rng.random() < 0.4 else "是"
        hours = "全天开放" if kind == "社区公园" else rng.choice(("05:00-21:00", "06:00-18:00"))
        rows.append((name, d.zh, kind, round(rng.uniform(low, high), 2), hours, free))
    columns = ("name", "district", "park_type", "area_ha", "opening_hours", "free_admission")
    return Table(columns, tuple(rows))


def _t_ancient_trees(rng: random.Random, scope: Scope) -> Table:
    species = ("银杏", "香樟", "广玉兰", "罗汉松", "黄杨", "榉树", "朴树", "桂花", "紫藤", "白皮松")
    rows: list[tuple[Cell, ...]] = []
    for i, d in enumerate(row_districts(rng, scope, (150, 260), (20, 34)), start=1):
        age = int(rng.choices((rng.uniform(100, 299), rng.uniform(300, 1200)), (5, 1))[0])
        level = "一级" if age >= 300 else "二级"
        place = rng.choice(("公园内", "寺院内", "小区内", "学校内", "路边绿地", "村宅旁"))
        rows.append(
            (
                f"GS-{d.code}-{i:04d}",
                rng.choice(species),
                d.zh,
                f"{address(rng, d)}{place}",
                age,
                level,
                rng.choices(("正常", "衰弱", "濒危"), (12, 3, 1))[0],
            )
        )
    columns = ("tree_code", "species", "district", "location", "age_years", "level", "condition")
    return Table(columns, tuple(rows))


def _t_waste_sorting(rng: random.Random, scope: Scope) -> Table:
    def values(d: District, year: int, month: int) -> tuple[Cell, ...]:
        people = d.population * 30 * shock(year, month) ** 0.5
        return (
            round(people * 0.55 * rng.uniform(0.9, 1.1)),
            round(people * 0.33 * rng.uniform(0.9, 1.1)),
            round(people * 0.2 * rng.uniform(0.9, 1.1)),
            round(people * 0.0004 * rng.uniform(0.7, 1.3), 2),
        )

    return district_panel(scope, "month", "residual_t wet_t recyclable_t hazardous_t", values)


def _t_public_toilets(rng: random.Random, scope: Scope) -> Table:
    used: set[str] = set()
    rows: list[tuple[Cell, ...]] = []
    for d in row_districts(rng, scope, (220, 340), (24, 40)):
        name = unique(used, rng, (*d.roads, *short_towns(d)), ("", "绿地", "公园", "广场"), "公厕")
        grade = rng.choices(("一类", "二类", "三类"), (2, 5, 3))[0]
        lng, lat = lnglat(rng, d)
        rows.append(
            (
                name,
                d.zh,
                address(rng, d),
                grade,
                rng.choices(("是", "否"), (4, 1))[0],
                rng.choices(("是", "否"), (1, 2))[0],
                lng,
                lat,
            )
        )
    columns = ("name", "district", "address", "grade", "accessible", "open_24h", "lng", "lat")
    return Table(columns, tuple(rows))


# Every ``_t_<kind>`` generator above, by kind; subjects name their table by that kind.
TABLES = tables_in(globals())
