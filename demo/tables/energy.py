"""Energy tables: the energy mix, electricity use, large consumers, buildings, solar, fuel, 5G."""

from __future__ import annotations

import random
from datetime import date, timedelta

from demo.city import LAST_MONTH_2025, District
from demo.tables.base import Cell, Scope, Table, growth_factor, shock, tables_in, weighted
from demo.tables.shapes import category_panel, district_panel, online_table


def _t_energy_mix(rng: random.Random, scope: Scope) -> Table:
    rows: list[tuple[Cell, ...]] = []
    for year in range(scope.years[0], scope.years[1] + 1):
        shift = year - 2019
        shares = {
            "煤炭": 31 - 1.3 * shift,
            "石油": 40 - 0.4 * shift,
            "天然气": 11 + 0.6 * shift,
            "外来电力": 16 + 0.6 * shift,
            "本地可再生能源": 1.2 + 0.5 * shift,
            "其他": 0.8,
        }
        shares = {k: v * rng.uniform(0.97, 1.03) for k, v in shares.items()}
        total = sum(shares.values())
        consumption = 11700 * growth_factor(year, 0.012) * (0.95 if year == 2020 else 1.0)
        for kind, share in shares.items():
            pct = share / total * 100
            rows.append((year, kind, round(consumption * pct / 100, 1), round(pct, 1)))
    return Table(("year", "energy_type", "consumption_10k_tce", "share_pct"), tuple(rows))


def _t_electricity_by_industry(rng: random.Random, scope: Scope) -> Table:
    kinds = weighted(
        "第一产业:4 工业:700 建筑业:25 交通运输、仓储和邮政业:95 信息传输、软件和信息技术服务业:85 "
        "批发和零售业:120 住宿和餐饮业:45 金融业:30 房地产业:60 城乡居民生活用电:260"
    )

    def values(_: str, base: float, year: int, month: int) -> tuple[Cell, ...]:
        season = 1.25 if month in (7, 8) else (1.12 if month in (1, 12) else 1.0)
        use = base * 100 * season * growth_factor(year, 0.03) * shock(year, month) ** 0.6
        use *= rng.uniform(0.95, 1.05)
        return round(use, 1), round(rng.uniform(-6, 9), 1)

    return category_panel(scope, "month", "industry", kinds, "consumption_10k_kwh yoy_pct", values)


_t_energy_online = online_table(
    "钢铁 石化 汽车制造 集成电路 数据中心 医药",
    "EU",
    "power_kw energy_kwh steam_t gas_m3",
    ((800, 30000), (800, 30000), (0.5, 40), (50, 3000)),
)


def _t_building_energy(rng: random.Random, scope: Scope) -> Table:
    kinds = weighted(
        "办公建筑:95 商场建筑:240 宾馆饭店建筑:150 医疗卫生建筑:180 文化教育建筑:60 综合建筑:130"
    )

    stock: dict[str, float] = {}

    def values(kind: str, intensity: float, year: int, __: int) -> tuple[Cell, ...]:
        buildings = int(stock.setdefault(kind, rng.uniform(150, 900)) * growth_factor(year, 0.06))
        area = buildings * rng.uniform(1.8, 3.2)  # 10k m²
        kwh_m2 = intensity * 0.985 ** (year - 2019) * rng.uniform(0.94, 1.06)
        return buildings, round(area, 1), round(area * kwh_m2, 1), round(kwh_m2, 1)

    return category_panel(
        scope,
        "year",
        "building_type",
        kinds,
        "buildings floor_area_10k_m2 electricity_10k_kwh intensity_kwh_m2",
        values,
    )


def _t_solar_pv(rng: random.Random, scope: Scope) -> Table:
    def values(d: District, year: int, _: int) -> tuple[Cell, ...]:
        roof = d.area**0.5 * (0.6 if d.central else 1.4) * growth_factor(year, 0.22)
        capacity = roof * rng.uniform(5, 9)
        return int(roof * rng.uniform(18, 30)), round(capacity, 1), round(capacity * 105, 1)

    return district_panel(scope, "year", "projects capacity_mw generation_10k_kwh", values)


def _t_fuel_prices(rng: random.Random, scope: Scope) -> Table:
    year = scope.years[1]
    level = {2019: 6.9, 2020: 5.9, 2021: 7.0, 2022: 8.4, 2023: 7.9, 2024: 7.7, 2025: 7.2}[year]
    day = date(year, 1, 3)
    end = date(year, LAST_MONTH_2025, 30) if year == 2025 else date(year, 12, 31)
    rows: list[tuple[Cell, ...]] = []
    while day <= end:
        level = max(5.5, level + rng.gauss(0, 0.12))
        rows.append(
            (
                day.isoformat(),
                round(level, 2),
                round(level + rng.uniform(0.48, 0.56), 2),
                round(level - rng.uniform(0.32, 0.45), 2),
            )
        )
        day += timedelta(days=14)
    columns = ("effective_date", "gasoline_92_yuan_l", "gasoline_95_yuan_l", "diesel_0_yuan_l")
    return Table(columns, tuple(rows))


def _t_base_stations(rng: random.Random, scope: Scope) -> Table:
    def values(d: District, year: int, _: int) -> tuple[Cell, ...]:
        built = max(0.0, year - 2019 + 0.3) ** 0.8
        stations = int((d.population * 12 + d.area * 4) * built * rng.uniform(0.9, 1.1))
        return stations, round(d.population * 0.05 * (1 + year - 2019) * rng.uniform(0.9, 1.1), 2)

    return district_panel(scope, "year", "base_stations_5g gigabit_ports_10k", values)


# Every ``_t_<kind>`` generator above, by kind; subjects name their table by that kind.
TABLES = tables_in(globals())
