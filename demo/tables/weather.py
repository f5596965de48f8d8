"""Weather tables: daily observations, stations, grid forecasts, warnings and tides."""

from __future__ import annotations

import math
import random
from datetime import date, datetime, timedelta

from demo.city import DISTRICTS, LAST_MONTH_2025, SNAPSHOT_DAY, short_towns
from demo.tables.base import (
    Cell,
    Scope,
    Table,
    lnglat,
    months_of,
    random_day,
    row_districts,
    tables_in,
)


def _t_weather_daily(rng: random.Random, scope: Scope) -> Table:
    year = scope.years[1]
    rows: list[tuple[Cell, ...]] = []
    day = date(year, 1, 1)
    end = date(year, LAST_MONTH_2025, 30) if year == 2025 else date(year, 12, 31)
    station = scope.district.short if scope.district else "中心"
    while day <= end:
        doy = day.timetuple().tm_yday
        mean = 17.2 + 11.5 * math.sin(2 * math.pi * (doy - 110) / 365) + rng.gauss(0, 2.2)
        wet_season = 0.55 if 160 <= doy <= 190 else (0.35 if 190 < doy <= 270 else 0.25)
        rain = round(rng.expovariate(1 / 9), 1) if rng.random() < wet_season else 0.0
        high = mean + rng.uniform(2.5, 5.5) - (1.5 if rain else 0)
        low = mean - rng.uniform(2.5, 5.0)
        humidity = min(99, round(62 + 18 * (rain > 0) + rng.uniform(-12, 12)))
        rows.append(
            (
                day.isoformat(),
                f"{station}站",
                round(high, 1),
                round(low, 1),
                rain,
                humidity,
                round(rng.uniform(1.2, 6.5), 1),
            )
        )
        day += timedelta(days=1)
    columns = (
        "date",
        "station",
        "max_temp_c",
        "min_temp_c",
        "precipitation_mm",
        "relative_humidity_pct",
        "wind_speed_m_s",
    )
    return Table(columns, tuple(rows))


def _t_weather_stations(rng: random.Random, scope: Scope) -> Table:
    rows: list[tuple[Cell, ...]] = []
    for i, d in enumerate(row_districts(rng, scope, (80, 140), (20, 30)), start=1):
        lng, lat = lnglat(rng, d)
        elements = rng.choice(
            ("气温;降水;风;湿度", "气温;降水;风;湿度;气压", "气温;降水", "能见度;风")
        )
        rows.append(
            (
                f"A{d.code}{i:03d}",
                f"{rng.choice(short_towns(d))}站",
                d.zh,
                lng,
                lat,
                round(rng.uniform(2.5, 12.0), 1),
                elements,
            )
        )
    columns = ("station_code", "name", "district", "lng", "lat", "altitude_m", "elements")
    return Table(columns, tuple(rows))


def _t_grid_weather(rng: random.Random, scope: Scope) -> Table:
    rows: list[tuple[Cell, ...]] = []
    for _ in range(30):
        grid = f"G{rng.randint(10, 99)}-{rng.randint(100, 180)}"
        base = rng.uniform(15, 19)
        for hour in range(0, 24, 3):
            temp = base + 4 * math.sin(math.pi * (hour - 8) / 12)
            rain = round(rng.expovariate(1 / 1.5), 1) if rng.random() < 0.15 else 0.0
            rows.append(
                (
                    grid,
                    f"{SNAPSHOT_DAY}T{hour:02d}:00+08:00",
                    round(temp, 1),
                    rain,
                    round(rng.uniform(1, 7), 1),
                    rng.randint(0, 359),
                )
            )
    columns = (
        "grid_id",
        "forecast_time",
        "temperature_c",
        "precipitation_mm",
        "wind_speed_m_s",
        "wind_direction_deg",
    )
    return Table(columns, tuple(rows))


def _t_warnings(rng: random.Random, scope: Scope) -> Table:
    kinds = {
        "高温": (range(6, 10), ("黄色", "橙色", "红色")),
        "暴雨": (range(5, 10), ("蓝色", "黄色", "橙色")),
        "台风": (range(7, 11), ("蓝色", "黄色", "橙色")),
        "大风": (range(1, 13), ("蓝色", "黄色")),
        "大雾": (range(1, 13), ("黄色", "橙色")),
        "雷电": (range(5, 10), ("黄色",)),
        "寒潮": (range(1, 4), ("蓝色", "黄色")),
        "道路结冰": (range(1, 3), ("黄色",)),
    }
    year = scope.years[1]
    events: list[tuple[datetime, str, str, str, datetime]] = []
    for _ in range(rng.randint(40, 90)):
        kind = rng.choices(tuple(kinds), (5, 5, 2, 3, 3, 4, 1, 1))[0]
        months, levels = kinds[kind]
        months = range(months.start, min(months.stop, max(months_of(year)) + 1))
        if not months:
            continue
        issued = datetime.combine(random_day(rng, year, months), datetime.min.time())
        issued += timedelta(minutes=rng.randrange(0, 24 * 60, 5))
        lifted = issued + timedelta(minutes=rng.randrange(120, 48 * 60, 5))
        area = rng.choices(("全市", *(d.zh for d in DISTRICTS)), (8, *([1] * 16)))[0]
        events.append((issued, kind, rng.choice(levels), area, lifted))
    rows = tuple(
        (
            issued.isoformat(timespec="minutes"),
            f"{kind}预警",
            level,
            area,
            lifted.isoformat(timespec="minutes"),
        )
        for issued, kind, level, area, lifted in sorted(events)
    )
    return Table(("issued_at", "warning_type", "level", "area", "lifted_at"), rows)


def _t_tide_levels(rng: random.Random, scope: Scope) -> Table:
    stations = (
        ("吴淞口", 4.8),
        ("黄浦公园", 4.55),
        ("米市渡", 3.8),
        ("芦潮港", 5.0),
        ("高桥", 4.7),
        ("金山嘴", 5.1),
        ("崇明南门", 4.5),
        ("杨思", 4.3),
    )
    rows: list[tuple[Cell, ...]] = []
    for station, warning in stations:
        phase, amplitude = rng.uniform(0, 2 * math.pi), rng.uniform(1.1, 1.7)
        for half_hour in range(48):
            hours = half_hour / 2
            level = warning - 1.9 + amplitude * math.sin(2 * math.pi * hours / 12.42 + phase)
            moment = f"{SNAPSHOT_DAY}T{half_hour // 2:02d}:{30 * (half_hour % 2):02d}:00+08:00"
            rows.append((station, moment, round(level + rng.uniform(-0.05, 0.05), 2), warning))
    columns = ("station", "observed_at", "water_level_m", "warning_level_m")
    return Table(columns, tuple(rows))


# Every ``_t_<kind>`` generator above, by kind; subjects name their table by that kind.
TABLES = tables_in(globals())
