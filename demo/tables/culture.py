"""Culture, tourism and sport tables: heritage, attractions, hotels, venues, events, visitors."""

from __future__ import annotations

import random

from demo.city import DISTRICTS, POPULATION, STEMS, short_towns
from demo.tables.base import (
    Cell,
    Scope,
    Table,
    address,
    growth_factor,
    lnglat,
    phone,
    random_day,
    row_districts,
    shock,
    tables_in,
    unique,
)
from demo.tables.shapes import footfall_table, series

# --------------------------------------------------------------------------------------------
# Culture and tourism
# --------------------------------------------------------------------------------------------


def _t_heritage(rng: random.Random, scope: Scope) -> Table:
    kinds = {
        "古建筑": (
            ("石桥", "古塔", "城隍庙", "古宅", "书院", "古戏台", "宗祠"),
            ("宋", "元", "明", "清"),
        ),
        "古遗址": (("遗址", "古城遗址", "窑址"), ("新石器时代", "春秋战国", "唐", "宋")),
        "石刻": (("经幢", "碑刻", "石牌坊"), ("唐", "元", "明", "清")),
        "近现代重要史迹及代表性建筑": (
            ("旧址", "洋房", "里弄建筑", "公寓", "银行大楼旧址", "邮政大楼", "会馆旧址"),
            ("清末", "民国", "民国", "1950年代"),
        ),
    }
    levels = ("全国重点文物保护单位", "市级文物保护单位", "区级文物保护单位")
    used: set[str] = set()
    rows: list[tuple[Cell, ...]] = []
    for d in row_districts(rng, scope, (140, 220)):
        weights = (4, 1, 1, 6 if d.central else 2)
        category = rng.choices(tuple(kinds), weights)[0]
        suffixes, eras = kinds[category]
        if category.startswith("近现代"):
            numbers = tuple(f"{n}号" for n in range(1, 999, 3))
            name = unique(used, rng, d.roads, numbers, suffixes)
        else:
            name = unique(used, rng, short_towns(d), suffixes)
        level = rng.choices(levels, (1, 5, 14))[0]
        rows.append((name, d.zh, level, category, rng.choice(eras), address(rng, d)))
    columns = ("name", "district", "protection_level", "category", "era", "address")
    return Table(columns, tuple(rows))


def _t_attractions(rng: random.Random, scope: Scope) -> Table:
    kinds = (
        ("古镇", "古镇", ("5A", "4A", "4A")),
        ("湿地公园", "自然景观", ("4A", "3A")),
        ("森林公园", "自然景观", ("4A", "3A")),
        ("博物馆", "人文景观", ("4A", "3A")),
        ("文化园", "人文景观", ("4A", "3A")),
        ("乐园", "主题乐园", ("5A", "4A")),
        ("生态园", "乡村旅游", ("3A", "4A")),
        ("观光塔", "都市观光", ("5A", "4A")),
    )
    used: set[str] = set()
    rows: list[tuple[Cell, ...]] = []
    for d in row_districts(rng, scope, (70, 120)):
        suffix, category, ratings = rng.choice(kinds[3:] if d.central else kinds)
        name = unique(used, rng, (*short_towns(d), *STEMS[:20]), suffix)
        rating = rng.choice(ratings)
        visitors = round(rng.uniform(80, 900) if rating == "5A" else rng.uniform(5, 260), 1)
        rows.append((name, d.zh, rating, category, address(rng, d), phone(rng), visitors))
    columns = (
        "name",
        "district",
        "rating",
        "category",
        "address",
        "phone",
        "annual_visitors_10k",
    )
    return Table(columns, tuple(rows))


def _t_hotels(rng: random.Random, scope: Scope) -> Table:
    brands = ("锦程", "华庭", "江悦", "云栖", "明珠", "海湾", "申江", "汇贤", "和平", "衡山")
    suffixes = ("大酒店", "宾馆", "酒店", "国际酒店", "花园酒店", "饭店")
    used: set[str] = set()
    rows: list[tuple[Cell, ...]] = []
    for d in row_districts(rng, scope, (150, 250), (20, 32)):
        name = unique(used, rng, ("数都", "", ""), brands, short_towns(d), suffixes)
        star = rng.choices((2, 3, 4, 5), (2, 5, 4, 2 if d.central else 1))[0]
        rooms = rng.randint(*{2: (40, 120), 3: (80, 260), 4: (150, 420), 5: (220, 800)}[star])
        rows.append((name, d.zh, star, rooms, address(rng, d), phone(rng)))
    columns = ("name", "district", "star", "rooms", "address", "phone")
    return Table(columns, tuple(rows))


def _t_cultural_venues(rng: random.Random, scope: Scope) -> Table:
    used: set[str] = set()
    rows: list[tuple[Cell, ...]] = []
    for d in row_districts(rng, scope, (160, 260), (20, 34)):
        kind = rng.choices(
            ("公共图书馆", "文化馆", "博物馆", "美术馆", "社区文化活动中心"), (3, 1, 2, 1, 5)
        )[0]
        if kind == "社区文化活动中心":
            name = unique(used, rng, d.zh, d.towns, "社区文化活动中心")
        elif kind == "公共图书馆":
            name = unique(used, rng, d.zh, ("图书馆", *(f"{t}分馆" for t in short_towns(d))))
        elif kind == "文化馆":
            name = unique(used, rng, (f"{d.zh}文化馆", f"{d.zh}少年儿童文化馆", "市群众艺术馆"))
        else:
            name = unique(used, rng, ("数都", d.short), STEMS, kind)
        hours = rng.choice(("09:00-17:00", "09:00-20:30", "10:00-18:00", "08:30-21:00"))
        free = "否" if kind == "博物馆" and rng.random() < 0.3 else "是"
        rows.append((name, d.zh, kind, address(rng, d), phone(rng), hours, free))
    columns = (
        "name",
        "district",
        "venue_type",
        "address",
        "phone",
        "opening_hours",
        "free_admission",
    )
    return Table(columns, tuple(rows))


def _t_tourism_stats(rng: random.Random, scope: Scope) -> Table:
    def values(year: int, month: int) -> tuple[Cell, ...]:
        covid = {2020: 0.55, 2021: 0.7, 2022: 0.45}.get(year, 1.0) * shock(year, month)
        season = 1.25 if month in (5, 7, 8, 10) else (0.85 if month in (1, 3, 11) else 1.0)
        domestic = 3000 * season * covid * growth_factor(year, 0.03) * rng.uniform(0.95, 1.05)
        inbound_factor = {2020: 0.15, 2021: 0.08, 2022: 0.06, 2023: 0.5, 2024: 0.85}.get(year, 1.0)
        inbound = 75 * season * inbound_factor * rng.uniform(0.9, 1.1)
        occupancy = min(88.0, 68 * covid * season * rng.uniform(0.95, 1.05))
        return round(domestic, 1), round(inbound, 1), round(occupancy, 1), round(domestic * 0.13, 1)

    return series(
        scope,
        "month",
        "domestic_visitors_10k inbound_visitors_10k hotel_occupancy_pct tourism_revenue_100m_yuan",
        values,
    )


_t_attraction_footfall = footfall_table(
    (
        "外滩",
        "豫园",
        "东方明珠",
        "朱家角古镇",
        "枫泾古镇",
        "新场古镇",
        "辰山植物园",
        "东平国家森林公园",
        "世纪公园",
        "滴水湖",
        "顾村公园",
        "上海动物园",
    )
)


# --------------------------------------------------------------------------------------------
# Sport
# --------------------------------------------------------------------------------------------


def _t_sports_venues(rng: random.Random, scope: Scope) -> Table:
    kinds = ("体育场", "体育馆", "游泳馆", "全民健身中心", "市民球场", "市民益智健身苑点")
    used: set[str] = set()
    rows: list[tuple[Cell, ...]] = []
    for d in row_districts(rng, scope, (180, 300), (20, 36)):
        kind = rng.choices(kinds, (1, 2, 2, 3, 4, 6))[0]
        name = unique(used, rng, (d.short, *short_towns(d)), kind)
        opening = rng.choices(("全天开放", "分时段开放", "预约开放"), (2, 5, 3))[0]
        lng, lat = lnglat(rng, d)
        rows.append((name, d.zh, kind, address(rng, d), opening, lng, lat))
    columns = ("name", "district", "venue_type", "address", "opening", "lng", "lat")
    return Table(columns, tuple(rows))


def _t_sports_events(rng: random.Random, scope: Scope) -> Table:
    sports = (
        "马拉松",
        "半程马拉松",
        "网球公开赛",
        "帆船赛",
        "自行车赛",
        "羽毛球公开赛",
        "乒乓球联赛",
        "龙舟赛",
        "围棋邀请赛",
        "攀岩赛",
        "滑板赛",
        "足球联赛",
        "篮球联赛",
        "游泳锦标赛",
        "田径锦标赛",
        "三人篮球赛",
        "定向赛",
        "铁人三项赛",
        "斯诺克大师赛",
        "电子竞技邀请赛",
    )
    prefixes = (
        ("数都国际", "国际级"),
        ("全国", "国家级"),
        ("长三角", "区域级"),
        ("数都市民", "市级"),
    )
    year = scope.years[1]
    used: set[str] = set()
    rows: list[tuple[Cell, ...]] = []
    for _ in range(rng.randint(24, 48)):
        prefix, level = rng.choice(prefixes)
        event = unique(used, rng, f"{year}{prefix}", sports)
        d = rng.choices(DISTRICTS, POPULATION)[0]
        venue = f"{d.short}{rng.choice(('体育中心', '体育场', '滨江', '体育馆', '公园'))}"
        rows.append(
            (
                event,
                random_day(rng, year).isoformat(),
                venue,
                d.zh,
                level,
                rng.randrange(50, 30000, 50),
            )
        )
    rows.sort(key=lambda r: str(r[1]))
    return Table(("event", "date", "venue", "district", "level", "participants"), tuple(rows))


def _t_fitness_survey(rng: random.Random, scope: Scope) -> Table:
    rows: list[tuple[Cell, ...]] = []
    for year in range(scope.years[0], scope.years[1] + 1):
        for group in ("3-6岁", "20-39岁", "40-59岁", "60-79岁"):
            for sex in ("男", "女"):
                pass_rate = rng.uniform(90, 97) + 0.3 * (year - 2019)
                rows.append(
                    (
                        year,
                        group,
                        sex,
                        rng.randint(800, 2600),
                        round(min(pass_rate, 99.0), 1),
                        round(rng.uniform(18, 32), 1),
                    )
                )
    columns = ("year", "age_group", "sex", "sample_size", "pass_rate_pct", "excellent_rate_pct")
    return Table(columns, tuple(rows))


# Every ``_t_<kind>`` generator above, by kind; subjects name their table by that kind.
TABLES = tables_in(globals())
