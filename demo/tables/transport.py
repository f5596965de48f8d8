"""Transport tables: bus routes, metro ridership, trajectories, road traffic, chargers, parking."""

from __future__ import annotations

import math
import random
from datetime import date, datetime, timedelta

from demo.city import DISTRICTS, POPULATION, SNAPSHOT_DAY, District, short_towns, town_short
from demo.tables.base import (
    Cell,
    Scope,
    Table,
    address,
    growth_factor,
    lnglat,
    row_districts,
    shock,
    tables_in,
    unique,
)
from demo.tables.shapes import category_panel, district_panel


def _stop(rng: random.Random, d: District) -> str:
    kind = rng.random()
    if kind < 0.5:
        first, second = rng.sample(d.roads, 2)
        return f"{first}{second}"
    town = town_short(rng.choice(d.towns))
    return f"{town}{'公交枢纽站' if kind < 0.75 else '地铁站'}"


def _t_bus_routes(rng: random.Random, scope: Scope) -> Table:
    operators = (
        "数都巴士一公司",
        "数都巴士二公司",
        "数都巴士三公司",
        "数都巴士四公司",
        "数都巴士五公司",
    )
    used: set[str] = set()
    rows: list[tuple[Cell, ...]] = []
    for home in row_districts(rng, scope, (140, 220), (20, 40)):
        away = home if rng.random() < 0.6 else rng.choices(DISTRICTS, POPULATION)[0]
        numbers = tuple(str(n) for n in range(1, 1000))
        if home.central:
            route = unique(used, rng, numbers, "路")
            operator = rng.choice(operators)
        else:
            route = unique(used, rng, (home.short, ""), numbers[:120], "路")
            operator = rng.choice((*operators[:2], f"{home.short}公共交通有限公司"))
        start = _stop(rng, home)
        end = _stop(rng, away)
        while end == start:
            end = _stop(rng, away)
        length = round(rng.uniform(5, 18) if away is home else rng.uniform(12, 42), 1)
        stops = max(8, round(length * rng.uniform(1.1, 1.6)))
        first = 5 * 60 + 5 * rng.randint(0, 18)
        last = 21 * 60 + 10 * rng.randint(0, 15)
        fare = 1 if length < 8 and rng.random() < 0.4 else 2
        rows.append(
            (
                route,
                operator,
                start,
                end,
                length,
                stops,
                f"{first // 60:02d}:{first % 60:02d}",
                f"{last // 60:02d}:{last % 60:02d}",
                fare,
            )
        )
    columns = (
        "route",
        "operator",
        "start_stop",
        "end_stop",
        "length_km",
        "stops",
        "first_departure",
        "last_departure",
        "fare_yuan",
    )
    return Table(columns, tuple(rows))


_METRO_LINES = tuple(
    (f"{n}号线", w)
    for n, w in zip(
        range(1, 19), (11, 13, 4, 5, 2, 3, 8, 9, 8, 6, 7, 6, 5, 4, 3, 3, 2, 3), strict=True
    )
)


def _t_metro_ridership(rng: random.Random, scope: Scope) -> Table:
    def values(line: str, weight: float, year: int, month: int) -> tuple[Cell, ...]:
        days = (date(year + month // 12, month % 12 + 1, 1) - date(year, month, 1)).days
        daily = (
            weight * 11.5 * growth_factor(year, 0.02) * shock(year, month) * rng.uniform(0.94, 1.06)
        )
        return round(daily * days, 1), round(daily, 2)

    return category_panel(
        scope, "month", "line", _METRO_LINES, "passengers_10k avg_daily_10k", values
    )


def _t_vehicle_tracks(rng: random.Random, scope: Scope) -> Table:
    """De-identified trajectories: a token per vehicle, never a plate or a driver."""
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    rows: list[tuple[Cell, ...]] = []
    start = datetime(2025, 10, 31, 7, 0)
    for _ in range(rng.randint(6, 9)):
        token = (
            "VH-" + "".join(rng.choice(letters) for _ in range(4)) + f"-{rng.randint(0, 9999):04d}"
        )
        d = scope.district or rng.choices(DISTRICTS, POPULATION)[0]
        lng, lat = lnglat(rng, d)
        heading = rng.uniform(0, 360)
        moment = start + timedelta(minutes=rng.randint(0, 600))
        for _ in range(rng.randint(30, 40)):
            speed = max(0.0, rng.gauss(32, 14))
            heading = (heading + rng.gauss(0, 25)) % 360
            step = speed * 30 / 3600 / 111  # 30 s of travel, in degrees
            lng += step * math.sin(math.radians(heading))
            lat += step * math.cos(math.radians(heading))
            moment += timedelta(seconds=30)
            rows.append(
                (
                    token,
                    f"{moment.isoformat()}+08:00",
                    round(lng, 6),
                    round(lat, 6),
                    round(speed, 1),
                    round(heading),
                )
            )
    columns = ("vehicle_token", "recorded_at", "lng", "lat", "speed_kmh", "heading_deg")
    return Table(columns, tuple(rows))


def _t_traffic_flow(rng: random.Random, scope: Scope) -> Table:
    rows: list[tuple[Cell, ...]] = []
    points = [(d, road) for d in DISTRICTS for road in d.roads[:2]]
    for i, (d, road) in enumerate(sorted(rng.sample(points, 14), key=lambda p: p[0].code), 1):
        base = rng.uniform(900, 3200)
        for hour in range(0, 24, 1):
            peak = (
                1.0
                + 0.9 * math.exp(-((hour - 8) ** 2) / 3)
                + 0.8 * math.exp(-((hour - 18) ** 2) / 3)
            )
            night = 0.25 if hour < 6 else 1.0
            volume = int(base * peak * night * rng.uniform(0.9, 1.1) / 2)
            speed = round(max(12.0, 58 - volume / 90 + rng.uniform(-4, 4)), 1)
            rows.append(
                (
                    f"KK-{d.code}-{i:02d}",
                    road,
                    d.zh,
                    f"{SNAPSHOT_DAY}T{hour:02d}:00",
                    volume,
                    speed,
                )
            )
    columns = ("checkpoint", "road", "district", "hour", "vehicles", "avg_speed_kmh")
    return Table(columns, tuple(rows))


def _t_traffic_accidents(rng: random.Random, scope: Scope) -> Table:
    def values(d: District, year: int, month: int) -> tuple[Cell, ...]:
        accidents = int(
            d.population * 0.55 * 0.96 ** (year - 2019) * shock(year, month) * rng.uniform(0.7, 1.3)
        )
        injuries = int(accidents * rng.uniform(0.9, 1.2))
        return accidents, injuries, int(accidents * rng.uniform(0.0, 0.05))

    return district_panel(scope, "month", "accidents injuries fatalities", values)


def _t_ev_chargers(rng: random.Random, scope: Scope) -> Table:
    places = (
        "公共停车场",
        "商业广场",
        "公交首末站",
        "P+R停车场",
        "产业园区",
        "社区停车场",
        "体育中心",
    )
    operators = ("数都电力充电服务公司", "星能充电科技", "快充新能源", "易桩智能", "绿动出行")
    used: set[str] = set()
    rows: list[tuple[Cell, ...]] = []
    for i, d in enumerate(row_districts(rng, scope, (220, 320), (24, 40)), start=1):
        name = unique(used, rng, short_towns(d), places, "充电站")
        fast = rng.randint(0, 12)
        slow = rng.randint(0 if fast else 2, 20)
        lng, lat = lnglat(rng, d)
        rows.append(
            (
                f"EV-{d.code}-{i:04d}",
                name,
                d.zh,
                address(rng, d),
                rng.choice(operators),
                fast,
                slow,
                lng,
                lat,
            )
        )
    columns = (
        "station_id",
        "name",
        "district",
        "address",
        "operator",
        "fast_chargers",
        "slow_chargers",
        "lng",
        "lat",
    )
    return Table(columns, tuple(rows))


def _t_parking(rng: random.Random, scope: Scope) -> Table:
    kinds = {
        "公共停车场": "公共停车场",
        "地下车库": "公共停车库",
        "立体停车库": "公共停车库",
        "P+R停车场": "公共停车场",
    }
    used: set[str] = set()
    rows: list[tuple[Cell, ...]] = []
    for d in row_districts(rng, scope, (200, 300), (22, 40)):
        name = unique(used, rng, (*short_towns(d), *d.roads), tuple(kinds))
        kind = next(v for k, v in kinds.items() if name.endswith(k) or k in name)
        spaces = rng.randrange(40, 1200, 10)
        ev_spaces = spaces * rng.randint(5, 25) // 100
        fee = rng.choice((10, 12, 15)) if d.central else rng.choice((3, 5, 6, 8))
        lng, lat = lnglat(rng, d)
        rows.append((name, d.zh, address(rng, d), kind, spaces, ev_spaces, fee, lng, lat))
    columns = (
        "name",
        "district",
        "address",
        "type",
        "spaces",
        "ev_spaces",
        "first_hour_fee_yuan",
        "lng",
        "lat",
    )
    return Table(columns, tuple(rows))


# Every ``_t_<kind>`` generator above, by kind; subjects name their table by that kind.
TABLES = tables_in(globals())
