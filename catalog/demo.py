"""A deterministic demo catalog: themes, organizations and bilingual datasets with small data.

``build_demo_catalog(seed)`` is a pure function: every figure comes from ``random.Random`` seeded
by the caller (one generator for the plan, one per dataset derived from the seed and the dataset's
name, so a dataset's content does not shift when another one changes) and every date from fixed
base dates, never the clock. The same seed therefore yields byte-identical content.

The demo city borrows Shanghai's sixteen districts, roads and sub-districts; every institution,
company, figure and URL is invented, and URLs live under ``data.example.gov.cn``.

Open datasets never carry personal data: institutions get ``021-`` landlines, companies may be
named but people never are, and identifiers avoid long digit runs that the publication detectors
would read as resident ID, mobile or bank card numbers.
"""

from __future__ import annotations

import csv
import io
import json
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Literal, TypeAlias

__all__ = [
    "THEMES",
    "DemoCatalog",
    "DemoDataset",
    "DemoOrganization",
    "DemoResource",
    "DemoTheme",
    "Grade",
    "OpenLevel",
    "build_demo_catalog",
]

OpenLevel = Literal["open", "conditional", "closed"]
Grade = Literal["general", "important", "core"]


@dataclass(frozen=True, slots=True)
class DemoTheme:
    code: str
    title_zh: str
    title_en: str


@dataclass(frozen=True, slots=True)
class DemoOrganization:
    name: str
    title_zh: str
    title_en: str
    kind: Literal["department", "enterprise", "exchange", "regulator"]
    description_zh: str
    description_en: str


@dataclass(frozen=True, slots=True)
class DemoResource:
    name_zh: str
    name_en: str
    description: str
    format: str
    media_type: str
    content: bytes | None
    url: str | None


@dataclass(frozen=True, slots=True)
class DemoDataset:
    name: str
    title_zh: str
    title_en: str
    description_zh: str
    description_en: str
    organization: str
    themes: tuple[str, ...]
    keywords_zh: tuple[str, ...]
    keywords_en: tuple[str, ...]
    license: str | None
    open_level: OpenLevel
    grade: Grade
    update_frequency: str
    temporal_start: date | None
    temporal_end: date | None
    spatial: str
    issued: datetime
    modified: datetime
    version: str
    contact_name: str
    contact_email: str
    resources: tuple[DemoResource, ...]


@dataclass(frozen=True, slots=True)
class DemoCatalog:
    themes: tuple[DemoTheme, ...]
    organizations: tuple[DemoOrganization, ...]
    datasets: tuple[DemoDataset, ...]


THEMES: tuple[DemoTheme, ...] = (
    DemoTheme("transport", "交通出行", "Transport"),
    DemoTheme("environment", "资源环境", "Environment and resources"),
    DemoTheme("health", "卫生健康", "Health"),
    DemoTheme("education", "教育", "Education"),
    DemoTheme("economy", "经济建设", "Economy"),
    DemoTheme("culture", "文化休闲", "Culture and leisure"),
    DemoTheme("housing", "住房保障", "Housing"),
    DemoTheme("public-safety", "公共安全", "Public safety"),
    DemoTheme("social-welfare", "民生服务", "Social welfare"),
    DemoTheme("urban-planning", "城市建设", "Urban planning and construction"),
    DemoTheme("agriculture", "农业农村", "Agriculture and rural affairs"),
    DemoTheme("science-technology", "科技创新", "Science and technology"),
    DemoTheme("government", "政务服务", "Government"),
    DemoTheme("tourism", "旅游", "Tourism"),
    DemoTheme("employment", "就业创业", "Employment"),
    DemoTheme("energy", "能源", "Energy"),
)

# Fixed reference points: the catalog is "as of" the cut-off; nothing is newer.
_CUTOFF = datetime(2025, 11, 1, tzinfo=UTC)
_SNAPSHOT_DAY = date(2025, 10, 31)  # the day real-time samples are taken from
_FIRST_ISSUE = datetime(2019, 3, 1, tzinfo=UTC)
_LAST_MONTH_2025 = 9  # statistics for 2025 run to September

# How many public datasets the plan grows to (about three open to one conditional).
_TARGET_OPEN = 262
_TARGET_CONDITIONAL = 88

_LICENSES = ("CC-BY-4.0", "CC0-1.0", "CC-BY-SA-4.0", "ODC-BY-1.0", "ODbL-1.0", "PDDL-1.0")
_LICENSE_WEIGHTS = (70, 10, 6, 6, 5, 3)

Cell: TypeAlias = str | int | float


# --------------------------------------------------------------------------------------------
# The city
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _District:
    code: int  # last three digits of the administrative division code
    zh: str
    en: str
    slug: str
    population: float  # resident population, 10k (census order of magnitude)
    area: float  # km²
    gdp: float  # 2019 GDP, 100m yuan (illustrative)
    lng: float
    lat: float
    central: bool
    roads: tuple[str, ...]
    towns: tuple[str, ...]

    @property
    def short(self) -> str:
        return self.zh.removesuffix("新区").removesuffix("区")


def _d(
    code: int,
    zh: str,
    en: str,
    figures: tuple[float, float, float, float, float],
    central: bool,
    roads: str,
    towns: str,
) -> _District:
    population, area, gdp, lng, lat = figures
    slug = en.split()[0].lower().replace("'", "")
    return _District(
        code,
        zh,
        en,
        slug,
        population,
        area,
        gdp,
        lng,
        lat,
        central,
        tuple(roads.split()),
        tuple(towns.split()),
    )


_DISTRICTS: tuple[_District, ...] = (
    _d(101, "黄浦区", "Huangpu District", (66.2, 20.5, 2480, 121.484, 31.232), True,
       "南京东路 河南中路 西藏南路 复兴中路 中山南路 淮海中路",
       "南京东路街道 外滩街道 半淞园路街道 小东门街道 豫园街道 老西门街道 五里桥街道 "
       "打浦桥街道 淮海中路街道 瑞金二路街道"),
    _d(104, "徐汇区", "Xuhui District", (111.3, 54.8, 2200, 121.437, 31.188), True,
       "漕溪北路 肇嘉浜路 宜山路 龙华中路 虹梅路 华泾路",
       "天平路街道 湖南路街道 斜土路街道 枫林路街道 长桥街道 田林街道 虹梅路街道 "
       "康健新村街道 徐家汇街道 凌云路街道 龙华街道 漕河泾街道 华泾镇"),
    _d(105, "长宁区", "Changning District", (69.3, 38.3, 1600, 121.424, 31.220), True,
       "长宁路 延安西路 天山路 仙霞路 古北路 金钟路",
       "华阳路街道 江苏路街道 新华路街道 周家桥街道 天山路街道 仙霞新村街道 虹桥街道 "
       "程家桥街道 北新泾街道 新泾镇"),
    _d(106, "静安区", "Jing'an District", (97.6, 36.9, 2200, 121.448, 31.229), True,
       "南京西路 共和新路 延长中路 江宁路 万荣路 汶水路",
       "江宁路街道 石门二路街道 南京西路街道 静安寺街道 曹家渡街道 天目西路街道 北站街道 "
       "宝山路街道 共和新路街道 大宁路街道 彭浦新村街道 临汾路街道 芷江西路街道 彭浦镇"),
    _d(107, "普陀区", "Putuo District", (124.0, 54.8, 1200, 121.396, 31.250), True,
       "中山北路 曹杨路 武宁路 真北路 金沙江路 桃浦路",
       "曹杨新村街道 长风新村街道 长寿路街道 甘泉路街道 石泉路街道 宜川路街道 万里街道 "
       "真如镇街道 长征镇 桃浦镇"),
    _d(109, "虹口区", "Hongkou District", (75.7, 23.5, 1000, 121.505, 31.265), True,
       "四川北路 大连路 曲阳路 广中路 东江湾路 临平路",
       "欧阳路街道 曲阳路街道 广中路街道 嘉兴路街道 凉城新村街道 四川北路街道 "
       "北外滩街道 江湾镇街道"),
    _d(110, "杨浦区", "Yangpu District", (124.3, 60.7, 1800, 121.526, 31.260), True,
       "控江路 黄兴路 国权路 长阳路 殷行路 政立路",
       "定海路街道 平凉路街道 江浦路街道 四平路街道 控江路街道 长白新村街道 延吉新村街道 "
       "殷行街道 大桥街道 五角场街道 新江湾城街道 长海路街道"),
    _d(112, "闵行区", "Minhang District", (265.4, 370.8, 2500, 121.382, 31.113), False,
       "沪闵路 七莘路 莘松路 都市路 剑川路 浦锦路",
       "江川路街道 古美路街道 新虹街道 浦锦街道 莘庄镇 七宝镇 颛桥镇 华漕镇 虹桥镇 "
       "梅陇镇 吴泾镇 马桥镇 浦江镇"),
    _d(113, "宝山区", "Baoshan District", (223.5, 271.0, 1500, 121.489, 31.405), False,
       "牡丹江路 友谊路 同济路 沪太路 长江西路 美兰湖路",
       "友谊路街道 吴淞街道 张庙街道 罗店镇 大场镇 杨行镇 月浦镇 罗泾镇 顾村镇 高境镇 "
       "庙行镇 淞南镇"),
    _d(114, "嘉定区", "Jiading District", (183.4, 464.2, 2600, 121.266, 31.375), False,
       "博乐路 城中路 沪宜公路 墨玉南路 曹安公路 叶城路",
       "新成路街道 真新街道 嘉定镇街道 南翔镇 安亭镇 马陆镇 徐行镇 华亭镇 外冈镇 江桥镇"),
    _d(115, "浦东新区", "Pudong New Area", (568.2, 1210.4, 12700, 121.545, 31.222), False,
       "世纪大道 张杨路 浦东南路 川沙路 东方路 锦绣路 沪南公路 杨高中路",
       "潍坊新村街道 陆家嘴街道 周家渡街道 塘桥街道 上钢新村街道 南码头路街道 "
       "沪东新村街道 金杨新村街道 洋泾街道 浦兴路街道 东明路街道 花木街道 川沙新镇 "
       "高桥镇 北蔡镇 合庆镇 唐镇 曹路镇 金桥镇 高行镇 张江镇 三林镇 惠南镇 周浦镇 "
       "新场镇 康桥镇 航头镇 祝桥镇 泥城镇 宣桥镇 书院镇"),
    _d(116, "金山区", "Jinshan District", (82.3, 586.1, 1000, 121.342, 30.742), False,
       "卫零路 蒙山路 龙航路 亭卫公路 朱枫公路 金山大道",
       "石化街道 朱泾镇 枫泾镇 张堰镇 亭林镇 吕巷镇 廊下镇 金山卫镇 漕泾镇 山阳镇"),
    _d(117, "松江区", "Songjiang District", (191.0, 605.6, 1500, 121.228, 31.032), False,
       "人民北路 中山中路 文诚路 荣乐东路 九亭大街 沪松公路",
       "岳阳街道 永丰街道 方松街道 中山街道 泗泾镇 佘山镇 车墩镇 新桥镇 洞泾镇 九亭镇 "
       "泖港镇 石湖荡镇 新浜镇 叶榭镇 小昆山镇"),
    _d(118, "青浦区", "Qingpu District", (127.1, 670.1, 1200, 121.124, 31.150), False,
       "城中北路 公园路 外青松公路 盈港东路 崧泽大道 诸光路",
       "夏阳街道 盈浦街道 香花桥街道 朱家角镇 练塘镇 金泽镇 赵巷镇 徐泾镇 华新镇 "
       "重固镇 白鹤镇"),
    _d(120, "奉贤区", "Fengxian District", (114.1, 687.4, 1200, 121.474, 30.918), False,
       "解放东路 南奉公路 望园路 金海公路 运河北路 环城东路",
       "南桥镇 奉城镇 庄行镇 金汇镇 四团镇 青村镇 柘林镇 海湾镇 西渡街道 奉浦街道"),
    _d(151, "崇明区", "Chongming District", (63.8, 1185.5, 400, 121.397, 31.623), False,
       "八一路 东门路 陈海公路 南门路 北沿公路 崇明大道",
       "城桥镇 堡镇 新河镇 庙镇 竖新镇 向化镇 三星镇 港沿镇 中兴镇 陈家镇 绿华镇 港西镇 "
       "建设镇 新海镇 东平镇 长兴镇 新村乡 横沙乡"),
)  # fmt: skip

_BY_SLUG = {d.slug: d for d in _DISTRICTS}
_POPULATION = tuple(d.population for d in _DISTRICTS)
# Districts with farmland, for agricultural subjects.
_RURAL = tuple(_BY_SLUG[s] for s in (
    "minhang", "baoshan", "jiading", "pudong", "jinshan", "songjiang", "qingpu", "fengxian",
    "chongming",
))  # fmt: skip

_CITY_WIDE = "全市 / City-wide"
_CN_DIGITS = "〇一二三四五六七八九十"
_STEMS = (
    "育才", "实验", "光明", "向阳", "新华", "复兴", "阳光", "启明", "和平", "东方", "明德", "博文",
    "致远", "卓越", "星光", "晨曦", "春晖", "枫林", "江湾", "滨江", "华山", "延安", "建设", "民生",
    "福寿", "长青", "锦绣", "金色", "求真", "行知", "崇文", "尚德", "新城", "梅园", "桂林", "海棠",
    "紫荆", "樱花", "翠竹", "青松", "白玉", "明珠", "世纪", "未来",
)  # fmt: skip
_COMPANY_STEMS = (
    "恒信", "华鑫", "瑞丰", "嘉禾", "鼎晟", "宏达", "众诚", "博远", "新锐", "同创", "云智", "天衡",
    "汇通", "启航", "佳和", "华腾", "锦程", "德尚", "信诚", "立达", "海纳", "远景", "卓创", "申达",
    "沪联", "绿洲", "蓝海", "金桥", "银河", "星河",
)  # fmt: skip


def _town_short(town: str) -> str:
    """Drop the 街道/镇/乡 suffix where the remaining name still reads as a place name."""
    if town.endswith("街道"):
        return town.removesuffix("街道")
    if town[-1] in "镇乡" and len(town) > 2:
        return town[:-1]
    return town


# --------------------------------------------------------------------------------------------
# Small generators shared by the tables
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True, slots=True)
class _Scope:
    """What one dataset covers: one district or the city, and a span of years."""

    district: _District | None
    years: tuple[int, int]


_TableFn: TypeAlias = Callable[[random.Random, _Scope], _Table]


def _row_districts(
    rng: random.Random,
    scope: _Scope,
    city_rows: tuple[int, int],
    district_rows: tuple[int, int] = (20, 36),
    among: Sequence[_District] = _DISTRICTS,
) -> list[_District]:
    """The district of each row of a directory, grouped by district code."""
    if scope.district is not None:
        return [scope.district] * rng.randint(*district_rows)
    weights = [d.population for d in among]
    picked = rng.choices(among, weights=weights, k=rng.randint(*city_rows))
    return sorted(picked, key=lambda d: d.code)


def _unique(used: set[str], rng: random.Random, *parts: str | Sequence[str]) -> str:
    """Draw a name from parts (a text, or options to choose from) until it is new.

    After many collisions the last draw gets a branch suffix (二部, 三部, …), as real
    institutions with the same name do.
    """

    def draw() -> str:
        return "".join(p if isinstance(p, str) else rng.choice(p) for p in parts)

    name = draw()
    for _ in range(40):
        if name not in used:
            break
        name = draw()
    if name in used:
        n = 2
        while f"{name}{_branch(n)}" in used:
            n += 1
        name = f"{name}{_branch(n)}"
    used.add(name)
    return name


def _branch(n: int) -> str:
    return f"{_CN_DIGITS[n]}部" if n <= 10 else f"{n}部"


def _address(rng: random.Random, d: _District) -> str:
    return f"{d.zh}{rng.choice(d.roads)}{rng.randint(1, 1800)}号"


def _phone(rng: random.Random) -> str:
    """An institutional landline: 021- and eight digits, never a mobile number."""
    return f"021-{rng.choice('3456')}{rng.randint(0, 9_999_999):07d}"


def _lnglat(rng: random.Random, d: _District) -> tuple[float, float]:
    spread = 0.004 * math.sqrt(d.area)
    return (
        round(d.lng + rng.uniform(-spread, spread), 6),
        round(d.lat + rng.uniform(-spread * 0.85, spread * 0.85), 6),
    )


def _jitter(rng: random.Random, value: float, spread: float) -> float:
    return value * rng.uniform(1 - spread, 1 + spread)


def _growth(year: int, rate: float) -> float:
    return float((1 + rate) ** (year - 2019))


def _shock(year: int, month: int) -> float:
    """Activity relative to normal in the months the pandemic closed the city."""
    return {
        (2020, 2): 0.45,
        (2020, 3): 0.7,
        (2020, 4): 0.85,
        (2022, 4): 0.2,
        (2022, 5): 0.35,
        (2022, 6): 0.8,
    }.get((year, month), 1.0)


def _months(year: int) -> range:
    return range(1, (_LAST_MONTH_2025 if year == 2025 else 12) + 1)


def _periods(scope: _Scope, period: Literal["year", "quarter", "month"]) -> list[tuple[int, int]]:
    """(year, sub-period) pairs in the scope: sub-period is 0, a quarter or a month."""
    out: list[tuple[int, int]] = []
    for year in range(scope.years[0], scope.years[1] + 1):
        if period == "year":
            out.append((year, 0))
        elif period == "quarter":
            last = (_LAST_MONTH_2025 // 3) if year == 2025 else 4
            out.extend((year, q) for q in range(1, last + 1))
        else:
            out.extend((year, m) for m in _months(year))
    return out


def _period_label(period: Literal["year", "quarter", "month"], year: int, sub: int) -> Cell:
    if period == "year":
        return year
    if period == "quarter":
        return f"{year}-Q{sub}"
    return f"{year}-{sub:02d}"


def _district_panel(
    scope: _Scope,
    period: Literal["year", "quarter", "month"],
    columns: str,
    values: Callable[[_District, int, int], tuple[Cell, ...]],
    among: Sequence[_District] = _DISTRICTS,
) -> _Table:
    """One row per district and period (district, period, *values)."""
    districts = [scope.district] if scope.district is not None else list(among)
    rows = [
        (d.zh, _period_label(period, year, sub), *values(d, year, sub))
        for d in districts
        for year, sub in _periods(scope, period)
    ]
    return _Table(("district", period, *columns.split()), tuple(rows))


def _category_panel(
    scope: _Scope,
    period: Literal["year", "quarter", "month"],
    dimension: str,
    categories: Sequence[tuple[str, float]],
    columns: str,
    values: Callable[[str, float, int, int], tuple[Cell, ...]],
) -> _Table:
    """One row per period and category (period, category, *values)."""
    rows = [
        (_period_label(period, year, sub), name, *values(name, weight, year, sub))
        for year, sub in _periods(scope, period)
        for name, weight in categories
    ]
    return _Table((period, dimension, *columns.split()), tuple(rows))


def _series(
    scope: _Scope,
    period: Literal["year", "quarter", "month"],
    columns: str,
    values: Callable[[int, int], tuple[Cell, ...]],
) -> _Table:
    rows = [
        (_period_label(period, year, sub), *values(year, sub))
        for year, sub in _periods(scope, period)
    ]
    return _Table((period, *columns.split()), tuple(rows))


def _weighted(spec: str) -> tuple[tuple[str, float], ...]:
    """Parse "name:weight name:weight" into pairs."""
    pairs = (item.rsplit(":", 1) for item in spec.split())
    return tuple((name, float(weight)) for name, weight in pairs)


def _day(rng: random.Random, year: int, months: range | None = None) -> date:
    month = rng.choice(months or _months(year))
    return date(year, month, rng.randint(1, 28))


def _company(rng: random.Random, trade: str) -> str:
    prefix = rng.choice(("数都", "数都", "申城", "东海", "江南", ""))
    return f"{prefix}{rng.choice(_COMPANY_STEMS)}{trade}有限公司"


def _credit_code(rng: random.Random, d: _District) -> str:
    """A unified social credit code shaped like a recent registration (with letters)."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "".join(rng.choice(alphabet) for _ in range(7))
    region = f"9131{d.code % 100:02d}{rng.choice('0123')}{rng.randint(0, 9)}"
    return f"{region}MA{body}{rng.choice('ABCDEFGHJKLMN')}"


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


# --------------------------------------------------------------------------------------------
# Tables: directories of places and institutions
# --------------------------------------------------------------------------------------------


def _towns(d: _District) -> tuple[str, ...]:
    return tuple(_town_short(t) for t in d.towns)


def _t_schools(rng: random.Random, scope: _Scope) -> _Table:
    stages = (
        ("小学", "小学", 5),
        ("初级中学", "中学", 2),
        ("九年一贯制学校", "学校", 1),
        ("完全中学", "中学", 1),
        ("高级中学", "高级中学", 1),
    )
    used: set[str] = set()
    rows: list[tuple[Cell, ...]] = []
    for d in _row_districts(rng, scope, (200, 320)):
        stage, suffix, _ = rng.choices(stages, weights=[s[2] for s in stages])[0]
        private = rng.random() < 0.12
        ownership = "民办" if private else "公办"
        prefix = f"{d.zh}民办" if private else d.zh
        name = _unique(used, rng, prefix, (*_STEMS, *_towns(d)), suffix)
        founded = rng.randint(1995, 2021) if private else rng.randint(1905, 2021)
        rows.append((name, d.zh, stage, ownership, _address(rng, d), _phone(rng), founded))
    columns = ("name", "district", "stage", "ownership", "address", "phone", "founded")
    return _Table(columns, tuple(rows))


def _t_kindergartens(rng: random.Random, scope: _Scope) -> _Table:
    used: set[str] = set()
    rows: list[tuple[Cell, ...]] = []
    for d in _row_districts(rng, scope, (200, 320)):
        private = rng.random() < 0.3
        prefix = f"{d.zh}民办" if private else d.zh
        name = _unique(used, rng, prefix, (*_STEMS, *_towns(d)), "幼儿园")
        rating = rng.choices(("示范园", "一级园", "二级园"), weights=(1, 4, 5))[0]
        rows.append(
            (
                name,
                d.zh,
                "民办" if private else "公办",
                rating,
                rng.randint(6, 20),
                _address(rng, d),
                _phone(rng),
            )
        )
    columns = ("name", "district", "ownership", "rating", "classes", "address", "phone")
    return _Table(columns, tuple(rows))


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


def _t_hospitals(rng: random.Random, scope: _Scope) -> _Table:
    used: set[str] = set()
    rows: list[tuple[Cell, ...]] = []
    for d in _row_districts(rng, scope, (70, 110), (20, 26)):
        level, low, high, _ = rng.choices(_HOSPITAL_LEVELS, [x[3] for x in _HOSPITAL_LEVELS])[0]
        category = rng.choices(("综合医院", "中医医院", "专科医院", "妇幼保健院"), (6, 2, 3, 1))[0]
        options: list[str]
        if category == "综合医院" and level.startswith("三"):
            options = [f"市第{n}人民医院" for n in _CN_DIGITS[1:]]
            options += [f"数都{s}医院" for s in _STEMS[:12]]
        elif category == "综合医院":
            options = [f"{d.zh}中心医院", f"{d.zh}人民医院"]
            options += [f"{d.zh}{t}医院" for t in _towns(d)]
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
        name = _unique(used, rng, options)
        approved = rng.randrange(low, high, 10)
        opened = (
            approved - rng.randrange(0, approved // 8 + 1, 5) if rng.random() < 0.5 else approved
        )
        rows.append((name, d.zh, level, category, approved, opened, _address(rng, d), _phone(rng)))
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
    return _Table(columns, tuple(rows))


def _t_community_health(rng: random.Random, scope: _Scope) -> _Table:
    rows: list[tuple[Cell, ...]] = []
    districts = [scope.district] if scope.district is not None else list(_DISTRICTS)
    used: set[str] = set()
    for d in districts:
        target = rng.randint(20, 30) if scope.district is not None else len(d.towns)
        for i in range(target):
            town = d.towns[i % len(d.towns)]
            centre = i < len(d.towns)
            if centre:
                name = _unique(used, rng, f"{d.zh}{town}社区卫生服务中心")
            else:
                name = _unique(used, rng, f"{d.zh}{town}社区卫生服务站（", d.roads, "）")
            hours = rng.choice(("08:00-16:30", "07:30-16:30", "08:00-20:00"))
            teams = rng.randint(4, 28) if centre else rng.randint(1, 4)
            rows.append((name, d.zh, town, _address(rng, d), _phone(rng), hours, teams))
    columns = (
        "name",
        "district",
        "subdistrict",
        "address",
        "phone",
        "opening_hours",
        "family_doctor_teams",
    )
    return _Table(columns, tuple(rows))


def _t_ev_chargers(rng: random.Random, scope: _Scope) -> _Table:
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
    for i, d in enumerate(_row_districts(rng, scope, (220, 320), (24, 40)), start=1):
        name = _unique(used, rng, _towns(d), places, "充电站")
        fast = rng.randint(0, 12)
        slow = rng.randint(0 if fast else 2, 20)
        lng, lat = _lnglat(rng, d)
        rows.append(
            (
                f"EV-{d.code}-{i:04d}",
                name,
                d.zh,
                _address(rng, d),
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
    return _Table(columns, tuple(rows))


def _t_parking(rng: random.Random, scope: _Scope) -> _Table:
    kinds = {
        "公共停车场": "公共停车场",
        "地下车库": "公共停车库",
        "立体停车库": "公共停车库",
        "P+R停车场": "公共停车场",
    }
    used: set[str] = set()
    rows: list[tuple[Cell, ...]] = []
    for d in _row_districts(rng, scope, (200, 300), (22, 40)):
        name = _unique(used, rng, (*_towns(d), *d.roads), tuple(kinds))
        kind = next(v for k, v in kinds.items() if name.endswith(k) or k in name)
        spaces = rng.randrange(40, 1200, 10)
        ev_spaces = spaces * rng.randint(5, 25) // 100
        fee = rng.choice((10, 12, 15)) if d.central else rng.choice((3, 5, 6, 8))
        lng, lat = _lnglat(rng, d)
        rows.append((name, d.zh, _address(rng, d), kind, spaces, ev_spaces, fee, lng, lat))
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
    return _Table(columns, tuple(rows))


def _t_markets(rng: random.Random, scope: _Scope) -> _Table:
    used: set[str] = set()
    rows: list[tuple[Cell, ...]] = []
    for d in _row_districts(rng, scope, (160, 260), (20, 34)):
        name = _unique(used, rng, (*_towns(d), *d.roads, *_STEMS), ("菜市场", "菜市场", "农贸市场"))
        operator = rng.choice(
            (f"{d.zh}菜市场管理有限公司", "数都菜篮子经营管理公司", _company(rng, "市场经营管理"))
        )
        hours = rng.choice(("06:00-18:00", "06:00-19:00", "05:30-18:30", "06:30-20:00"))
        rows.append((name, d.zh, _address(rng, d), rng.randint(30, 180), hours, operator))
    columns = ("name", "district", "address", "stalls", "opening_hours", "operator")
    return _Table(columns, tuple(rows))


def _t_elderly_care(rng: random.Random, scope: _Scope) -> _Table:
    kinds = (
        ("敬老院", 60, 300),
        ("养老院", 80, 600),
        ("护理院", 100, 400),
        ("长者照护之家", 20, 49),
    )
    used: set[str] = set()
    rows: list[tuple[Cell, ...]] = []
    for d in _row_districts(rng, scope, (200, 320), (20, 38)):
        suffix, low, high = rng.choice(kinds)
        name = _unique(used, rng, d.zh, (*_towns(d), *_STEMS), suffix)
        ownership = rng.choices(("公办", "民办", "公建民营"), (3, 4, 2))[0]
        rows.append(
            (
                name,
                d.zh,
                ownership,
                rng.randint(low, high),
                rng.choice(("是", "否")),
                _address(rng, d),
                _phone(rng),
            )
        )
    columns = ("name", "district", "ownership", "beds", "dementia_care", "address", "phone")
    return _Table(columns, tuple(rows))


def _t_heritage(rng: random.Random, scope: _Scope) -> _Table:
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
    for d in _row_districts(rng, scope, (140, 220)):
        weights = (4, 1, 1, 6 if d.central else 2)
        category = rng.choices(tuple(kinds), weights)[0]
        suffixes, eras = kinds[category]
        if category.startswith("近现代"):
            numbers = tuple(f"{n}号" for n in range(1, 999, 3))
            name = _unique(used, rng, d.roads, numbers, suffixes)
        else:
            name = _unique(used, rng, _towns(d), suffixes)
        level = rng.choices(levels, (1, 5, 14))[0]
        rows.append((name, d.zh, level, category, rng.choice(eras), _address(rng, d)))
    columns = ("name", "district", "protection_level", "category", "era", "address")
    return _Table(columns, tuple(rows))


def _t_attractions(rng: random.Random, scope: _Scope) -> _Table:
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
    for d in _row_districts(rng, scope, (70, 120)):
        suffix, category, ratings = rng.choice(kinds[3:] if d.central else kinds)
        name = _unique(used, rng, (*_towns(d), *_STEMS[:20]), suffix)
        rating = rng.choice(ratings)
        visitors = round(rng.uniform(80, 900) if rating == "5A" else rng.uniform(5, 260), 1)
        rows.append((name, d.zh, rating, category, _address(rng, d), _phone(rng), visitors))
    columns = (
        "name",
        "district",
        "rating",
        "category",
        "address",
        "phone",
        "annual_visitors_10k",
    )
    return _Table(columns, tuple(rows))


def _t_hotels(rng: random.Random, scope: _Scope) -> _Table:
    brands = ("锦程", "华庭", "江悦", "云栖", "明珠", "海湾", "申江", "汇贤", "和平", "衡山")
    suffixes = ("大酒店", "宾馆", "酒店", "国际酒店", "花园酒店", "饭店")
    used: set[str] = set()
    rows: list[tuple[Cell, ...]] = []
    for d in _row_districts(rng, scope, (150, 250), (20, 32)):
        name = _unique(used, rng, ("数都", "", ""), brands, _towns(d), suffixes)
        star = rng.choices((2, 3, 4, 5), (2, 5, 4, 2 if d.central else 1))[0]
        rooms = rng.randint(*{2: (40, 120), 3: (80, 260), 4: (150, 420), 5: (220, 800)}[star])
        rows.append((name, d.zh, star, rooms, _address(rng, d), _phone(rng)))
    columns = ("name", "district", "star", "rooms", "address", "phone")
    return _Table(columns, tuple(rows))


def _t_cultural_venues(rng: random.Random, scope: _Scope) -> _Table:
    used: set[str] = set()
    rows: list[tuple[Cell, ...]] = []
    for d in _row_districts(rng, scope, (160, 260), (20, 34)):
        kind = rng.choices(
            ("公共图书馆", "文化馆", "博物馆", "美术馆", "社区文化活动中心"), (3, 1, 2, 1, 5)
        )[0]
        if kind == "社区文化活动中心":
            name = _unique(used, rng, d.zh, d.towns, "社区文化活动中心")
        elif kind == "公共图书馆":
            name = _unique(used, rng, d.zh, ("图书馆", *(f"{t}分馆" for t in _towns(d))))
        elif kind == "文化馆":
            name = _unique(used, rng, (f"{d.zh}文化馆", f"{d.zh}少年儿童文化馆", "市群众艺术馆"))
        else:
            name = _unique(used, rng, ("数都", d.short), _STEMS, kind)
        hours = rng.choice(("09:00-17:00", "09:00-20:30", "10:00-18:00", "08:30-21:00"))
        free = "否" if kind == "博物馆" and rng.random() < 0.3 else "是"
        rows.append((name, d.zh, kind, _address(rng, d), _phone(rng), hours, free))
    columns = (
        "name",
        "district",
        "venue_type",
        "address",
        "phone",
        "opening_hours",
        "free_admission",
    )
    return _Table(columns, tuple(rows))


def _t_sports_venues(rng: random.Random, scope: _Scope) -> _Table:
    kinds = ("体育场", "体育馆", "游泳馆", "全民健身中心", "市民球场", "市民益智健身苑点")
    used: set[str] = set()
    rows: list[tuple[Cell, ...]] = []
    for d in _row_districts(rng, scope, (180, 300), (20, 36)):
        kind = rng.choices(kinds, (1, 2, 2, 3, 4, 6))[0]
        name = _unique(used, rng, (d.short, *_towns(d)), kind)
        opening = rng.choices(("全天开放", "分时段开放", "预约开放"), (2, 5, 3))[0]
        lng, lat = _lnglat(rng, d)
        rows.append((name, d.zh, kind, _address(rng, d), opening, lng, lat))
    columns = ("name", "district", "venue_type", "address", "opening", "lng", "lat")
    return _Table(columns, tuple(rows))


def _t_pharmacies(rng: random.Random, scope: _Scope) -> _Table:
    chains = ("数都第一医药", "康安大药房", "仁和堂药房", "百信大药房", "益寿堂药店", "华康药房")
    used: set[str] = set()
    rows: list[tuple[Cell, ...]] = []
    for d in _row_districts(rng, scope, (220, 340), (24, 40)):
        name = _unique(used, rng, chains, (*_towns(d), *d.roads), "店")
        since = _day(rng, rng.randint(2008, 2024))
        rows.append(
            (
                name,
                d.zh,
                _address(rng, d),
                _phone(rng),
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
    return _Table(columns, tuple(rows))


def _t_shelters(rng: random.Random, scope: _Scope) -> _Table:
    places = ("公园", "体育场", "中学", "广场", "绿地", "体育中心")
    used: set[str] = set()
    rows: list[tuple[Cell, ...]] = []
    for d in _row_districts(rng, scope, (120, 220), (20, 32)):
        name = _unique(used, rng, _towns(d), places, "应急避难场所")
        grade = rng.choices(("Ⅰ类", "Ⅱ类", "Ⅲ类"), (1, 3, 6))[0]
        area = rng.randrange(
            *{"Ⅰ类": (20000, 120000), "Ⅱ类": (5000, 30000), "Ⅲ类": (2000, 9000)}[grade], 100
        )
        lng, lat = _lnglat(rng, d)
        rows.append(
            (name, d.zh, grade, area, int(area / rng.uniform(1.5, 2.5)), _address(rng, d), lng, lat)
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
    return _Table(columns, tuple(rows))


def _t_public_toilets(rng: random.Random, scope: _Scope) -> _Table:
    used: set[str] = set()
    rows: list[tuple[Cell, ...]] = []
    for d in _row_districts(rng, scope, (220, 340), (24, 40)):
        name = _unique(used, rng, (*d.roads, *_towns(d)), ("", "绿地", "公园", "广场"), "公厕")
        grade = rng.choices(("一类", "二类", "三类"), (2, 5, 3))[0]
        lng, lat = _lnglat(rng, d)
        rows.append(
            (
                name,
                d.zh,
                _address(rng, d),
                grade,
                rng.choices(("是", "否"), (4, 1))[0],
                rng.choices(("是", "否"), (1, 2))[0],
                lng,
                lat,
            )
        )
    columns = ("name", "district", "address", "grade", "accessible", "open_24h", "lng", "lat")
    return _Table(columns, tuple(rows))


def _t_parks(rng: random.Random, scope: _Scope) -> _Table:
    kinds = (
        ("综合公园", 10, 80),
        ("社区公园", 0.5, 6),
        ("专类公园", 2, 30),
        ("郊野公园", 200, 1500),
    )
    used: set[str] = set()
    rows: list[tuple[Cell, ...]] = []
    for d in _row_districts(rng, scope, (150, 260), (20, 34)):
        kind, low, high = rng.choices(kinds, (3, 8, 2, 0 if d.central else 1))[0]
        suffix = {
            "专类公园": ("植物园", "雕塑公园", "滨江公园", "运动公园"),
            "郊野公园": ("郊野公园",),
        }.get(kind, ("公园", "绿地公园"))
        name = _unique(used, rng, (*_towns(d), *_STEMS), suffix)
        free = "否" if kind == "专类公园" and rng.random() < 0.4 else "是"
        hours = "全天开放" if kind == "社区公园" else rng.choice(("05:00-21:00", "06:00-18:00"))
        rows.append((name, d.zh, kind, round(rng.uniform(low, high), 2), hours, free))
    columns = ("name", "district", "park_type", "area_ha", "opening_hours", "free_admission")
    return _Table(columns, tuple(rows))


def _t_incubators(rng: random.Random, scope: _Scope) -> _Table:
    used: set[str] = set()
    rows: list[tuple[Cell, ...]] = []
    for d in _row_districts(rng, scope, (90, 160), (20, 30)):
        name = _unique(
            used,
            rng,
            ("数都", *_towns(d)),
            _COMPANY_STEMS,
            ("科技企业孵化器", "众创空间", "创新创业中心", "科创孵化基地"),
        )
        level = rng.choices(("国家级", "市级", "区级"), (1, 3, 5))[0]
        area = rng.randrange(3000, 60000, 100)
        rows.append(
            (name, d.zh, level, area, max(8, area // rng.randint(250, 700)), _address(rng, d))
        )
    columns = ("name", "district", "level", "area_m2", "incubated_firms", "address")
    return _Table(columns, tuple(rows))


def _t_coops(rng: random.Random, scope: _Scope) -> _Table:
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
    for d in _row_districts(rng, scope, (150, 240), (20, 36), among=_RURAL):
        product = rng.choice(products)
        name = _unique(used, rng, d.short, _towns(d), _STEMS[:12], f"{product}专业合作社")
        level = rng.choices(("国家级示范社", "市级示范社", "区级示范社", "无"), (1, 3, 5, 12))[0]
        registered = _day(rng, rng.randint(2008, 2024))
        rows.append((name, d.zh, product, rng.randint(5, 320), registered.isoformat(), level))
    columns = ("name", "district", "main_product", "members", "registered_on", "demonstration")
    return _Table(columns, tuple(rows))


def _t_polluters(rng: random.Random, scope: _Scope) -> _Table:
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
    for d in _row_districts(rng, scope, (120, 220), (20, 30), among=_RURAL):
        trade, media = rng.choice(trades)
        name = _unique(
            used, rng, ("数都", d.short, "东海", "申城"), _COMPANY_STEMS, f"{trade}有限公司"
        )
        rows.append(
            (name, d.zh, trade, media, rng.choices(("是", "否"), (4, 1))[0], _address(rng, d))
        )
    columns = ("name", "district", "industry", "environment_media", "online_monitoring", "address")
    return _Table(columns, tuple(rows))


def _t_rivers(rng: random.Random, scope: _Scope) -> _Table:
    levels = (
        ("区管", "区级河长", 4, 25),
        ("镇管", "镇级河长", 1.5, 9),
        ("村级", "村级河长", 0.2, 3),
    )
    used: set[str] = set()
    rows: list[tuple[Cell, ...]] = []
    for i, d in enumerate(_row_districts(rng, scope, (160, 280), (24, 40)), start=1):
        level, chief, low, high = rng.choices(levels, (1, 3, 5))[0]
        name = _unique(used, rng, (*_towns(d), *_STEMS), ("河", "港", "浜", "泾", "塘"))
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
    return _Table(columns, tuple(rows))


def _t_ancient_trees(rng: random.Random, scope: _Scope) -> _Table:
    species = ("银杏", "香樟", "广玉兰", "罗汉松", "黄杨", "榉树", "朴树", "桂花", "紫藤", "白皮松")
    rows: list[tuple[Cell, ...]] = []
    for i, d in enumerate(_row_districts(rng, scope, (150, 260), (20, 34)), start=1):
        age = int(rng.choices((rng.uniform(100, 299), rng.uniform(300, 1200)), (5, 1))[0])
        level = "一级" if age >= 300 else "二级"
        place = rng.choice(("公园内", "寺院内", "小区内", "学校内", "路边绿地", "村宅旁"))
        rows.append(
            (
                f"GS-{d.code}-{i:04d}",
                rng.choice(species),
                d.zh,
                f"{_address(rng, d)}{place}",
                age,
                level,
                rng.choices(("正常", "衰弱", "濒危"), (12, 3, 1))[0],
            )
        )
    columns = ("tree_code", "species", "district", "location", "age_years", "level", "condition")
    return _Table(columns, tuple(rows))


def _service_table(pattern: Sequence[str | Sequence[str]], hours: Sequence[str]) -> _TableFn:
    """A directory of service points named from a pattern.

    In the pattern, "{d}" and "{s}" inside a text stand for the district's full and short
    name, and a part that is exactly "{t}" for one of its sub-districts.
    """

    def build(rng: random.Random, scope: _Scope) -> _Table:
        used: set[str] = set()
        rows: list[tuple[Cell, ...]] = []
        for d in _row_districts(rng, scope, (120, 220), (20, 32)):
            parts = [
                p.replace("{d}", d.zh).replace("{s}", d.short)
                if isinstance(p, str)
                else tuple(x.replace("{d}", d.zh).replace("{s}", d.short) for x in p)
                for p in pattern
            ]
            parts = [d.towns if p == "{t}" else p for p in parts]
            name = _unique(used, rng, *parts)
            rows.append((name, d.zh, _address(rng, d), _phone(rng), rng.choice(hours)))
        return _Table(("name", "district", "address", "phone", "opening_hours"), tuple(rows))

    return build


_t_police_stations = _service_table(("{d}公安分局", "{t}", "派出所"), ("24小时",))
_t_service_centres = _service_table(
    ("{d}", "{t}", "社区事务受理服务中心"),
    ("09:00-17:00", "08:30-17:00", "09:00-17:00（周六上午）"),
)
_t_canteens = _service_table(
    ("{d}", "{t}", ("社区长者食堂", "老年助餐点")), ("10:30-13:00", "10:30-13:00;16:30-18:00")
)
_t_social_insurance_points = _service_table(
    ("{d}社会保险服务网点（", "{t}", "）"), ("09:00-17:00", "08:30-17:00")
)
_t_fire_stations = _service_table(("{d}", "{t}", ("消防救援站", "特勤消防站")), ("24小时",))
_t_training_schools = _service_table(
    ("数都", _STEMS, ("职业技能培训学校", "职业培训中心", "技工学校")),
    ("09:00-17:00", "08:30-20:30"),
)


# --------------------------------------------------------------------------------------------
# Tables: transport, environment and other time series
# --------------------------------------------------------------------------------------------


def _stop(rng: random.Random, d: _District) -> str:
    kind = rng.random()
    if kind < 0.5:
        first, second = rng.sample(d.roads, 2)
        return f"{first}{second}"
    town = _town_short(rng.choice(d.towns))
    return f"{town}{'公交枢纽站' if kind < 0.75 else '地铁站'}"


def _t_bus_routes(rng: random.Random, scope: _Scope) -> _Table:
    operators = (
        "数都巴士一公司",
        "数都巴士二公司",
        "数都巴士三公司",
        "数都巴士四公司",
        "数都巴士五公司",
    )
    used: set[str] = set()
    rows: list[tuple[Cell, ...]] = []
    for home in _row_districts(rng, scope, (140, 220), (20, 40)):
        away = home if rng.random() < 0.6 else rng.choices(_DISTRICTS, _POPULATION)[0]
        numbers = tuple(str(n) for n in range(1, 1000))
        if home.central:
            route = _unique(used, rng, numbers, "路")
            operator = rng.choice(operators)
        else:
            route = _unique(used, rng, (home.short, ""), numbers[:120], "路")
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
    return _Table(columns, tuple(rows))


_METRO_LINES = tuple(
    (f"{n}号线", w)
    for n, w in zip(
        range(1, 19), (11, 13, 4, 5, 2, 3, 8, 9, 8, 6, 7, 6, 5, 4, 3, 3, 2, 3), strict=True
    )
)


def _t_metro_ridership(rng: random.Random, scope: _Scope) -> _Table:
    def values(line: str, weight: float, year: int, month: int) -> tuple[Cell, ...]:
        days = (date(year + month // 12, month % 12 + 1, 1) - date(year, month, 1)).days
        daily = weight * 11.5 * _growth(year, 0.02) * _shock(year, month) * rng.uniform(0.94, 1.06)
        return round(daily * days, 1), round(daily, 2)

    return _category_panel(
        scope, "month", "line", _METRO_LINES, "passengers_10k avg_daily_10k", values
    )


def _t_vehicle_tracks(rng: random.Random, scope: _Scope) -> _Table:
    """De-identified trajectories: a token per vehicle, never a plate or a driver."""
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    rows: list[tuple[Cell, ...]] = []
    start = datetime(2025, 10, 31, 7, 0)
    for _ in range(rng.randint(6, 9)):
        token = (
            "VH-" + "".join(rng.choice(letters) for _ in range(4)) + f"-{rng.randint(0, 9999):04d}"
        )
        d = scope.district or rng.choices(_DISTRICTS, _POPULATION)[0]
        lng, lat = _lnglat(rng, d)
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
    return _Table(columns, tuple(rows))


def _t_traffic_flow(rng: random.Random, scope: _Scope) -> _Table:
    rows: list[tuple[Cell, ...]] = []
    points = [(d, road) for d in _DISTRICTS for road in d.roads[:2]]
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
                    f"{_SNAPSHOT_DAY}T{hour:02d}:00",
                    volume,
                    speed,
                )
            )
    columns = ("checkpoint", "road", "district", "hour", "vehicles", "avg_speed_kmh")
    return _Table(columns, tuple(rows))


def _t_air_quality(rng: random.Random, scope: _Scope) -> _Table:
    def values(d: _District, year: int, month: int) -> tuple[Cell, ...]:
        factor = 0.82 if d.slug == "chongming" else (1.04 if d.central else 1.0)
        pm25 = _PM25_SEASON[month - 1] * 0.95 ** (year - 2019) * factor * rng.uniform(0.85, 1.15)
        pm10 = pm25 * rng.uniform(1.45, 1.8)
        no2 = (42 - 14 * math.cos((month - 1) * math.pi / 6 - math.pi)) * factor
        no2 = no2 * 0.97 ** (year - 2019) * rng.uniform(0.88, 1.12)
        aqi = max(_iaqi(pm25, _PM25_BP), _iaqi(pm10, _PM10_BP), _iaqi(no2, _NO2_BP))
        return aqi, round(pm25, 1), round(pm10, 1), round(no2, 1)

    return _district_panel(scope, "month", "aqi pm25 pm10 no2", values)


def _t_air_stations(rng: random.Random, scope: _Scope) -> _Table:
    stations: list[tuple[str, str, _District, float, float]] = []
    for d in [scope.district] if scope.district else _DISTRICTS:
        for k, town in enumerate(rng.sample(_towns(d), 2 if d.area > 300 else 1), start=1):
            lng, lat = _lnglat(rng, d)
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
                    f"{_SNAPSHOT_DAY}T{hour:02d}:00:00+08:00",
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
    return _Table(columns, tuple(rows))


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


def _t_water_quality(rng: random.Random, scope: _Scope) -> _Table:
    rows: list[tuple[Cell, ...]] = []
    for river, section, slug in _SECTIONS:
        quality = rng.uniform(0.8, 1.25)
        for year, month in _periods(scope, "month"):
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
                    _BY_SLUG[slug].zh,
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
    return _Table(columns, tuple(rows))


def _t_weather_daily(rng: random.Random, scope: _Scope) -> _Table:
    year = scope.years[1]
    rows: list[tuple[Cell, ...]] = []
    day = date(year, 1, 1)
    end = date(year, _LAST_MONTH_2025, 30) if year == 2025 else date(year, 12, 31)
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
    return _Table(columns, tuple(rows))


def _t_tide_levels(rng: random.Random, scope: _Scope) -> _Table:
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
            moment = f"{_SNAPSHOT_DAY}T{half_hour // 2:02d}:{30 * (half_hour % 2):02d}:00+08:00"
            rows.append((station, moment, round(level + rng.uniform(-0.05, 0.05), 2), warning))
    columns = ("station", "observed_at", "water_level_m", "warning_level_m")
    return _Table(columns, tuple(rows))


def _t_warnings(rng: random.Random, scope: _Scope) -> _Table:
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
        months = range(months.start, min(months.stop, max(_months(year)) + 1))
        if not months:
            continue
        issued = datetime.combine(_day(rng, year, months), datetime.min.time())
        issued += timedelta(minutes=rng.randrange(0, 24 * 60, 5))
        lifted = issued + timedelta(minutes=rng.randrange(120, 48 * 60, 5))
        area = rng.choices(("全市", *(d.zh for d in _DISTRICTS)), (8, *([1] * 16)))[0]
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
    return _Table(("issued_at", "warning_type", "level", "area", "lifted_at"), rows)


def _t_weather_stations(rng: random.Random, scope: _Scope) -> _Table:
    rows: list[tuple[Cell, ...]] = []
    for i, d in enumerate(_row_districts(rng, scope, (80, 140), (20, 30)), start=1):
        lng, lat = _lnglat(rng, d)
        elements = rng.choice(
            ("气温;降水;风;湿度", "气温;降水;风;湿度;气压", "气温;降水", "能见度;风")
        )
        rows.append(
            (
                f"A{d.code}{i:03d}",
                f"{rng.choice(_towns(d))}站",
                d.zh,
                lng,
                lat,
                round(rng.uniform(2.5, 12.0), 1),
                elements,
            )
        )
    columns = ("station_code", "name", "district", "lng", "lat", "altitude_m", "elements")
    return _Table(columns, tuple(rows))


def _t_grid_weather(rng: random.Random, scope: _Scope) -> _Table:
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
                    f"{_SNAPSHOT_DAY}T{hour:02d}:00+08:00",
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
    return _Table(columns, tuple(rows))


def _online_table(
    units: str, prefix: str, columns: str, ranges: Sequence[tuple[float, float]]
) -> _TableFn:
    """Hourly readings of a few monitored sites over the snapshot day."""
    trades = tuple(units.split())

    def build(rng: random.Random, scope: _Scope) -> _Table:
        rows: list[tuple[Cell, ...]] = []
        for i in range(1, rng.randint(10, 14) + 1):
            d = scope.district or rng.choices(_RURAL, [x.population for x in _RURAL])[0]
            trade = rng.choice(trades)
            bases = [rng.uniform(low, high) for low, high in ranges]
            for hour in range(0, 24, 1):
                load = 0.7 + 0.3 * math.sin(math.pi * (hour - 6) / 12)
                rows.append(
                    (
                        f"{prefix}-{d.code}-{i:03d}",
                        trade,
                        d.zh,
                        f"{_SNAPSHOT_DAY}T{hour:02d}:00+08:00",
                        *(round(b * load * rng.uniform(0.9, 1.1), 2) for b in bases),
                    )
                )
        return _Table(
            ("site_code", "industry", "district", "recorded_at", *columns.split()), tuple(rows)
        )

    return build


_t_emissions_online = _online_table(
    "化工 热电 钢铁 制药 固废处置",
    "PW",
    "so2_mg_m3 nox_mg_m3 particulates_mg_m3 flow_10k_m3_h",
    ((3, 30), (20, 90), (1, 9), (5, 60)),
)
_t_energy_online = _online_table(
    "钢铁 石化 汽车制造 集成电路 数据中心 医药",
    "EU",
    "power_kw energy_kwh steam_t gas_m3",
    ((800, 30000), (800, 30000), (0.5, 40), (50, 3000)),
)


# --------------------------------------------------------------------------------------------
# Tables: statistics by district, category and period
# --------------------------------------------------------------------------------------------


def _t_population(rng: random.Random, scope: _Scope) -> _Table:
    def values(d: _District, year: int, _: int) -> tuple[Cell, ...]:
        trend = 0.996 if d.central else 1.006
        resident = d.population * trend ** (year - 2020) * rng.uniform(0.995, 1.005)
        registered = resident * (0.78 if d.central else 0.52) * rng.uniform(0.97, 1.03)
        return (round(resident, 2), round(registered, 2), d.area, round(resident * 10_000 / d.area))

    return _district_panel(
        scope,
        "year",
        "resident_population_10k registered_population_10k area_km2 density_per_km2",
        values,
    )


_GDP_GROWTH = {2019: 0.0, 2020: 0.017, 2021: 0.081, 2022: -0.002, 2023: 0.05, 2024: 0.05}


def _t_gdp(rng: random.Random, scope: _Scope) -> _Table:
    def values(d: _District, year: int, _: int) -> tuple[Cell, ...]:
        gdp = d.gdp
        for y in range(2020, year + 1):
            gdp *= 1 + _GDP_GROWTH[y] + rng.uniform(-0.01, 0.01) + 0.03  # nominal = real + prices
        growth = _GDP_GROWTH[year] * 100 + rng.uniform(-1.2, 1.2) if year > 2019 else 6.0
        tertiary = rng.uniform(82, 94) if d.central else rng.uniform(45, 68)
        return round(gdp, 1), round(growth, 1), round(tertiary, 1)

    return _district_panel(scope, "year", "gdp_100m_yuan growth_pct tertiary_share_pct", values)


_CPI_CATEGORIES = _weighted(
    "总指数:1 食品烟酒:1.2 衣着:0.6 居住:0.8 生活用品及服务:0.5 交通通信:1.3 教育文化娱乐:0.9 "
    "医疗保健:0.7 其他用品及服务:0.8"
)


def _t_cpi(rng: random.Random, scope: _Scope) -> _Table:
    base = {2019: 2.5, 2020: 1.7, 2021: 1.2, 2022: 2.5, 2023: 0.3, 2024: 0.2, 2025: 0.1}

    def values(_: str, volatility: float, year: int, month: int) -> tuple[Cell, ...]:
        yoy = 100 + base[year] + rng.gauss(0, 0.8) * volatility
        mom = 100 + rng.gauss(0, 0.35) * volatility
        return round(yoy, 1), round(mom, 1)

    return _category_panel(
        scope, "month", "category", _CPI_CATEGORIES, "index_yoy index_mom", values
    )


def _t_retail_sales(rng: random.Random, scope: _Scope) -> _Table:
    def values(year: int, month: int) -> tuple[Cell, ...]:
        season = 1.12 if month in (1, 11, 12) else (0.9 if month == 2 else 1.0)
        sales = 1260 * _growth(year, 0.035) * season * _shock(year, month) * rng.uniform(0.97, 1.03)
        online = 28 + 2.2 * (year - 2019) + rng.uniform(-1.5, 1.5)
        yoy = (_shock(year, month) / _shock(year - 1, month) - 1) * 100 + rng.uniform(1, 6)
        return round(sales, 1), round(yoy, 1), round(online, 1)

    return _series(scope, "month", "retail_sales_100m_yuan yoy_pct online_share_pct", values)


def _price_level(d: _District) -> float:
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


def _t_housing_sales(rng: random.Random, scope: _Scope) -> _Table:
    def values(d: _District, year: int, month: int) -> tuple[Cell, ...]:
        supply = 0.4 if d.central else 1.0
        units = int(d.population * 0.9 * supply * _shock(year, month) * rng.uniform(0.5, 1.5))
        area = units * rng.uniform(88, 128)
        price = _price_level(d) * _growth(year, 0.025) * rng.uniform(0.92, 1.08)
        return units, round(area), round(price)

    return _district_panel(scope, "month", "units floor_area_m2 avg_price_yuan_m2", values)


def _t_housing_projects(rng: random.Random, scope: _Scope) -> _Table:
    used: set[str] = set()
    rows: list[tuple[Cell, ...]] = []
    for d in _row_districts(rng, scope, (90, 160), (20, 30)):
        name = _unique(
            used, rng, _towns(d), ("", *_STEMS[:10]), ("保障性租赁住房项目", "人才公寓", "租赁社区")
        )
        units = rng.randrange(120, 2400, 10)
        status = rng.choices(("在建", "已竣工", "已供应"), (3, 2, 4))[0]
        lng, lat = _lnglat(rng, d)
        rows.append(
            (
                name,
                d.zh,
                _address(rng, d),
                units,
                round(units * rng.uniform(38, 72)),
                status,
                lng,
                lat,
            )
        )
    columns = ("name", "district", "address", "units", "floor_area_m2", "status", "lng", "lat")
    return _Table(columns, tuple(rows))


def _t_building_energy(rng: random.Random, scope: _Scope) -> _Table:
    kinds = _weighted(
        "办公建筑:95 商场建筑:240 宾馆饭店建筑:150 医疗卫生建筑:180 文化教育建筑:60 综合建筑:130"
    )

    stock: dict[str, float] = {}

    def values(kind: str, intensity: float, year: int, __: int) -> tuple[Cell, ...]:
        buildings = int(stock.setdefault(kind, rng.uniform(150, 900)) * _growth(year, 0.06))
        area = buildings * rng.uniform(1.8, 3.2)  # 10k m²
        kwh_m2 = intensity * 0.985 ** (year - 2019) * rng.uniform(0.94, 1.06)
        return buildings, round(area, 1), round(area * kwh_m2, 1), round(kwh_m2, 1)

    return _category_panel(
        scope,
        "year",
        "building_type",
        kinds,
        "buildings floor_area_10k_m2 electricity_10k_kwh intensity_kwh_m2",
        values,
    )


def _t_rental_prices(rng: random.Random, scope: _Scope) -> _Table:
    def values(d: _District, year: int, month: int) -> tuple[Cell, ...]:
        rent = _price_level(d) / 1000 * 1.05 * _growth(year, 0.02) * rng.uniform(0.95, 1.05)
        listings = int(d.population * rng.uniform(8, 14))
        deals = int(listings * rng.uniform(0.18, 0.32) * _shock(year, month))
        return round(rent, 1), listings, deals

    return _district_panel(scope, "month", "avg_rent_yuan_m2_month listings transactions", values)


def _t_traffic_accidents(rng: random.Random, scope: _Scope) -> _Table:
    def values(d: _District, year: int, month: int) -> tuple[Cell, ...]:
        accidents = int(
            d.population
            * 0.55
            * 0.96 ** (year - 2019)
            * _shock(year, month)
            * rng.uniform(0.7, 1.3)
        )
        injuries = int(accidents * rng.uniform(0.9, 1.2))
        return accidents, injuries, int(accidents * rng.uniform(0.0, 0.05))

    return _district_panel(scope, "month", "accidents injuries fatalities", values)


def _t_dibao(rng: random.Random, scope: _Scope) -> _Table:
    standard = {2019: 1160, 2020: 1240, 2021: 1330, 2022: 1420, 2023: 1510, 2024: 1510, 2025: 1555}

    def values(d: _District, year: int, month: int) -> tuple[Cell, ...]:
        persons = int(
            d.population
            * (95 if d.central else 55)
            * 0.985 ** (year - 2019)
            * rng.uniform(0.97, 1.03)
        )
        households = int(persons / rng.uniform(1.4, 1.7))
        paid = persons * standard[year] * rng.uniform(0.55, 0.7) / 10_000
        return households, persons, standard[year], round(paid, 1)

    return _district_panel(
        scope, "month", "households persons standard_yuan_month paid_10k_yuan", values
    )


def _t_marriages(rng: random.Random, scope: _Scope) -> _Table:
    def values(d: _District, year: int, _: int) -> tuple[Cell, ...]:
        marriages = int(
            d.population
            * 48
            * {2020: 0.82, 2022: 0.7}.get(year, 1.0)
            * 0.96 ** (year - 2019)
            * rng.uniform(0.9, 1.1)
        )
        return marriages, int(marriages * rng.uniform(0.33, 0.45))

    return _district_panel(scope, "year", "marriage_registrations divorce_registrations", values)


def _t_land_supply(rng: random.Random, scope: _Scope) -> _Table:
    uses = (
        ("住宅用地", 22000),
        ("商服用地", 9000),
        ("工业用地", 1200),
        ("研发用地", 2500),
        ("公共设施用地", 0),
    )
    year = scope.years[1]
    rows: list[tuple[Cell, ...]] = []
    for i, d in enumerate(_row_districts(rng, scope, (40, 90), (20, 30), among=_DISTRICTS[7:]), 1):
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
                f"{rng.choice(_towns(d))}{rng.choice(('单元', '社区', '地块'))}",
                use,
                area,
                method,
                price,
                _day(rng, year).isoformat(),
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
    return _Table(columns, tuple(rows))


def _t_subsidence(rng: random.Random, scope: _Scope) -> _Table:
    points: dict[str, int] = {}

    def values(d: _District, year: int, _: int) -> tuple[Cell, ...]:
        network = points.setdefault(d.slug, int(d.area**0.5 * rng.uniform(4, 7)))
        mean = rng.uniform(2.5, 6.0) * (1.2 if d.central else 0.9)
        return network + (year - 2019) * 2, round(mean, 1), round(mean * rng.uniform(2, 3.5), 1)

    return _district_panel(
        scope, "year", "monitoring_points avg_subsidence_mm max_subsidence_mm", values
    )


def _t_real_estate_registration(rng: random.Random, scope: _Scope) -> _Table:
    def values(d: _District, year: int, month: int) -> tuple[Cell, ...]:
        base = d.population * 28 * _shock(year, month) * rng.uniform(0.8, 1.2)
        transfers, mortgages = int(base), int(base * rng.uniform(0.5, 0.8))
        first = int(base * rng.uniform(0.1, 0.5) * (0.4 if d.central else 1.0))
        return transfers, mortgages, first, round(transfers * rng.uniform(85, 120) / 10_000, 2)

    return _district_panel(
        scope,
        "month",
        "transfer_registrations mortgage_registrations first_registrations area_10k_m2",
        values,
    )


def _t_crop_output(rng: random.Random, scope: _Scope) -> _Table:
    crops = (
        ("水稻", 560, 30000),
        ("小麦", 350, 9000),
        ("蔬菜", 2200, 20000),
        ("西甜瓜", 2100, 3000),
        ("草莓", 1500, 600),
    )
    rows: list[tuple[Cell, ...]] = []
    for year in range(scope.years[0], scope.years[1] + 1):
        for d in [scope.district] if scope.district else _RURAL:
            size = d.area / 600 * (0.35 if d.slug in ("minhang", "baoshan") else 1.0)
            for crop, yield_kg, mu in crops:
                area = mu * size * 0.99 ** (year - 2019) * rng.uniform(0.85, 1.15)
                output = area * yield_kg * rng.uniform(0.92, 1.08) / 1000
                rows.append((year, d.zh, crop, round(area), round(output)))
    return _Table(("year", "district", "crop", "sown_area_mu", "output_t"), tuple(rows))


def _t_wholesale_prices(rng: random.Random, scope: _Scope) -> _Table:
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
    end = date(year, _LAST_MONTH_2025, 30) if year == 2025 else date(year, 12, 31)
    rows: list[tuple[Cell, ...]] = []
    prices = {name: base * rng.uniform(0.9, 1.1) for name, _, base in goods}
    day = first
    while day <= end:
        for name, unit, base in goods:
            season = 1 + (0.25 if name in ("青菜", "番茄") and day.month in (1, 2, 7, 8) else 0)
            prices[name] = 0.7 * prices[name] + 0.3 * base * season * rng.uniform(0.85, 1.15)
            rows.append((day.isoformat(), name, unit, round(prices[name], 2)))
        day += timedelta(days=7)
    return _Table(("week_ending", "product", "unit", "avg_price_yuan"), tuple(rows))


def _t_patents(rng: random.Random, scope: _Scope) -> _Table:
    def values(d: _District, year: int, _: int) -> tuple[Cell, ...]:
        scale = d.gdp / 100 * _growth(year, 0.08) * rng.uniform(0.85, 1.15)
        applications = int(scale * 85)
        return (
            applications,
            int(applications * rng.uniform(0.28, 0.4)),
            int(scale * 120),
            int(scale * 30),
        )

    return _district_panel(
        scope,
        "year",
        "invention_applications invention_grants utility_model_grants design_grants",
        values,
    )


def _t_tourism_stats(rng: random.Random, scope: _Scope) -> _Table:
    def values(year: int, month: int) -> tuple[Cell, ...]:
        covid = {2020: 0.55, 2021: 0.7, 2022: 0.45}.get(year, 1.0) * _shock(year, month)
        season = 1.25 if month in (5, 7, 8, 10) else (0.85 if month in (1, 3, 11) else 1.0)
        domestic = 3000 * season * covid * _growth(year, 0.03) * rng.uniform(0.95, 1.05)
        inbound_factor = {2020: 0.15, 2021: 0.08, 2022: 0.06, 2023: 0.5, 2024: 0.85}.get(year, 1.0)
        inbound = 75 * season * inbound_factor * rng.uniform(0.9, 1.1)
        occupancy = min(88.0, 68 * covid * season * rng.uniform(0.95, 1.05))
        return round(domestic, 1), round(inbound, 1), round(occupancy, 1), round(domestic * 0.13, 1)

    return _series(
        scope,
        "month",
        "domestic_visitors_10k inbound_visitors_10k hotel_occupancy_pct tourism_revenue_100m_yuan",
        values,
    )


def _footfall_table(areas: Sequence[str]) -> _TableFn:
    """Weekly footfall estimated from mobile signalling, aggregated per area (no individuals)."""

    def build(rng: random.Random, scope: _Scope) -> _Table:
        picked = rng.sample(list(areas), 6)
        year = scope.years[1]
        rows: list[tuple[Cell, ...]] = []
        day = date(year, 1, 6)
        end = date(year, _LAST_MONTH_2025, 28) if year == 2025 else date(year, 12, 28)
        base = {area: rng.uniform(20, 160) for area in picked}
        while day <= end:
            holiday = 1.35 if day.month in (2, 5, 10) and day.day < 10 else 1.0
            for area in picked:
                visitors = base[area] * holiday * rng.uniform(0.88, 1.12)
                rows.append(
                    (
                        day.isoformat(),
                        area,
                        round(visitors, 1),
                        rng.randint(70, 190),
                        round(rng.uniform(22, 58), 1),
                    )
                )
            day += timedelta(days=7)
        columns = (
            "week_starting",
            "area",
            "visitors_10k",
            "avg_stay_minutes",
            "nonlocal_share_pct",
        )
        return _Table(columns, tuple(rows))

    return build


_t_shopping_footfall = _footfall_table(
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
_t_attraction_footfall = _footfall_table(
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


def _t_job_fairs(rng: random.Random, scope: _Scope) -> _Table:
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
        d = rng.choices(_DISTRICTS, _POPULATION)[0]
        employers = rng.randint(20, 260)
        rows.append(
            (
                _day(rng, year).isoformat(),
                d.zh,
                f"{rng.choice(_towns(d))}{rng.choice(venues)}",
                rng.choice(themes),
                f"{d.zh}人力资源和社会保障局",
                employers,
                employers * rng.randint(4, 15),
            )
        )
    rows.sort()
    columns = ("fair_date", "district", "venue", "theme", "organizer", "employers", "positions")
    return _Table(columns, tuple(rows))


def _t_employment_stats(rng: random.Random, scope: _Scope) -> _Table:
    def values(d: _District, year: int, _: int) -> tuple[Cell, ...]:
        covid = 0.88 if year in (2020, 2022) else 1.0
        jobs = int(d.population * 250 * covid * rng.uniform(0.9, 1.1))
        return jobs, int(jobs * rng.uniform(0.04, 0.07)), int(d.population * rng.uniform(60, 110))

    return _district_panel(
        scope, "year", "new_jobs startups_supported registered_unemployed", values
    )


_INDUSTRIES = _weighted(
    "制造业:10 批发和零售业:9 租赁和商务服务业:8 信息传输、软件和信息技术服务业:6 "
    "科学研究和技术服务业:5 金融业:4 建筑业:4 交通运输、仓储和邮政业:4 住宿和餐饮业:3 房地产业:3"
)


def _t_contributors(rng: random.Random, scope: _Scope) -> _Table:
    def values(_: str, weight: float, year: int, quarter: int) -> tuple[Cell, ...]:
        firms = int(weight * 4200 * _growth(year, 0.03) * rng.uniform(0.97, 1.03))
        people = firms * rng.uniform(0.0055, 0.0095)
        wage = 9500 * _growth(year, 0.05) * rng.uniform(0.75, 1.6)
        return firms, round(people, 2), round(wage)

    return _category_panel(
        scope,
        "quarter",
        "industry",
        _INDUSTRIES,
        "enterprises contributors_10k avg_contribution_base_yuan",
        values,
    )


def _t_energy_mix(rng: random.Random, scope: _Scope) -> _Table:
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
        consumption = 11700 * _growth(year, 0.012) * (0.95 if year == 2020 else 1.0)
        for kind, share in shares.items():
            pct = share / total * 100
            rows.append((year, kind, round(consumption * pct / 100, 1), round(pct, 1)))
    return _Table(("year", "energy_type", "consumption_10k_tce", "share_pct"), tuple(rows))


def _t_fuel_prices(rng: random.Random, scope: _Scope) -> _Table:
    year = scope.years[1]
    level = {2019: 6.9, 2020: 5.9, 2021: 7.0, 2022: 8.4, 2023: 7.9, 2024: 7.7, 2025: 7.2}[year]
    day = date(year, 1, 3)
    end = date(year, _LAST_MONTH_2025, 30) if year == 2025 else date(year, 12, 31)
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
    return _Table(columns, tuple(rows))


def _t_solar_pv(rng: random.Random, scope: _Scope) -> _Table:
    def values(d: _District, year: int, _: int) -> tuple[Cell, ...]:
        roof = d.area**0.5 * (0.6 if d.central else 1.4) * _growth(year, 0.22)
        capacity = roof * rng.uniform(5, 9)
        return int(roof * rng.uniform(18, 30)), round(capacity, 1), round(capacity * 105, 1)

    return _district_panel(scope, "year", "projects capacity_mw generation_10k_kwh", values)


def _t_credit_ratings(rng: random.Random, scope: _Scope) -> _Table:
    trades = ("物流", "科技", "建设工程", "贸易", "餐饮管理", "生物医药", "信息技术", "食品")
    used: set[str] = set()
    rows: list[tuple[Cell, ...]] = []
    for d in _row_districts(rng, scope, (180, 300), (24, 40)):
        trade = rng.choice(trades)
        name = _unique(
            used, rng, ("数都", "申城", "东海", d.short), _COMPANY_STEMS, f"{trade}有限公司"
        )
        score = round(min(99.0, max(35.0, rng.gauss(78, 10))), 1)
        rating = "A" if score >= 85 else "B" if score >= 70 else "C" if score >= 55 else "D"
        evaluated = _day(rng, scope.years[1])
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
    return _Table(columns, tuple(rows))


def _t_enterprise_financials(rng: random.Random, scope: _Scope) -> _Table:
    bands = ("<100万", "100-500万", "500-2000万", "2000万-1亿", ">1亿")
    used: set[str] = set()
    rows: list[tuple[Cell, ...]] = []
    for d in _row_districts(rng, scope, (180, 300), (24, 40)):
        industry = rng.choice([name for name, _ in _INDUSTRIES])
        name = _unique(
            used, rng, ("数都", d.short), _COMPANY_STEMS, ("科技", "实业", "服务"), "有限公司"
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
    return _Table(columns, tuple(rows))


def _t_company_registrations(rng: random.Random, scope: _Scope) -> _Table:
    def values(_: str, weight: float, year: int, month: int) -> tuple[Cell, ...]:
        season = 0.7 if month == 2 else 1.0
        firms = int(weight * 420 * season * _shock(year, month) * rng.uniform(0.85, 1.15))
        return firms, int(firms * rng.uniform(0.3, 0.6)), round(firms * rng.uniform(0.012, 0.04), 2)

    return _category_panel(
        scope,
        "month",
        "industry",
        _INDUSTRIES,
        "new_enterprises new_individual_businesses registered_capital_100m_yuan",
        values,
    )


def _t_market_entities(rng: random.Random, scope: _Scope) -> _Table:
    shares: dict[str, float] = {}

    def values(d: _District, year: int, _: int) -> tuple[Cell, ...]:
        firms = d.gdp * 70 * _growth(year, 0.05) * rng.uniform(0.97, 1.03)
        sole = firms * shares.setdefault(d.slug, rng.uniform(0.15, 0.35)) * _growth(year, -0.02)
        return int(firms), int(sole), int(firms * rng.uniform(0.08, 0.12))

    return _district_panel(
        scope, "year", "enterprises individual_businesses new_registrations", values
    )


def _t_food_sampling(rng: random.Random, scope: _Scope) -> _Table:
    kinds = _weighted(
        "粮食加工品:1 食用油:0.6 肉制品:1 乳制品:0.8 饮料:0.9 水产品:1.2 蔬菜:2 "
        "水果:1.5 餐饮食品:2.2 糕点:0.9"
    )

    def values(_: str, weight: float, year: int, month: int) -> tuple[Cell, ...]:
        samples = int(weight * 900 * _shock(year, month) * rng.uniform(0.8, 1.2))
        failed = int(samples * rng.uniform(0.0, 0.035))
        return samples, failed, round((samples - failed) / samples * 100, 2) if samples else 100.0

    return _category_panel(
        scope, "month", "category", kinds, "samples unqualified pass_rate_pct", values
    )


def _t_water_supply(rng: random.Random, scope: _Scope) -> _Table:
    def values(year: int, month: int) -> tuple[Cell, ...]:
        days = (date(year + month // 12, month % 12 + 1, 1) - date(year, month, 1)).days
        daily = 820 * (1.12 if month in (7, 8) else 1.0) * rng.uniform(0.97, 1.03)
        return round(daily * days, 1), round(daily, 1), round(rng.uniform(99.6, 100), 2)

    return _series(scope, "month", "supply_10k_m3 daily_avg_10k_m3 quality_compliance_pct", values)


def _t_green_coverage(rng: random.Random, scope: _Scope) -> _Table:
    def values(d: _District, year: int, _: int) -> tuple[Cell, ...]:
        coverage = (30 if d.central else 40) + 0.4 * (year - 2019) + rng.uniform(-3, 3)
        parks = int((8 if d.central else 14) * _growth(year, 0.12) * rng.uniform(0.9, 1.1))
        return round(d.area * 100 * coverage / 100), round(coverage, 1), parks

    return _district_panel(scope, "year", "green_area_ha coverage_pct parks", values)


def _t_waste_sorting(rng: random.Random, scope: _Scope) -> _Table:
    def values(d: _District, year: int, month: int) -> tuple[Cell, ...]:
        people = d.population * 30 * _shock(year, month) ** 0.5
        return (
            round(people * 0.55 * rng.uniform(0.9, 1.1)),
            round(people * 0.33 * rng.uniform(0.9, 1.1)),
            round(people * 0.2 * rng.uniform(0.9, 1.1)),
            round(people * 0.0004 * rng.uniform(0.7, 1.3), 2),
        )

    return _district_panel(scope, "month", "residual_t wet_t recyclable_t hazardous_t", values)


def _t_noise(rng: random.Random, scope: _Scope) -> _Table:
    def values(d: _District, year: int, _: int) -> tuple[Cell, ...]:
        day = (56.5 if d.central else 54) + rng.uniform(-1.5, 1.5)
        return round(day, 1), round(day - rng.uniform(7, 10), 1), round(rng.uniform(82, 99), 1)

    return _district_panel(scope, "year", "day_leq_db night_leq_db zone_compliance_pct", values)


def _t_sports_events(rng: random.Random, scope: _Scope) -> _Table:
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
        event = _unique(used, rng, f"{year}{prefix}", sports)
        d = rng.choices(_DISTRICTS, _POPULATION)[0]
        venue = f"{d.short}{rng.choice(('体育中心', '体育场', '滨江', '体育馆', '公园'))}"
        rows.append(
            (event, _day(rng, year).isoformat(), venue, d.zh, level, rng.randrange(50, 30000, 50))
        )
    rows.sort(key=lambda r: str(r[1]))
    return _Table(("event", "date", "venue", "district", "level", "participants"), tuple(rows))


def _t_fitness_survey(rng: random.Random, scope: _Scope) -> _Table:
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
    return _Table(columns, tuple(rows))


def _t_trade(rng: random.Random, scope: _Scope) -> _Table:
    def values(year: int, month: int) -> tuple[Cell, ...]:
        season = 0.8 if month == 2 else 1.0
        exports = (
            1150 * _growth(year, 0.04) * season * _shock(year, month) * rng.uniform(0.93, 1.07)
        )
        imports = exports * rng.uniform(1.35, 1.6)
        return round(exports, 1), round(imports, 1), round(exports + imports, 1)

    return _series(scope, "month", "exports_100m_yuan imports_100m_yuan total_100m_yuan", values)


def _t_medical_insurance(rng: random.Random, scope: _Scope) -> _Table:
    def values(year: int, month: int) -> tuple[Cell, ...]:
        insured = 1960 * _growth(year, 0.008)
        income = 140 * _growth(year, 0.06) * rng.uniform(0.9, 1.1)
        spending = income * rng.uniform(0.78, 0.95) * _shock(year, month) ** 0.5
        return round(insured, 1), round(income, 1), round(spending, 1), round(spending * 9.5, 1)

    return _series(
        scope,
        "month",
        "insured_10k fund_income_100m_yuan fund_expenditure_100m_yuan settlements_10k",
        values,
    )


def _t_outpatient(rng: random.Random, scope: _Scope) -> _Table:
    def values(d: _District, year: int, month: int) -> tuple[Cell, ...]:
        visits = d.population * (1.3 if d.central else 0.75) * _shock(year, month)
        visits *= rng.uniform(0.92, 1.08) * (1.1 if month in (1, 12) else 1.0)
        return round(visits, 2), round(visits * rng.uniform(0.012, 0.02), 2)

    return _district_panel(scope, "month", "outpatient_visits_10k discharges_10k", values)


def _t_drg_costs(rng: random.Random, scope: _Scope) -> _Table:
    groups = _weighted(
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
                        round(cost * factor * _growth(year, 0.02) * rng.uniform(0.9, 1.1)),
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
    return _Table(columns, tuple(rows))


def _t_open_data_stats(rng: random.Random, scope: _Scope) -> _Table:
    def values(year: int, month: int) -> tuple[Cell, ...]:
        t = (year - 2019) * 12 + month
        datasets = int(2800 + 42 * t + rng.uniform(-10, 10))
        return (
            datasets,
            int(datasets * 0.28),
            round(35 + 1.6 * t, 1),
            int(18000 * (1 + t / 20) * rng.uniform(0.8, 1.2)),
            round(120 * (1 + t / 15) * rng.uniform(0.8, 1.2), 1),
        )

    return _series(
        scope, "month", "open_datasets open_apis data_items_100m downloads api_calls_10k", values
    )


def _t_hotline(rng: random.Random, scope: _Scope) -> _Table:
    kinds = _weighted(
        "城市管理:9 住房物业:8 交通出行:6 劳动保障:5 市场监管:6 环境保护:4 "
        "公共安全:3 医疗卫生:4 教育:3 政策咨询:7"
    )

    def values(_: str, weight: float, year: int, month: int) -> tuple[Cell, ...]:
        surge = 2.5 if (year, month) in ((2020, 2), (2022, 4), (2022, 5)) else 1.0
        calls = int(weight * 9000 * surge * rng.uniform(0.85, 1.15))
        return calls, round(rng.uniform(93, 99.5), 1), round(rng.uniform(86, 96), 1)

    return _category_panel(
        scope, "month", "category", kinds, "tickets resolved_pct satisfaction_pct", values
    )


def _t_work_accidents(rng: random.Random, scope: _Scope) -> _Table:
    def values(d: _District, year: int, quarter: int) -> tuple[Cell, ...]:
        accidents = int(d.population / 60 * 0.95 ** (year - 2019) * rng.uniform(0.4, 1.6))
        return (
            accidents,
            int(accidents * rng.uniform(0.8, 1.1)),
            round(accidents * rng.uniform(60, 180), 1),
        )

    return _district_panel(scope, "quarter", "accidents deaths direct_loss_10k_yuan", values)


def _t_electricity_by_industry(rng: random.Random, scope: _Scope) -> _Table:
    kinds = _weighted(
        "第一产业:4 工业:700 建筑业:25 交通运输、仓储和邮政业:95 信息传输、软件和信息技术服务业:85 "
        "批发和零售业:120 住宿和餐饮业:45 金融业:30 房地产业:60 城乡居民生活用电:260"
    )

    def values(_: str, base: float, year: int, month: int) -> tuple[Cell, ...]:
        season = 1.25 if month in (7, 8) else (1.12 if month in (1, 12) else 1.0)
        use = base * 100 * season * _growth(year, 0.03) * _shock(year, month) ** 0.6
        use *= rng.uniform(0.95, 1.05)
        return round(use, 1), round(rng.uniform(-6, 9), 1)

    return _category_panel(scope, "month", "industry", kinds, "consumption_10k_kwh yoy_pct", values)


def _t_base_stations(rng: random.Random, scope: _Scope) -> _Table:
    def values(d: _District, year: int, _: int) -> tuple[Cell, ...]:
        built = max(0.0, year - 2019 + 0.3) ** 0.8
        stations = int((d.population * 12 + d.area * 4) * built * rng.uniform(0.9, 1.1))
        return stations, round(d.population * 0.05 * (1 + year - 2019) * rng.uniform(0.9, 1.1), 2)

    return _district_panel(scope, "year", "base_stations_5g gigabit_ports_10k", values)


def _department_titles() -> list[str]:
    return [dept.title_zh for dept in _DEPARTMENTS]


def _t_gov_docs(rng: random.Random, scope: _Scope) -> _Table:
    verbs = ("进一步加强", "推进", "促进", "深化", "优化", "支持", "规范", "加快")
    topics = (
        "公共数据开放",
        "城市更新",
        "养老服务体系建设",
        "营商环境",
        "生物医药产业发展",
        "新能源汽车推广应用",
        "绿色低碳发展",
        "人才发展",
        "城市数字化转型",
        "住房租赁市场",
        "农村人居环境整治",
        "消费提质扩容",
        "科技成果转化",
        "公共卫生应急管理",
        "地下空间管理",
    )
    kinds = ("若干意见", "实施办法", "管理办法", "工作方案", "若干措施", "实施细则")
    year = scope.years[1]
    used: set[str] = set()
    rows: list[tuple[Cell, ...]] = []
    for n in range(1, rng.randint(20, 40) + 1):
        title = _unique(used, rng, "关于", verbs, topics, "的", kinds)
        issued = _day(rng, year)
        status = "有效" if year >= 2022 or rng.random() < 0.7 else rng.choice(("已废止", "已失效"))
        rows.append(
            (
                f"数府规〔{year}〕{n}号",
                title,
                issued.isoformat(),
                date(issued.year + 5, issued.month, issued.day).isoformat(),
                status,
            )
        )
    return _Table(("doc_number", "title", "issued_on", "valid_until", "status"), tuple(rows))


def _t_disclosure(rng: random.Random, scope: _Scope) -> _Table:
    rows: list[tuple[Cell, ...]] = []
    for year in range(scope.years[0], scope.years[1] + 1):
        for title in _department_titles()[:18]:
            requests = rng.randint(20, 900)
            granted = int(requests * rng.uniform(0.4, 0.7))
            rows.append(
                (
                    year,
                    title,
                    rng.randint(300, 6000),
                    requests,
                    granted,
                    int((requests - granted) * rng.uniform(0.2, 0.5)),
                )
            )
    columns = ("year", "department", "proactive_items", "requests", "granted", "partly_granted")
    return _Table(columns, tuple(rows))


def _t_budget(rng: random.Random, scope: _Scope) -> _Table:
    def values(year: int, month: int) -> tuple[Cell, ...]:
        revenue = 650 * _growth(year, 0.03) * _shock(year, month) * rng.uniform(0.8, 1.2)
        tax = revenue * rng.uniform(0.82, 0.9)
        spending = 680 * _growth(year, 0.04) * rng.uniform(0.75, 1.3) * (1.6 if month == 12 else 1)
        return round(revenue, 1), round(tax, 1), round(spending, 1)

    return _series(
        scope, "month", "revenue_100m_yuan tax_revenue_100m_yuan expenditure_100m_yuan", values
    )


def _t_procurement(rng: random.Random, scope: _Scope) -> _Table:
    items = (
        ("服务器及存储设备", "货物", "信息技术"),
        ("办公家具", "货物", "家具"),
        ("物业管理服务", "服务", "物业管理"),
        ("信息系统运维服务", "服务", "信息技术"),
        ("业务系统开发", "服务", "软件"),
        ("办公用房修缮", "工程", "建设工程"),
        ("安防监控设备", "货物", "智能科技"),
        ("审计服务", "服务", "会计师事务所"),
        ("数据治理服务", "服务", "数据科技"),
        ("食堂餐饮服务", "服务", "餐饮管理"),
        ("公务用车", "货物", "汽车销售服务"),
        ("绿化养护", "服务", "园林绿化"),
    )
    year = scope.years[1]
    rows: list[tuple[Cell, ...]] = []
    for n in range(1, rng.randint(60, 140) + 1):
        item, category, trade = rng.choice(items)
        buyer = rng.choice(_department_titles())
        supplier = _company(rng, trade)
        amount = round(rng.uniform(20, 2500) if category != "工程" else rng.uniform(200, 6000), 2)
        rows.append(
            (
                f"DSCG-{year}-{n:04d}",
                f"{buyer}{year}年度{item}项目",
                buyer,
                supplier,
                category,
                amount,
                _day(rng, year).isoformat(),
            )
        )
    columns = (
        "project_code",
        "project",
        "purchaser",
        "supplier",
        "category",
        "amount_10k_yuan",
        "awarded_on",
    )
    return _Table(columns, tuple(rows))


def _t_three_public(rng: random.Random, scope: _Scope) -> _Table:
    rows: list[tuple[Cell, ...]] = []
    for year in range(scope.years[0], scope.years[1] + 1):
        for title in _department_titles()[:20]:
            travel = 0.0 if year in (2020, 2021, 2022) else round(rng.uniform(0, 60), 2)
            cars = round(rng.uniform(10, 160), 2)
            receptions = round(rng.uniform(0.5, 12), 2)
            rows.append(
                (year, title, travel, cars, receptions, round(travel + cars + receptions, 2))
            )
    columns = (
        "year",
        "department",
        "overseas_travel_10k_yuan",
        "vehicles_10k_yuan",
        "receptions_10k_yuan",
        "total_10k_yuan",
    )
    return _Table(columns, tuple(rows))


# Every ``_t_<kind>`` generator above, by kind; subjects name their table by that kind.
_TABLES: dict[str, _TableFn] = {
    name.removeprefix("_t_"): fn
    for name, fn in sorted(globals().items())
    if name.startswith("_t_") and callable(fn)
}


# --------------------------------------------------------------------------------------------
# Subjects: what each department publishes
# --------------------------------------------------------------------------------------------

_ScopeKind = Literal["city", "district", "year"]
_LinkKind = Literal["API", "PDF", "XLSX"]


@dataclass(frozen=True, slots=True)
class _Subject:
    """A kind of dataset a department publishes; one or more datasets are made from it.

    ``scope`` says how it multiplies: once for the city, once per district, or once per year
    (from ``years``). ``table`` names a CSV generator; without one the data is a link.
    """

    key: str
    title_zh: str
    title_en: str
    about_zh: str
    about_en: str
    themes: tuple[str, ...]
    keywords_zh: tuple[str, ...]
    keywords_en: tuple[str, ...]
    frequency: str
    table: str | None
    link: _LinkKind | None
    level: OpenLevel
    grade: Grade
    scope: _ScopeKind
    years: tuple[int, int]
    among: tuple[_District, ...]


def _s(
    key: str,
    title: tuple[str, str],
    about: tuple[str, str],
    themes: str,
    keywords: tuple[str, str],
    frequency: str,
    *,
    table: str | None = None,
    link: _LinkKind | None = None,
    level: OpenLevel = "open",
    grade: Grade = "general",
    scope: _ScopeKind = "city",
    years: tuple[int, int] | None = None,
    among: tuple[_District, ...] = _DISTRICTS,
) -> _Subject:
    """Build a subject; keywords are "、"-separated in Chinese and ","-separated in English."""
    if years is None:
        years = (
            (2019, 2025)
            if frequency in ("monthly", "weekly", "daily", "irregular")
            else (2019, 2024)
        )
    keywords_zh = tuple(keywords[0].split("、"))
    keywords_en = tuple(k.strip() for k in keywords[1].split(","))
    # A district variant adds the district's name, and datasets carry 2-5 keywords.
    if not (2 <= len(keywords_zh) <= 4 and 2 <= len(keywords_en) <= 4):
        raise ValueError(f"subject {key!r} needs 2-4 keywords in each language")
    return _Subject(
        key,
        title[0],
        title[1],
        about[0],
        about[1],
        tuple(themes.split()),
        keywords_zh,
        keywords_en,
        frequency,
        table,
        link,
        level,
        grade,
        scope,
        years,
        among,
    )


@dataclass(frozen=True, slots=True)
class _Department:
    name: str
    title_zh: str
    title_en: str
    mailbox: str  # data@<mailbox>.example.gov.cn
    office_zh: str
    duty_zh: str
    duty_en: str
    subjects: tuple[_Subject, ...]


_DEPARTMENTS: tuple[_Department, ...] = (
    _Department(
        "transport-commission", "市交通委员会", "Municipal Transportation Commission", "jtw",
        "科技信息处",
        "负责全市综合交通运输的规划、建设和管理，开放公交、轨道交通、停车和充电设施等数据。",
        "Plans, builds and manages the city's transport system; publishes data on buses, the "
        "metro, parking and charging infrastructure.",
        (
            _s("bus-routes", ("公交线路及站点信息", "Bus routes and stops"),
               ("包括线路名称、运营单位、起讫站点、线路长度、站点数、首末班时间和票价。",
                "Route name, operator, first and last stop, route length, number of stops, "
                "first and last departure and fare for every bus route."),
               "transport", ("公交、线路、站点", "bus, routes, stops"), "monthly",
               table="bus_routes"),
            _s("ev-charging-points", ("公共充电桩分布", "Public EV charging points"),
               ("列出公共充电站的名称、地址、运营商、快充和慢充桩数量及经纬度。",
                "Public charging stations with address, operator, number of fast and slow "
                "chargers and coordinates."),
               "transport energy", ("充电桩、新能源汽车、充电站", "EV charging, electric vehicles"),
               "monthly", table="ev_chargers", scope="district"),
            _s("public-car-parks", ("公共停车场（库）信息", "Public car parks"),
               ("包括停车场名称、地址、类型、泊位数、充电泊位数、首小时收费和经纬度。",
                "Name, address, type, parking spaces, spaces with chargers, first-hour fee and "
                "coordinates of public car parks."),
               "transport", ("停车场、泊位、停车收费", "parking, car parks, parking fees"),
               "monthly", table="parking", scope="district"),
            _s("metro-ridership", ("轨道交通分线路客流", "Metro ridership by line"),
               ("按月统计各条轨道交通线路的客运量和日均客运量（万人次）。",
                "Monthly and average daily passenger journeys on each metro line (10k)."),
               "transport", ("轨道交通、地铁、客流", "metro, ridership, passengers"), "monthly",
               table="metro_ridership", scope="year"),
            _s("bus-realtime-arrivals", ("公交车辆实时到站", "Real-time bus arrivals"),
               ("按线路和站点查询公交车辆的预计到站时间和距离。",
                "Expected arrival time and distance of the next buses by route and stop."),
               "transport", ("公交、实时到站、出行服务", "bus, real-time, arrivals"), "realtime",
               link="API"),
            _s("traffic-operation-report", ("道路交通运行报告", "Road traffic operation report"),
               ("分析快速路和主干道的拥堵指数、平均车速和高峰时段运行情况。",
                "Congestion index, average speeds and peak-hour conditions on expressways and "
                "arterial roads."),
               "transport urban-planning", ("交通拥堵、道路运行、拥堵指数", "congestion, traffic"),
               "annual", link="PDF", scope="year"),
            _s("ride-hailing-trajectories",
               ("网约车车辆实时轨迹（脱敏）", "Ride-hailing vehicle trajectories (de-identified)"),
               ("网约车行驶轨迹点，包含脱敏车辆标识、时间、经纬度、速度和方向，"
                "不含车牌和驾驶员信息。",
                "Trajectory points of ride-hailing vehicles: de-identified vehicle token, time, "
                "position, speed and heading; no plates and no driver data."),
               "transport", ("网约车、车辆轨迹、出行", "ride-hailing, trajectories, mobility"),
               "realtime", table="vehicle_tracks", level="conditional", grade="important",
               scope="district"),
            _s("freight-vehicle-trajectories",
               ("重点营运货车轨迹（脱敏）", "Heavy goods vehicle trajectories (de-identified)"),
               ("重点营运货车的定位轨迹，车辆以脱敏标识表示，可用于物流规划和货运分析。",
                "Positions of heavy goods vehicles under de-identified tokens, for logistics "
                "planning and freight analysis."),
               "transport economy", ("货运、物流、车辆轨迹", "freight, logistics, trajectories"),
               "realtime", table="vehicle_tracks", level="conditional", grade="important"),
            _s("transport-enforcement-cases",
               ("交通行政执法案件明细", "Transport enforcement cases"),
               ("交通行政执法案件的当事人、违法事实和处罚决定明细。",
                "Case-level records of transport law enforcement, including parties and "
                "penalty decisions."),
               "transport public-safety", ("执法、案件", "enforcement, cases"), "daily",
               link="API", level="closed", grade="important"),
        ),
    ),
    _Department(
        "ecology-environment-bureau", "市生态环境局", "Municipal Bureau of Ecology and Environment",
        "sthj", "生态环境监测处",
        "负责全市生态环境保护和监测，开放空气、水、噪声和污染源等环境数据。",
        "Protects and monitors the environment; publishes data on air, water, noise and "
        "pollution sources.",
        (
            _s("air-quality-monthly", ("各区空气质量月报", "Monthly air quality by district"),
               ("各区月均空气质量指数（AQI）以及PM2.5、PM10和二氧化氮浓度。",
                "Monthly average air quality index (AQI) and PM2.5, PM10 and NO2 concentrations "
                "for every district."),
               "environment", ("空气质量、AQI、PM2.5", "air quality, AQI, PM2.5"), "monthly",
               table="air_quality", scope="year"),
            _s("air-station-readings", ("空气站点实时监测", "Real-time air monitoring stations"),
               ("各空气质量监测站逐小时的AQI、PM2.5、PM10、臭氧、二氧化氮和一氧化碳浓度。",
                "Hourly AQI and PM2.5, PM10, O3, NO2 and CO readings at every air quality "
                "monitoring station."),
               "environment", ("空气质量、监测站、实时", "air quality, stations, real-time"),
               "realtime", table="air_stations"),
            _s("river-water-quality", ("主要河道水质监测", "Water quality of major rivers"),
               ("主要河道监测断面的月度水质类别以及溶解氧、高锰酸盐指数、氨氮和总磷浓度。",
                "Monthly water class and dissolved oxygen, permanganate index, ammonia nitrogen "
                "and total phosphorus at monitoring sections of major rivers."),
               "environment",
               ("河道水质、地表水、监测断面", "water quality, rivers, surface water"),
               "monthly", table="water_quality", scope="year"),
            _s("key-pollutant-dischargers",
               ("重点排污单位名录", "Key pollutant-discharging entities"),
               ("重点排污单位的名称、所在区、行业、环境要素类别和是否安装在线监测。",
                "Key pollutant-discharging entities with district, industry, environmental media "
                "and whether online monitoring is installed."),
               "environment economy",
               ("排污单位、污染源、环境监管", "polluters, pollution sources"),
               "annual", table="polluters"),
            _s("ambient-noise", ("区域环境噪声监测", "Ambient noise by district"),
               ("各区昼间和夜间等效声级以及功能区达标率。",
                "Daytime and night-time equivalent sound levels and compliance of functional "
                "zones, by district."),
               "environment", ("噪声、声环境", "noise, acoustic environment"), "annual",
               table="noise"),
            _s("environment-bulletin", ("生态环境状况公报", "State of the environment bulletin"),
               ("全年空气、水、土壤、噪声和辐射环境质量的综合评价。",
                "Annual assessment of air, water, soil, noise and radiation quality."),
               "environment", ("环境公报、环境质量", "environment bulletin, environmental quality"),
               "annual", link="PDF", scope="year"),
            _s("enterprise-emissions-online",
               ("重点企业污染物排放在线监测", "Online emissions monitoring of key enterprises"),
               ("重点企业排放口逐小时的二氧化硫、氮氧化物、颗粒物浓度和烟气流量。",
                "Hourly SO2, NOx and particulate concentrations and flue gas flow at the outlets "
                "of key enterprises."),
               "environment energy", ("在线监测、排放、污染源", "emissions, online monitoring"),
               "realtime", table="emissions_online", level="conditional"),
            _s("radioactive-source-register", ("放射源管理台账", "Register of radioactive sources"),
               ("全市放射源的位置、活度、用途和安保措施。",
                "Location, activity, use and security arrangements of radioactive sources."),
               "environment public-safety", ("放射源、辐射安全", "radioactive sources, radiation"),
               "irregular", link="API", level="closed", grade="core"),
        ),
    ),
    _Department(
        "health-commission", "市卫生健康委员会", "Municipal Health Commission", "wsjkw", "信息中心",
        "负责全市卫生健康事业管理，开放医疗机构、床位、诊疗服务和公共卫生数据。",
        "Oversees health services; publishes data on medical institutions, beds, outpatient "
        "services and public health.",
        (
            _s("hospital-beds",
               ("二级以上医院床位数", "Hospital beds in secondary and tertiary hospitals"),
               ("二级及以上医院的等级、类别、核定床位数、实际开放床位数、地址和电话。",
                "Level, category, approved and open beds, address and telephone of secondary "
                "and tertiary hospitals."),
               "health", ("医院、床位、医疗资源", "hospitals, beds, medical resources"), "annual",
               table="hospitals"),
            _s("community-health-centres", ("社区卫生服务中心名录", "Community health centres"),
               ("社区卫生服务中心和服务站的名称、所在街镇、地址、电话、门诊时间和家庭医生团队数。",
                "Community health centres and stations with sub-district, address, telephone, "
                "opening hours and number of family doctor teams."),
               "health social-welfare", ("社区卫生、家庭医生、基层医疗", "community health, GPs"),
               "irregular", table="community_health", scope="district"),
            _s("outpatient-visits", ("医疗机构门急诊人次", "Outpatient and emergency visits"),
               ("各区医疗机构每月门急诊人次和出院人数（万人次）。",
                "Monthly outpatient and emergency visits and discharges at medical institutions "
                "by district (10k)."),
               "health", ("门诊、急诊、诊疗服务", "outpatients, emergency visits"), "monthly",
               table="outpatient", scope="year"),
            _s("fever-clinics", ("发热门诊名录", "Fever clinics"),
               ("设有发热门诊和发热哨点的医疗机构名称、地址、电话和开放时间。",
                "Medical institutions with fever clinics or sentinel points: address, telephone "
                "and hours."),
               "health public-safety", ("发热门诊、传染病防控", "fever clinics, epidemic control"),
               "irregular", link="XLSX"),
            _s("health-statistics-bulletin", ("卫生健康统计公报", "Health statistics bulletin"),
               ("医疗卫生资源、医疗服务、妇幼保健和居民健康水平等年度统计。",
                "Annual statistics of health resources, services, maternal and child health and "
                "population health."),
               "health", ("卫生统计、统计公报", "health statistics, bulletin"), "annual",
               link="PDF", scope="year"),
            _s("inpatient-costs-by-drg", ("按病种住院费用统计", "Inpatient costs by disease group"),
               ("按病种和医院级别汇总的病例数、次均费用、平均住院日和医保支付比例。",
                "Cases, average cost per stay, average length of stay and insurance share by "
                "disease group and hospital level."),
               "health", ("住院费用、病种、DRG", "inpatient costs, DRG, disease groups"), "annual",
               table="drg_costs", level="conditional", grade="important", scope="year"),
            _s("electronic-health-records",
               ("居民电子健康档案", "Residents' electronic health records"),
               ("居民个人电子健康档案和诊疗记录。",
                "Personal electronic health records of residents."),
               "health", ("健康档案、个人信息", "health records, personal data"), "daily",
               link="API", level="closed", grade="core"),
        ),
    ),
    _Department(
        "education-commission", "市教育委员会", "Municipal Education Commission", "jw", "信息中心",
        "负责全市各级各类教育的管理，开放学校名录、教育统计和招生入学相关数据。",
        "Administers education at all levels; publishes school directories, education "
        "statistics and admission information.",
        (
            _s("schools", ("中小学校名录", "Directory of primary and secondary schools"),
               ("中小学校的名称、所在区、学段、办学性质、地址、电话和建校年份。",
                "Primary and secondary schools with district, stage, public or private status, "
                "address, telephone and year founded."),
               "education",
               ("中小学、学校名录、义务教育", "schools, directory, compulsory education"),
               "annual", table="schools", scope="district"),
            _s("kindergartens", ("幼儿园名录", "Directory of kindergartens"),
               ("幼儿园的名称、办园性质、等级、班级数、地址和电话。",
                "Kindergartens with public or private status, rating, number of classes, address "
                "and telephone."),
               "education social-welfare", ("幼儿园、学前教育", "kindergartens, pre-school"),
               "annual", table="kindergartens", scope="district"),
            _s("higher-education-institutions",
               ("普通高等学校名录", "Higher education institutions"),
               ("普通高等学校的名称、主管部门、办学层次和地址。",
                "Universities and colleges with supervising authority, level and address."),
               "education science-technology", ("高校、大学", "universities, colleges"), "annual",
               link="XLSX"),
            _s("education-statistics", ("教育事业统计公报", "Education statistics bulletin"),
               ("各级各类学校数、在校生数、招生数、毕业生数和专任教师数。",
                "Schools, enrolments, new entrants, graduates and full-time teachers by level."),
               "education", ("教育统计、学生、教师", "education statistics, students"), "annual",
               link="PDF", scope="year"),
            _s("school-catchment-areas",
               ("义务教育阶段学区划分", "Compulsory education catchment areas"),
               ("各小学和初中对应的学区范围（街道、居委和门牌号段）。",
                "Catchment areas (streets, neighbourhood committees and number ranges) of primary "
                "and junior secondary schools."),
               "education urban-planning", ("学区、入学、招生", "catchment areas, admissions"),
               "annual", link="PDF", scope="district"),
            _s("student-enrolment-records", ("学籍管理信息", "Student enrolment records"),
               ("学生个人学籍、成绩和家庭信息。",
                "Individual student registration, grades and family information."),
               "education", ("学籍、个人信息", "student records, personal data"),
               "daily", link="API",
               level="closed", grade="important"),
        ),
    ),
    _Department(
        "statistics-bureau", "市统计局", "Municipal Bureau of Statistics", "tjj", "数据管理中心",
        "负责全市国民经济和社会发展统计调查，开放人口、经济和价格等统计数据。",
        "Runs the city's statistical surveys; publishes population, economic and price "
        "statistics.",
        (
            _s("resident-population", ("常住人口按区统计", "Resident population by district"),
               ("各区年末常住人口、户籍人口、面积和人口密度。",
                "Year-end resident and registered population, area and population density by "
                "district."),
               "economy social-welfare", ("人口、常住人口、人口密度", "population, density"),
               "annual", table="population"),
            _s("gdp-by-district", ("各区地区生产总值", "Gross domestic product by district"),
               ("各区地区生产总值、增速和第三产业占比。",
                "GDP, growth rate and share of the tertiary sector by district."),
               "economy", ("GDP、地区生产总值、经济增长", "GDP, economic growth"), "annual",
               table="gdp"),
            _s("consumer-price-index", ("居民消费价格指数", "Consumer price index"),
               ("居民消费价格分类指数，含同比和环比。",
                "Consumer price indices by category, year on year and month on month."),
               "economy", ("CPI、物价、价格指数", "CPI, prices, inflation"), "monthly",
               table="cpi", scope="year"),
            _s("retail-sales", ("社会消费品零售总额", "Retail sales of consumer goods"),
               ("全市社会消费品零售总额、同比增速和网上零售占比。",
                "Total retail sales of consumer goods, growth and online share."),
               "economy", ("消费、零售、社零", "retail sales, consumption"), "monthly",
               table="retail_sales"),
            _s("statistical-yearbook", ("统计年鉴", "Statistical yearbook"),
               ("全面反映全市经济社会发展情况的年度统计资料汇编。",
                "The annual compendium of statistics on the city's economy and society."),
               "economy government", ("统计年鉴、统计资料", "yearbook, statistics"), "annual",
               link="PDF", scope="year"),
            _s("economic-census-register",
               ("经济普查单位清查底册", "Economic census register of units"),
               ("经济普查中全部法人单位和产业活动单位的清查底册。",
                "The register of all legal entities and establishments from the economic census."),
               "economy", ("经济普查、单位底册", "economic census, business register"),
               "irregular", link="API",
               level="closed", grade="important"),
        ),
    ),
    _Department(
        "housing-commission", "市住房和城乡建设管理委员会",
        "Municipal Commission of Housing and Urban-Rural Development", "zjw", "信息中心",
        "负责全市住房保障、房地产市场和建设工程管理，开放住房成交、保障房和建筑节能等数据。",
        "Manages housing, the property market and construction; publishes data on housing "
        "sales, affordable housing and building energy.",
        (
            _s("new-housing-transactions",
               ("新建商品住宅成交", "New commercial housing transactions"),
               ("各区新建商品住宅每月成交套数、成交面积和成交均价。",
                "Monthly units sold, floor area and average price of new commercial housing by "
                "district."),
               "housing economy", ("商品住宅、房价、成交", "housing, prices, transactions"),
               "monthly", table="housing_sales", scope="year"),
            _s("affordable-rental-housing",
               ("保障性租赁住房项目", "Affordable rental housing projects"),
               ("保障性租赁住房项目的名称、地址、房源套数、建筑面积、建设状态和经纬度。",
                "Affordable rental housing projects with address, units, floor area, status and "
                "coordinates."),
               "housing social-welfare",
               ("保障性住房、租赁住房、人才公寓",
                "affordable housing, rental housing, talent apartments"),
               "quarterly", table="housing_projects"),
            _s("construction-permits", ("建筑工程施工许可", "Construction permits"),
               ("建筑工程施工许可证的项目名称、建设单位、建筑面积和发证日期。",
                "Construction permits with project, developer, floor area and date of issue."),
               "housing urban-planning",
               ("施工许可、建设工程", "construction permits, building works"),
               "monthly",
               link="XLSX", scope="year"),
            _s("public-building-energy", ("公共建筑能耗监测", "Energy use of public buildings"),
               ("按建筑类型统计纳入监测的公共建筑数量、面积、用电量和单位面积能耗。",
                "Monitored public buildings by type: number, floor area, electricity use and "
                "energy intensity."),
               "energy housing", ("建筑能耗、节能、公共建筑", "building energy, efficiency"),
               "annual", table="building_energy"),
            _s("property-management-companies",
               ("物业服务企业名录", "Property management companies"),
               ("物业服务企业的名称、注册地址、在管项目数和信用等级。",
                "Property management companies with address, managed estates and credit rating."),
               "housing",
               ("物业、物业服务企业", "property management, estate services"),
               "irregular", link="XLSX"),
            _s("rental-market-monitoring", ("住房租赁市场监测", "Rental housing market monitoring"),
               ("各区住房租赁挂牌量、成交量和平均租金。",
                "Listings, transactions and average rents in the rental housing market by "
                "district."),
               "housing economy", ("住房租赁、租金", "rental housing, rents"), "monthly",
               table="rental_prices", level="conditional", scope="year"),
            _s("housing-security-applicants",
               ("保障房申请家庭信息", "Affordable housing applicants"),
               ("申请保障性住房家庭的成员、收入和财产核查信息。",
                "Members, income and asset checks of households applying for affordable housing."),
               "housing social-welfare", ("保障房、申请家庭", "affordable housing, applicants"),
               "daily", link="API", level="closed", grade="important"),
        ),
    ),
    _Department(
        "public-security-bureau", "市公安局", "Municipal Public Security Bureau", "gaj",
        "科技信息化处",
        "负责全市社会治安和道路交通安全管理，开放交通事故统计和公安服务网点等数据。",
        "Maintains public order and road safety; publishes traffic accident statistics and "
        "police service locations.",
        (
            _s("traffic-accidents", ("道路交通事故统计", "Road traffic accident statistics"),
               ("各区每月道路交通事故起数、受伤人数和死亡人数。",
                "Monthly road traffic accidents, injuries and fatalities by district."),
               "public-safety transport", ("交通事故、道路安全", "traffic accidents, road safety"),
               "monthly", table="traffic_accidents", scope="year"),
            _s("police-stations", ("派出所名录", "Police stations"),
               ("派出所的名称、地址、值班电话和办公时间。",
                "Police stations with address, duty telephone and hours."),
               "public-safety government",
               ("派出所、公安、便民服务", "police stations, police, public services"),
               "irregular", table="police_stations", scope="district"),
            _s("motor-vehicle-ownership", ("机动车保有量", "Registered motor vehicles"),
               ("按车辆类型和使用性质统计的机动车保有量。",
                "Registered motor vehicles by type and use."),
               "transport public-safety", ("机动车、保有量", "motor vehicles, registrations"),
               "annual", link="XLSX", scope="year"),
            _s("traffic-checkpoint-flows",
               ("卡口交通流量监测", "Traffic flows at road checkpoints"),
               ("道路卡口逐小时的过车数量和平均车速。",
                "Hourly vehicle counts and average speeds at road checkpoints."),
               "public-safety transport", ("交通流量、卡口", "traffic flow, checkpoints"), "daily",
               table="traffic_flow", level="conditional", grade="important"),
            _s("household-registration-register",
               ("人口户籍登记底册", "Household registration register"),
               ("户籍人口的身份、住址和家庭关系登记信息。",
                "Identity, address and family registration of registered residents."),
               "public-safety", ("户籍、人口管理", "household registration, population management"),
               "daily", link="API",
               level="closed", grade="core"),
            _s("cctv-locations", ("公共安全视频监控点位", "Public security CCTV locations"),
               ("公共安全视频监控设备的点位、朝向和接入信息。",
                "Locations, orientation and network details of public security cameras."),
               "public-safety", ("视频监控、点位", "CCTV, cameras"), "irregular", link="API",
               level="closed", grade="core"),
        ),
    ),
    _Department(
        "civil-affairs-bureau", "市民政局", "Municipal Civil Affairs Bureau", "mzj", "信息中心",
        "负责全市养老服务、社会救助、社会组织和婚姻登记管理，开放民生服务数据。",
        "Runs elderly care, social assistance, social organisations and marriage registration; "
        "publishes social welfare data.",
        (
            _s("elderly-care-institutions",
               ("养老机构名录", "Directory of elderly care institutions"),
               ("养老机构的名称、性质、床位数、是否提供认知障碍照护、地址和电话。",
                "Elderly care institutions with ownership, beds, dementia care, address and "
                "telephone."),
               "social-welfare health", ("养老机构、养老服务、床位", "elderly care, care homes"),
               "quarterly", table="elderly_care", scope="district"),
            _s("elderly-canteens", ("社区长者食堂", "Community canteens for older people"),
               ("社区长者食堂和老年助餐点的名称、地址、电话和供餐时间。",
                "Community canteens and meal points for older people with address, telephone and "
                "serving hours."),
               "social-welfare", ("长者食堂、助餐、养老服务", "meals for the elderly, canteens"),
               "quarterly", table="canteens"),
            _s("minimum-living-allowance",
               ("最低生活保障统计", "Minimum living allowance statistics"),
               ("各区每月低保家庭户数、人数、保障标准和发放金额。",
                "Monthly households and persons receiving the minimum living allowance, the "
                "standard and amounts paid, by district."),
               "social-welfare", ("低保、社会救助", "social assistance, minimum allowance"),
               "monthly", table="dibao", scope="year"),
            _s("marriage-registrations", ("婚姻登记统计", "Marriage registration statistics"),
               ("各区结婚登记和离婚登记对数。",
                "Marriage and divorce registrations by district."),
               "social-welfare", ("婚姻登记、结婚、离婚", "marriages, divorces"), "annual",
               table="marriages"),
            _s("social-organisations", ("社会组织登记信息", "Registered social organisations"),
               ("社会团体、民办非企业单位和基金会的名称、类型、业务主管单位和登记日期。",
                "Associations, private non-enterprise units and foundations with type, "
                "supervising unit and registration date."),
               "social-welfare government", ("社会组织、社会团体、基金会", "NGOs, foundations"),
               "monthly", link="XLSX"),
            _s("standard-place-names", ("标准地名", "Standard place names"),
               ("经批准的道路、桥梁、住宅区等标准地名及其含义和位置。",
                "Approved names of roads, bridges and residential areas with meaning and "
                "location."),
               "urban-planning government", ("地名、道路名称", "place names, street names"),
               "irregular", link="XLSX"),
            _s("extreme-poverty-support-recipients",
               ("特困人员救助供养对象信息", "Recipients of extreme-poverty support"),
               ("特困供养人员的身份、健康和供养方式信息。",
                "Identity, health and support arrangements of people in extreme poverty."),
               "social-welfare",
               ("特困供养、社会救助", "extreme poverty support, social assistance"),
               "monthly", link="API",
               level="closed", grade="important"),
        ),
    ),
    _Department(
        "planning-resources-bureau", "市规划和自然资源局",
        "Municipal Bureau of Planning and Natural Resources", "ghzyj", "信息中心",
        "负责全市国土空间规划、土地管理和测绘地理信息，开放土地供应、规划公示和地理信息数据。",
        "Handles spatial planning, land and surveying; publishes land supply, plan "
        "announcements and geographic information.",
        (
            _s("land-supply", ("国有建设用地供应", "Supply of state-owned construction land"),
               ("国有建设用地供应地块的编号、位置、用途、面积、供应方式、成交价和签约日期。",
                "Parcels of state-owned construction land supplied: code, location, use, area, "
                "method, price and contract date."),
               "urban-planning economy", ("土地供应、土地出让", "land supply, land sales"),
               "monthly", table="land_supply", scope="year"),
            _s("regulatory-plans", ("控制性详细规划公示", "Regulatory detailed plan announcements"),
               ("控制性详细规划（含局部调整）的公示文本和图则。",
                "Public notices, texts and maps of regulatory detailed plans and amendments."),
               "urban-planning", ("控规、规划公示", "zoning plans, planning notices"), "irregular",
               link="PDF", scope="district"),
            _s("base-map-service", ("城市基础地理信息服务", "Basic geographic map service"),
               ("提供行政区划、道路、水系和地名等基础地理要素的地图服务。",
                "Map service of administrative boundaries, roads, water and place names."),
               "urban-planning", ("地图服务、地理信息", "base map, GIS"), "irregular",
               link="API"),
            _s("land-subsidence", ("地面沉降监测", "Land subsidence monitoring"),
               ("各区地面沉降监测点数量、年平均沉降量和最大沉降量。",
                "Monitoring points, average and maximum annual subsidence by district."),
               "urban-planning environment", ("地面沉降、地质监测", "land subsidence, geology"),
               "annual", table="subsidence"),
            _s("real-estate-registration-stats",
               ("不动产登记统计", "Real estate registration statistics"),
               ("各区每月不动产转移登记、抵押登记、首次登记件数和登记面积。",
                "Monthly transfers, mortgages and first registrations of real estate and "
                "registered floor area, by district."),
               "housing urban-planning",
               ("不动产登记、房产交易", "real estate registration, property transactions"),
               "monthly", table="real_estate_registration", level="conditional",
               grade="important", scope="year"),
            _s("building-3d-models", ("城市三维建筑模型", "3D city building models"),
               ("建筑物三维白模和精细模型，含高度、层数和用途。",
                "3D building models with height, storeys and use."),
               "urban-planning", ("三维模型、数字孪生", "3D models, digital twin"), "irregular",
               link="API", level="conditional", grade="important"),
            _s("classified-survey-results", ("涉密测绘成果", "Classified surveying results"),
               ("高精度测绘成果和重要地理信息数据。",
                "High-precision surveying results and sensitive geographic data."),
               "urban-planning", ("测绘成果、涉密", "surveying, classified data"),
               "irregular", link="API",
               level="closed", grade="core"),
        ),
    ),
    _Department(
        "agriculture-commission", "市农业农村委员会",
        "Municipal Agriculture and Rural Affairs Commission",
        "nyncw", "信息中心",
        "负责全市农业生产、农村发展和农产品质量安全，开放农业生产和农产品市场数据。",
        "Oversees farming, rural development and food quality; publishes agricultural "
        "production and market data.",
        (
            _s("crop-output", ("主要农作物播种面积和产量", "Sown area and output of main crops"),
               ("各涉农区主要农作物的播种面积（亩）和产量（吨）。",
                "Sown area (mu) and output (t) of the main crops in each farming district."),
               "agriculture", ("农作物、粮食、产量", "crops, harvest, output"), "annual",
               table="crop_output"),
            _s("farmer-cooperatives", ("农民专业合作社名录", "Farmer cooperatives"),
               ("农民专业合作社的名称、主营产品、成员数、登记日期和示范社等级。",
                "Farmer cooperatives with main product, members, registration date and model "
                "cooperative status."),
               "agriculture economy", ("合作社、农民专业合作社", "cooperatives, farmers"),
               "irregular", table="coops", scope="district", among=_RURAL),
            _s("wholesale-prices", ("农产品批发价格", "Wholesale prices of farm products"),
               ("主要批发市场蔬菜、猪肉、鸡蛋、水产和大米的周均批发价格。",
                "Weekly average wholesale prices of vegetables, pork, eggs, fish and rice at the "
                "main wholesale markets."),
               "agriculture economy", ("农产品价格、批发市场、菜价", "food prices, wholesale"),
               "weekly", table="wholesale_prices", scope="year"),
            _s("green-food-products", ("绿色食品认证产品", "Certified green food products"),
               ("获得绿色食品认证的产品、生产单位、认证日期和有效期。",
                "Certified green food products with producer, certification date and validity."),
               "agriculture health", ("绿色食品、农产品认证", "green food, certification"),
               "quarterly", link="XLSX"),
            _s("leisure-agriculture-sites",
               ("休闲农业和乡村旅游点", "Leisure farms and rural tourism"),
               ("休闲农业园区和乡村旅游点的名称、地址、特色项目和开放时间。",
                "Leisure farms and rural tourism sites with address, activities and opening "
                "times."),
               "agriculture tourism",
               ("乡村旅游、休闲农业、农家乐", "rural tourism, leisure farms"),
               "quarterly", link="XLSX"),
            _s("farmland-quality-grades", ("耕地质量等级", "Farmland quality grades"),
               ("耕地地块的质量等级、土壤养分和灌排条件。",
                "Quality grade, soil nutrients and irrigation of farmland plots."),
               "agriculture environment", ("耕地质量、土壤", "farmland, soil"), "annual",
               link="API", level="conditional"),
            _s("rural-collective-assets", ("农村集体资产台账", "Rural collective assets ledger"),
               ("农村集体经济组织的资产、负债和成员权益明细。",
                "Assets, liabilities and member shares of rural collective organisations."),
               "agriculture", ("集体资产、农村", "collective assets, rural affairs"),
               "annual", link="API",
               level="closed", grade="important"),
        ),
    ),
    _Department(
        "science-technology-commission", "市科学技术委员会",
        "Municipal Science and Technology Commission",
        "kw", "信息中心",
        "负责全市科技创新政策和科技资源管理，开放孵化器、高新技术企业和专利等科技数据。",
        "Shapes innovation policy and manages research resources; publishes data on "
        "incubators, high-tech firms and patents.",
        (
            _s("tech-incubators", ("科技企业孵化器名录", "Technology business incubators"),
               ("孵化器和众创空间的名称、等级、场地面积、在孵企业数和地址。",
                "Incubators and maker spaces with level, floor area, incubated firms and address."),
               "science-technology economy", ("孵化器、众创空间、创业", "incubators, startups"),
               "annual", table="incubators"),
            _s("high-tech-enterprises", ("高新技术企业认定名单", "Certified high-tech enterprises"),
               ("当年通过认定的高新技术企业名称、所在区、技术领域和证书编号。",
                "High-tech enterprises certified in the year with district, field and "
                "certificate."),
               "science-technology economy",
               ("高新技术企业、高企认定", "high-tech enterprises, certification"),
               "annual", link="XLSX", scope="year"),
            _s("patent-statistics", ("专利申请和授权统计", "Patent applications and grants"),
               ("各区发明专利申请量和授权量、实用新型和外观设计授权量。",
                "Invention patent applications and grants, utility model and design grants by "
                "district."),
               "science-technology", ("专利、知识产权、发明", "patents, intellectual property"),
               "annual", table="patents"),
            _s("rnd-expenditure", ("研究与试验发展经费投入", "R&D expenditure"),
               ("全社会研发经费支出、研发投入强度及按执行部门分布。",
                "Gross R&D expenditure, R&D intensity and breakdown by performing sector."),
               "science-technology economy", ("研发经费、R&D", "R&D, research spending"), "annual",
               link="PDF", scope="year"),
            _s("key-laboratories", ("重点实验室名录", "Key laboratories"),
               ("国家级和市级重点实验室的名称、依托单位和研究方向。",
                "National and municipal key laboratories with host institution and research "
                "field."),
               "science-technology education", ("重点实验室、科研平台", "laboratories, research"),
               "irregular", link="XLSX"),
            _s("tech-contract-transactions",
               ("技术合同交易明细", "Technology contract transactions"),
               ("技术合同的类型、技术领域、成交金额和买卖双方所在地。",
                "Technology contracts with type, field, value and location of the parties."),
               "science-technology economy",
               ("技术合同、技术交易", "technology contracts, technology transfer"),
               "monthly", link="API", level="conditional", scope="year"),
        ),
    ),
    _Department(
        "culture-tourism-bureau", "市文化和旅游局",
        "Municipal Administration of Culture and Tourism",
        "whlyj", "信息中心",
        "负责全市文化事业、文物保护和旅游业管理，开放文化场馆、文物、景区和旅游统计数据。",
        "Oversees culture, heritage and tourism; publishes data on venues, heritage sites, "
        "attractions and tourism statistics.",
        (
            _s("heritage-sites", ("文物保护单位", "Protected heritage sites"),
               ("各级文物保护单位的名称、保护级别、类别、年代和地址。",
                "Protected heritage sites with level of protection, category, era and address."),
               "culture tourism", ("文物保护单位、文物、历史建筑", "heritage, monuments"),
               "irregular", table="heritage"),
            _s("a-rated-attractions", ("A级旅游景区", "A-rated tourist attractions"),
               ("A级旅游景区的名称、等级、类型、地址、电话和年接待游客量。",
                "A-rated tourist attractions with rating, type, address, telephone and annual "
                "visitors."),
               "tourism culture", ("旅游景区、A级景区", "tourist attractions, sights"),
               "quarterly", table="attractions"),
            _s("star-rated-hotels", ("星级饭店名录", "Star-rated hotels"),
               ("星级饭店的名称、星级、客房数、地址和电话。",
                "Star-rated hotels with star rating, rooms, address and telephone."),
               "tourism", ("星级饭店、酒店、住宿", "hotels, accommodation"), "quarterly",
               table="hotels", scope="district"),
            _s("cultural-venues", ("公共文化场馆", "Public cultural venues"),
               ("公共图书馆、文化馆、博物馆、美术馆和社区文化活动中心的地址、电话和开放时间。",
                "Libraries, cultural centres, museums, galleries and community culture centres "
                "with address, telephone and opening hours."),
               "culture", ("图书馆、博物馆、文化场馆", "libraries, museums, culture"),
               "quarterly", table="cultural_venues"),
            _s("tourism-statistics", ("旅游接待统计", "Tourism statistics"),
               ("每月国内游客、入境游客、星级饭店客房出租率和旅游收入。",
                "Monthly domestic and inbound visitors, hotel occupancy and tourism revenue."),
               "tourism economy", ("旅游统计、游客、入境旅游", "tourism, visitors"), "monthly",
               table="tourism_stats"),
            _s("travel-agencies", ("旅行社名录", "Travel agencies"),
               ("旅行社的名称、许可证号、经营范围、地址和电话。",
                "Travel agencies with licence number, scope of business, address and telephone."),
               "tourism",
               ("旅行社、旅游服务", "travel agencies, tourism services"), "monthly", link="XLSX"),
            _s("intangible-heritage", ("非物质文化遗产代表性项目", "Intangible cultural heritage"),
               ("国家级、市级和区级非物质文化遗产代表性项目及其保护单位。",
                "National, municipal and district items of intangible cultural heritage and "
                "their safeguarding bodies."),
               "culture", ("非遗、传统技艺", "intangible heritage, crafts"), "irregular",
               link="XLSX"),
            _s("attraction-visitor-flows",
               ("重点景区客流分析", "Visitor flows at major attractions"),
               ("重点景区每周游客量、平均停留时长和外地游客占比（基于手机信令汇总）。",
                "Weekly visitors, average stay and share of non-local visitors at major "
                "attractions, aggregated from mobile signalling."),
               "tourism", ("景区客流、游客画像", "visitor flows, attractions"), "weekly",
               table="attraction_footfall", level="conditional", scope="year",
               years=(2023, 2025)),
            _s("relic-security-plans",
               ("文物安全防范方案", "Security plans of cultural relic sites"),
               ("重要文物收藏单位的安防布局和应急预案。",
                "Security layouts and emergency plans of major relic collections."),
               "culture public-safety", ("文物安全、安防", "relic security, security plans"),
               "irregular",
               link="API", level="closed", grade="important"),
        ),
    ),
    _Department(
        "human-resources-bureau", "市人力资源和社会保障局",
        "Municipal Human Resources and Social Security Bureau", "rsj", "信息中心",
        "负责全市就业、社会保险、职业培训和劳动关系管理，开放就业服务和社保经办数据。",
        "Handles employment, social insurance, training and labour relations; publishes "
        "employment and social insurance data.",
        (
            _s("job-fairs", ("招聘会信息", "Job fairs"),
               ("公共就业服务机构举办的招聘会日期、地点、主题、参会单位数和岗位数。",
                "Job fairs held by public employment services: date, venue, theme, employers and "
                "vacancies."),
               "employment", ("招聘会、就业服务、岗位", "job fairs, vacancies"), "weekly",
               table="job_fairs", scope="year"),
            _s("vocational-training-institutions",
               ("职业技能培训机构", "Vocational training institutions"),
               ("职业技能培训机构的名称、地址、电话和办公时间。",
                "Vocational training institutions with address, telephone and office hours."),
               "employment education", ("职业培训、技能培训", "vocational training, skills"),
               "quarterly", table="training_schools"),
            _s("employment-statistics",
               ("就业和失业登记统计", "Employment and unemployment registrations"),
               ("各区新增就业岗位、扶持创业人数和登记失业人数。",
                "New jobs, supported start-ups and registered unemployed by district."),
               "employment economy", ("就业、失业、创业", "employment, jobs, unemployment"),
               "annual", table="employment_stats"),
            _s("minimum-wage-standards", ("最低工资标准", "Minimum wage standards"),
               ("历年月最低工资标准和小时最低工资标准及调整时间。",
                "Monthly and hourly minimum wage standards and when they changed."),
               "employment",
               ("最低工资、工资标准", "minimum wage, wage standards"), "annual", link="PDF"),
            _s("social-insurance-service-points",
               ("社保经办服务网点", "Social insurance service points"),
               ("社会保险经办服务网点的名称、地址、电话和办公时间。",
                "Social insurance service points with address, telephone and office hours."),
               "employment social-welfare", ("社保、服务网点", "social insurance, service points"),
               "irregular", table="social_insurance_points", scope="district"),
            _s("contributors-by-industry",
               ("分行业社保参保情况", "Social insurance contributors by industry"),
               ("按行业和季度汇总的参保单位数、参保人数和平均缴费基数。",
                "Contributing employers, contributors and average contribution base by industry "
                "and quarter."),
               "employment economy", ("社保参保、缴费基数、行业", "social insurance, wages"),
               "quarterly", table="contributors", level="conditional", grade="important",
               scope="year"),
            _s("individual-contribution-records",
               ("个人参保缴费明细", "Individual contribution records"),
               ("参保人员个人缴费基数、缴费记录和待遇领取明细。",
                "Individual contribution bases, payments and benefits."),
               "employment social-welfare",
               ("参保缴费、个人信息", "social insurance records, personal data"),
               "daily", link="API", level="closed", grade="important"),
        ),
    ),
    _Department(
        "development-reform-commission", "市发展和改革委员会",
        "Municipal Development and Reform Commission", "fgw", "信息中心",
        "负责全市经济社会发展规划、价格管理、能源和社会信用体系建设，开放能源、价格和信用数据。",
        "Plans economic and social development and handles prices, energy and the social "
        "credit system; publishes energy, price and credit data.",
        (
            _s("energy-consumption-mix", ("能源消费结构", "Energy consumption mix"),
               ("全市能源消费总量及煤炭、石油、天然气、外来电力和可再生能源占比。",
                "Total energy consumption and shares of coal, oil, gas, imported electricity and "
                "renewables."),
               "energy", ("能源消费、能源结构、碳排放", "energy mix, consumption"), "annual",
               table="energy_mix"),
            _s("fuel-price-adjustments", ("成品油价格调整", "Retail fuel price adjustments"),
               ("每次调价后92号、95号汽油和0号柴油的最高零售价格（元/升）。",
                "Maximum retail prices of 92 and 95 gasoline and 0 diesel (yuan per litre) after "
                "each adjustment."),
               "energy economy", ("油价、成品油、汽油", "fuel prices, gasoline, diesel"),
               "irregular", table="fuel_prices", scope="year"),
            _s("solar-pv-installations", ("分布式光伏装机", "Distributed solar PV installations"),
               ("各区分布式光伏项目数、装机容量和年发电量。",
                "Distributed solar PV projects, installed capacity and annual generation by "
                "district."),
               "energy environment", ("光伏、可再生能源、装机容量", "solar PV, renewables"),
               "annual", table="solar_pv"),
            _s("major-projects", ("市重大工程项目", "Major municipal projects"),
               ("年度市重大工程的项目名称、类别、所在区、总投资和建设进度。",
                "The year's major municipal projects with category, district, investment and "
                "progress."),
               "economy urban-planning", ("重大工程、投资项目", "major projects, investment"),
               "annual", link="XLSX", scope="year"),
            _s("government-pricing-catalogue", ("政府定价目录", "Government pricing catalogue"),
               ("实行政府定价和政府指导价的商品和服务目录。",
                "Goods and services whose prices are set or guided by the government."),
               "economy",
               ("政府定价、价格管理", "regulated prices, price management"),
               "irregular", link="PDF"),
            _s("enterprise-credit-evaluation",
               ("企业公共信用综合评价", "Enterprise public credit evaluation"),
               ("企业公共信用综合评价的等级和分值，含统一社会信用代码、行业和评价日期。",
                "Public credit ratings and scores of enterprises with unified social credit "
                "code, industry and date of evaluation."),
               "economy", ("企业信用、信用评价、公共信用", "credit rating, enterprises"),
               "quarterly", table="credit_ratings", level="conditional", grade="important",
               scope="district"),
            _s("energy-reserves", ("能源储备数据", "Energy reserves"),
               ("成品油、天然气等能源储备的库容、储量和分布。",
                "Capacity, stock and location of oil and gas reserves."),
               "energy public-safety", ("能源储备、能源安全", "energy reserves, energy security"),
               "monthly",
               link="API", level="closed", grade="core"),
        ),
    ),
    _Department(
        "market-regulation-administration", "市市场监督管理局",
        "Municipal Administration for Market Regulation", "scjgj", "信息中心",
        "负责全市市场主体登记、食品安全、产品质量和市场秩序监管，开放市场主体和抽检数据。",
        "Registers businesses and supervises food safety, product quality and fair trading; "
        "publishes business registration and inspection data.",
        (
            _s("enterprise-registrations", ("企业注册登记信息", "Enterprise registrations"),
               ("按行业统计每月新设企业数、新设个体工商户数和新增注册资本。",
                "Monthly new enterprises, new sole proprietors and new registered capital by "
                "industry."),
               "economy", ("企业登记、市场主体、注册资本", "business registrations, companies"),
               "monthly", table="company_registrations", scope="year"),
            _s("market-entities", ("市场主体总量", "Number of market entities"),
               ("各区实有企业、个体工商户和当年新设市场主体数量。",
                "Enterprises, sole proprietors and new market entities by district."),
               "economy", ("市场主体、企业数量", "businesses, market entities"), "annual",
               table="market_entities"),
            _s("food-safety-sampling", ("食品安全抽检信息", "Food safety sampling results"),
               ("按食品类别统计每月抽检批次、不合格批次和合格率。",
                "Monthly samples, failures and pass rates of food safety sampling by category."),
               "health economy", ("食品安全、抽检、合格率", "food safety, inspections"),
               "monthly", table="food_sampling", scope="year"),
            _s("product-quality-spot-checks",
               ("产品质量监督抽查结果", "Product quality spot checks"),
               ("产品质量监督抽查的产品类别、生产企业、抽查批次和检验结论。",
                "Product categories, manufacturers, batches and findings of quality spot "
                "checks."),
               "economy", ("产品质量、监督抽查", "product quality, inspections"), "quarterly",
               link="XLSX", scope="year"),
            _s("abnormal-operations-list",
               ("经营异常名录", "List of businesses with abnormal operations"),
               ("列入和移出经营异常名录的企业名称、统一社会信用代码、原因和日期。",
                "Businesses added to or removed from the list of abnormal operations, with "
                "reason and date."),
               "economy", ("经营异常、企业信用", "abnormal operations, business credit"), "daily",
               link="API"),
            _s("enterprise-annual-report-data",
               ("企业年报经营数据", "Enterprise annual report data"),
               ("企业年度报告中的从业人数、营业收入区间和纳税区间。",
                "Employees, revenue band and tax band from enterprises' annual reports."),
               "economy", ("企业年报、经营数据", "annual reports, enterprises"), "annual",
               table="enterprise_financials", level="conditional", grade="important",
               scope="district"),
            _s("enforcement-case-files", ("市场监管执法案件卷宗", "Market regulation case files"),
               ("行政处罚案件的调查、证据和当事人材料。",
                "Investigation files, evidence and parties of administrative penalty cases."),
               "economy public-safety", ("执法案件、卷宗", "enforcement cases, case files"),
               "daily",
               link="API", level="closed", grade="important"),
        ),
    ),
    _Department(
        "water-authority", "市水务局", "Municipal Water Authority", "swj", "信息中心",
        "负责全市供水、排水、河湖管理和防汛，开放供水、河道和潮位数据。",
        "Manages water supply, drainage, rivers and flood control; publishes water supply, "
        "river and tide data.",
        (
            _s("water-supply", ("供水量月报", "Monthly water supply"),
               ("全市每月供水总量、日均供水量和出厂水水质达标率。",
                "Monthly water supplied, daily average and compliance of treated water."),
               "environment", ("供水、自来水、水质", "water supply, drinking water"), "monthly",
               table="water_supply"),
            _s("river-chief-rivers", ("河长制河道名录", "Rivers under the river chief system"),
               ("河道编码、名称、长度、管理级别、河长层级和水质目标。",
                "River code, name, length, management level, river chief level and water "
                "quality target."),
               "environment urban-planning", ("河长制、河道、河湖", "rivers, river chiefs"),
               "irregular", table="rivers", scope="district"),
            _s("tide-levels", ("主要站点潮位实时", "Real-time tide levels"),
               ("黄浦江和沿江沿海主要站点每半小时潮位和警戒潮位。",
                "Half-hourly water levels and warning levels at main tide gauges."),
               "environment public-safety", ("潮位、防汛、水位", "tide levels, flood control"),
               "realtime", table="tide_levels"),
            _s("wastewater-treatment-plants", ("污水处理厂名录", "Wastewater treatment plants"),
               ("城镇污水处理厂的设计规模、处理工艺和排放标准。",
                "Design capacity, process and discharge standard of wastewater treatment "
                "plants."),
               "environment", ("污水处理、排水", "wastewater, sewage"), "annual", link="XLSX"),
            _s("drinking-water-quality", ("供水水质公告", "Drinking water quality reports"),
               ("各水厂出厂水和管网水水质检测结果。",
                "Test results of treated and network water from each waterworks."),
               "environment health", ("水质公告、饮用水", "water quality reports, drinking water"),
               "monthly",
               link="PDF", scope="year"),
            _s("key-water-users", ("重点用水单位用水量", "Water use of key users"),
               ("重点用水单位的行业、取水量和用水效率指标。",
                "Industry, abstraction and efficiency indicators of key water users."),
               "environment economy", ("用水量、节水", "water use, water saving"), "monthly",
               link="API", level="conditional", scope="district"),
        ),
    ),
    _Department(
        "meteorological-bureau", "市气象局", "Municipal Meteorological Service", "qxj",
        "气象服务中心",
        "负责全市气象观测、预报预警和气候服务，开放气象观测、预警信号和预报数据。",
        "Observes and forecasts the weather and issues warnings; publishes observations, "
        "warnings and forecasts.",
        (
            _s("daily-weather", ("气象站逐日观测", "Daily weather observations"),
               ("逐日最高气温、最低气温、降水量、相对湿度和平均风速。",
                "Daily maximum and minimum temperature, precipitation, relative humidity and "
                "mean wind speed."),
               "environment", ("气温、降水、天气", "weather, temperature, rainfall"), "daily",
               table="weather_daily", scope="year"),
            _s("weather-warnings", ("气象灾害预警信号", "Weather warning signals"),
               ("发布的台风、暴雨、高温、大风、大雾等预警信号的类型、级别、范围和起止时间。",
                "Typhoon, rainstorm, heat, gale and fog warnings: type, level, area, issue and "
                "lifting time."),
               "environment public-safety", ("预警信号、气象灾害", "weather warnings, hazards"),
               "irregular", table="warnings", scope="year"),
            _s("district-forecast", ("分区天气预报", "District weather forecasts"),
               ("各区未来七天逐日和未来24小时逐时天气预报。",
                "Seven-day daily and 24-hour hourly forecasts for every district."),
               "environment",
               ("天气预报、预报", "weather forecast, forecasts"), "realtime", link="API"),
            _s("automatic-weather-stations", ("自动气象站点", "Automatic weather stations"),
               ("自动气象站的站号、站名、位置、海拔高度和观测要素。",
                "Code, name, location, altitude and observed elements of automatic weather "
                "stations."),
               "environment", ("气象站、观测站", "weather stations, observation sites"),
               "irregular",
               table="weather_stations"),
            _s("climate-bulletin", ("气候公报", "Climate bulletin"),
               ("全年气温、降水、日照和主要气象灾害的综合评价。",
                "Annual review of temperature, rainfall, sunshine and major weather events."),
               "environment", ("气候、气候公报", "climate, bulletin"), "annual", link="PDF",
               scope="year"),
            _s("gridded-weather", ("精细化格点气象预报", "High-resolution gridded forecasts"),
               ("一公里格点逐三小时气温、降水、风速和风向预报。",
                "Three-hourly temperature, precipitation and wind forecasts on a 1 km grid."),
               "environment agriculture",
               ("格点预报、精细化预报", "gridded forecasts, high-resolution forecasts"),
               "realtime", table="grid_weather", level="conditional"),
        ),
    ),
    _Department(
        "greening-city-appearance-bureau", "市绿化和市容管理局",
        "Municipal Bureau of Greening and City Appearance", "lhsr", "信息中心",
        "负责全市绿化、林业、市容环境卫生和生活垃圾管理，开放公园、公厕和垃圾分类数据。",
        "Looks after parks, forests, street cleaning and household waste; publishes data on "
        "parks, public toilets and waste sorting.",
        (
            _s("city-parks", ("城市公园名录", "City parks"),
               ("城市公园的名称、类型、面积、开放时间和是否免费。",
                "City parks with type, area, opening hours and admission."),
               "urban-planning environment", ("公园、绿地、休闲", "parks, green space"),
               "quarterly", table="parks"),
            _s("public-toilets", ("公共厕所", "Public toilets"),
               ("公共厕所的名称、地址、类别、无障碍设施、是否24小时开放和经纬度。",
                "Public toilets with address, grade, accessibility, 24-hour opening and "
                "coordinates."),
               "urban-planning social-welfare",
               ("公厕、市容、便民设施", "public toilets, city appearance, amenities"),
               "monthly", table="public_toilets", scope="district"),
            _s("green-coverage", ("绿化覆盖率", "Green coverage by district"),
               ("各区绿化面积、绿化覆盖率和公园数量。",
                "Green area, green coverage and number of parks by district."),
               "environment urban-planning", ("绿化、覆盖率、生态", "green coverage, greening"),
               "annual", table="green_coverage"),
            _s("household-waste", ("生活垃圾分类收运", "Household waste collection by category"),
               ("各区每月干垃圾、湿垃圾、可回收物和有害垃圾收运量。",
                "Monthly residual, food, recyclable and hazardous waste collected by district."),
               "environment", ("垃圾分类、生活垃圾、回收", "waste sorting, recycling"),
               "monthly", table="waste_sorting", scope="year"),
            _s("ancient-trees", ("古树名木", "Ancient and notable trees"),
               ("古树名木的编号、树种、位置、树龄、保护级别和生长状况。",
                "Ancient and notable trees with code, species, location, age, protection level "
                "and condition."),
               "environment culture", ("古树名木、树木保护", "ancient trees, heritage trees"),
               "annual", table="ancient_trees"),
            _s("outdoor-advertising-permits", ("户外广告设施许可", "Outdoor advertising permits"),
               ("户外广告设施的设置位置、规格、许可期限和设置单位。",
                "Location, size, permit period and owner of outdoor advertising structures."),
               "urban-planning",
               ("户外广告、市容", "outdoor advertising, city appearance"), "monthly", link="XLSX"),
        ),
    ),
    _Department(
        "sports-bureau", "市体育局", "Municipal Sports Bureau", "tyj", "信息中心",
        "负责全市群众体育、竞技体育和体育产业，开放体育场馆、赛事和体质监测数据。",
        "Promotes sport for all, competitive sport and the sports industry; publishes venues, "
        "events and fitness data.",
        (
            _s("public-sports-venues", ("公共体育场馆", "Public sports venues"),
               ("体育场馆和市民健身设施的名称、类型、地址、开放方式和经纬度。",
                "Sports venues and fitness facilities with type, address, opening arrangements "
                "and coordinates."),
               "culture social-welfare", ("体育场馆、健身、市民球场", "sports venues, fitness"),
               "quarterly", table="sports_venues", scope="district"),
            _s("sports-events", ("重大体育赛事", "Major sports events"),
               ("全年举办的重大体育赛事名称、日期、场地、级别和参赛人数。",
                "Major sports events of the year with date, venue, level and participants."),
               "culture tourism", ("体育赛事、马拉松", "sports events, marathon"), "irregular",
               table="sports_events", scope="year"),
            _s("physical-fitness-monitoring",
               ("国民体质监测", "National physical fitness monitoring"),
               ("按年龄组和性别统计的体质监测样本量、合格率和优秀率。",
                "Sample size, pass rate and excellent rate of fitness tests by age group and sex."),
               "culture health", ("体质监测、全民健身", "physical fitness, health"), "annual",
               table="fitness_survey"),
            _s("fitness-trails", ("市民健身步道", "Fitness trails"),
               ("健身步道的名称、长度、铺装材质和位置。",
                "Fitness trails with length, surface and location."),
               "culture urban-planning", ("健身步道、步道", "fitness trails, running"), "annual",
               link="XLSX"),
            _s("school-sports-grounds",
               ("学校体育场地开放", "School sports grounds open to the public"),
               ("向社会开放的学校体育场地、开放时段和预约方式。",
                "School sports grounds open to the public, opening times and booking."),
               "education culture", ("学校场地、体育开放", "school sports grounds, public access"),
               "weekly",
               link="XLSX", scope="district"),
        ),
    ),
    _Department(
        "commerce-commission", "市商务委员会", "Municipal Commission of Commerce", "sww",
        "信息中心",
        "负责全市商贸流通、对外贸易和外商投资管理，开放菜市场、外贸和商圈数据。",
        "Oversees trade, foreign trade and foreign investment; publishes data on markets, "
        "trade and shopping districts.",
        (
            _s("wet-markets", ("菜市场名录", "Directory of wet markets"),
               ("标准化菜市场和农贸市场的名称、地址、摊位数、营业时间和经营单位。",
                "Wet markets with address, stalls, opening hours and operator."),
               "economy social-welfare", ("菜市场、农贸市场、民生", "wet markets, groceries"),
               "quarterly", table="markets", scope="district"),
            _s("foreign-trade", ("进出口总额月报", "Monthly imports and exports"),
               ("全市货物进出口总额、出口额和进口额（亿元）。",
                "Total, export and import value of goods (100m yuan)."),
               "economy", ("进出口、外贸", "foreign trade, exports, imports"), "monthly",
               table="trade"),
            _s("time-honoured-brands", ("中华老字号名录", "Time-honoured brands"),
               ("老字号品牌名称、所属企业、行业类别和认定批次。",
                "Time-honoured brands with company, trade and certification batch."),
               "economy culture", ("老字号、品牌", "time-honoured brands, heritage brands"),
               "irregular",
               link="XLSX"),
            _s("foreign-direct-investment", ("外商直接投资", "Foreign direct investment"),
               ("按行业统计的外商投资项目数、合同外资和实到外资。",
                "Foreign-invested projects, contracted and paid-in foreign capital by industry."),
               "economy", ("外资、投资", "FDI, foreign investment"), "annual", link="PDF",
               scope="year"),
            _s("shopping-district-footfall",
               ("重点商圈客流监测", "Footfall in major shopping districts"),
               ("重点商圈每周客流量、平均停留时长和外地客流占比（基于手机信令汇总）。",
                "Weekly visitors, average stay and share of non-local visitors in major shopping "
                "districts, aggregated from mobile signalling."),
               "economy", ("商圈、客流、消费", "footfall, shopping districts"), "weekly",
               table="shopping_footfall", level="conditional", scope="year", years=(2023, 2025)),
        ),
    ),
    _Department(
        "healthcare-security-bureau", "市医疗保障局", "Municipal Healthcare Security Bureau", "ybj",
        "信息中心",
        "负责全市医疗保险、医疗救助和药品招采，开放定点机构、医保基金和集采药品数据。",
        "Runs medical insurance, medical assistance and drug procurement; publishes data on "
        "designated providers, the insurance fund and procured drugs.",
        (
            _s("designated-pharmacies", ("医保定点零售药店", "Designated retail pharmacies"),
               ("医保定点零售药店的名称、地址、电话、定点日期和是否支持异地结算。",
                "Pharmacies designated by medical insurance with address, telephone, date "
                "designated and cross-region settlement."),
               "health", ("定点药店、医保、药店", "pharmacies, medical insurance"), "monthly",
               table="pharmacies", scope="district"),
            _s("medical-insurance-fund", ("医保基金收支", "Medical insurance fund"),
               ("每月参保人数、基金收入、基金支出和结算人次。",
                "Monthly insured persons, fund income, expenditure and settlements."),
               "health social-welfare",
               ("医保基金、参保、医疗保险",
                "medical insurance fund, insured persons, health insurance"),
               "monthly", table="medical_insurance"),
            _s("designated-medical-institutions",
               ("医保定点医疗机构", "Designated medical institutions"),
               ("医保定点医疗机构的名称、等级、地址和定点类别。",
                "Medical institutions designated by medical insurance with level, address and "
                "category."),
               "health",
               ("定点医院、医保", "designated hospitals, medical insurance"),
               "monthly", link="XLSX"),
            _s("volume-based-procurement-drugs",
               ("集中带量采购中选药品", "Drugs in volume-based procurement"),
               ("集中带量采购中选药品的通用名、规格、生产企业和中选价格。",
                "Generic name, strength, manufacturer and awarded price of drugs in volume-based "
                "procurement."),
               "health economy", ("集采、药品价格", "drug procurement, prices"), "irregular",
               link="XLSX"),
            _s("settlements-by-disease",
               ("医保结算数据按病种汇总", "Insurance settlements by disease"),
               ("按病种和医院级别汇总的医保结算病例数、次均费用和基金支付比例。",
                "Insurance settlements by disease group and hospital level: cases, average cost "
                "and fund share."),
               "health social-welfare", ("医保结算、病种", "claims, disease groups"), "annual",
               table="drg_costs", level="conditional", grade="important", scope="year"),
            _s("individual-medical-claims", ("参保人员就医结算明细", "Individual medical claims"),
               ("参保人员每次就医的诊断、费用和结算明细。",
                "Diagnoses, costs and settlement of every visit by insured persons."),
               "health", ("就医结算、个人信息", "medical claims, personal data"),
               "daily", link="API",
               level="closed", grade="important"),
        ),
    ),
    _Department(
        "data-bureau", "市数据局", "Municipal Data Bureau", "sjj", "数据资源处",
        "负责全市公共数据管理、开放和数字政府建设，运营公共数据开放平台。",
        "Manages public data, open data and digital government, and runs the open data "
        "platform.",
        (
            _s("open-data-statistics", ("公共数据开放统计", "Open data platform statistics"),
               ("开放平台每月开放数据集数、接口数、数据条数、下载量和接口调用量。",
                "Monthly open datasets, APIs, records, downloads and API calls on the open data "
                "platform."),
               "government", ("数据开放、开放平台、统计", "open data, statistics"), "monthly",
               table="open_data_stats"),
            _s("hotline-12345", ("12345市民服务热线工单统计", "12345 citizen hotline statistics"),
               ("按诉求类别统计每月工单量、办结率和满意率。",
                "Monthly tickets, resolution rate and satisfaction by type of request."),
               "government social-welfare", ("12345、市民热线、诉求", "citizen hotline, requests"),
               "monthly", table="hotline", scope="year"),
            _s("community-service-centres", ("社区事务受理服务中心", "Community service centres"),
               ("社区事务受理服务中心的名称、地址、电话和办理时间。",
                "Community service centres with address, telephone and opening hours."),
               "government social-welfare",
               ("政务服务、社区事务", "government services, community affairs"),
               "irregular", table="service_centres", scope="district"),
            _s("public-data-catalogue", ("公共数据资源目录", "Public data resource catalogue"),
               ("各部门公共数据资源的名称、提供单位、共享和开放属性及更新频率。",
                "Public data resources of all departments with provider, sharing and opening "
                "status and update frequency."),
               "government", ("数据目录、公共数据", "data catalogue, public data"), "monthly",
               link="XLSX"),
            _s("one-stop-service-items", ("一网通办事项清单", "One-stop online service items"),
               ("政务服务事项的名称、实施部门、办理方式和承诺时限。",
                "Government service items with department, how to apply and committed time "
                "limit."),
               "government", ("一网通办、政务服务", "e-government, online services"), "weekly",
               link="API"),
            _s("population-heat-map", ("实有人口热力分布", "Population heat map"),
               ("基于手机信令汇总的各区网格实有人口分布，最小统计单元不少于50人。",
                "Population present per grid cell by district from mobile signalling, "
                "aggregated to cells of at least 50 people."),
               "government urban-planning",
               ("人口分布、热力图、手机信令",
                "population distribution, heat map, mobile signalling"),
               "realtime", link="API", level="conditional", grade="important", scope="district"),
            _s("data-sharing-logs", ("公共数据共享交换日志", "Public data sharing logs"),
               ("部门间公共数据共享交换的调用日志。",
                "Call logs of public data sharing between departments."),
               "government", ("数据共享、日志", "data sharing, logs"), "daily", link="API",
               level="closed", grade="important"),
        ),
    ),
    _Department(
        "emergency-management-bureau", "市应急管理局", "Municipal Emergency Management Bureau",
        "yjglj", "信息中心",
        "负责全市应急管理、安全生产和防灾减灾，开放避难场所和安全生产数据。",
        "Handles emergencies, work safety and disaster reduction; publishes shelters and "
        "work safety data.",
        (
            _s("emergency-shelters", ("应急避难场所", "Emergency shelters"),
               ("应急避难场所的名称、类别、面积、可容纳人数、地址和经纬度。",
                "Emergency shelters with category, area, capacity, address and coordinates."),
               "public-safety", ("避难场所、防灾减灾", "emergency shelters, disaster"), "annual",
               table="shelters", scope="district"),
            _s("work-safety-accidents", ("生产安全事故统计", "Work safety accident statistics"),
               ("各区每季度生产安全事故起数、死亡人数和直接经济损失。",
                "Quarterly work accidents, deaths and direct losses by district."),
               "public-safety employment", ("安全生产、事故", "work safety, accidents"),
               "quarterly", table="work_accidents", scope="year"),
            _s("fire-rescue-stations", ("消防救援站", "Fire and rescue stations"),
               ("消防救援站的名称、地址和值班电话。",
                "Fire and rescue stations with address and duty telephone."),
               "public-safety", ("消防、救援", "fire stations, rescue"), "irregular",
               table="fire_stations"),
            _s("hazardous-chemicals-licences",
               ("危险化学品经营许可", "Hazardous chemicals licences"),
               ("危险化学品经营许可证的企业名称、许可范围和有效期。",
                "Hazardous chemicals trading licences with company, scope and validity."),
               "public-safety economy", ("危险化学品、许可", "hazardous chemicals, licences"),
               "monthly", link="XLSX"),
            _s("major-hazard-installations", ("重大危险源分布", "Major hazard installations"),
               ("重大危险源的位置、物质种类、储量和周边防护目标。",
                "Location, substances, quantities and nearby vulnerable sites of major hazard "
                "installations."),
               "public-safety", ("重大危险源、安全生产", "major hazards, work safety"),
               "irregular", link="API",
               level="closed", grade="important"),
        ),
    ),
    _Department(
        "economy-informatization-commission", "市经济和信息化委员会",
        "Municipal Commission of Economy and Informatization", "jxw", "信息中心",
        "负责全市工业、信息化和能源运行管理，开放用电、5G和产业园区数据。",
        "Oversees industry, informatization and energy operations; publishes electricity, 5G "
        "and industrial park data.",
        (
            _s("electricity-by-industry",
               ("全社会用电量按行业", "Electricity consumption by industry"),
               ("按行业分类的每月全社会用电量和同比增速。",
                "Monthly electricity consumption by industry and year-on-year change."),
               "energy economy", ("用电量、电力、行业", "electricity, power consumption"),
               "monthly", table="electricity_by_industry", level="conditional", scope="year"),
            _s("5g-base-stations",
               ("5G基站和千兆网络建设", "5G base stations and gigabit networks"),
               ("各区累计建成5G基站数和千兆光网端口数。",
                "Cumulative 5G base stations and gigabit broadband ports by district."),
               "science-technology", ("5G、基站、信息基础设施", "5G, base stations, broadband"),
               "annual", table="base_stations"),
            _s("industrial-parks", ("产业园区名录", "Industrial parks"),
               ("市级以上产业园区的名称、主导产业、规划面积和管理机构。",
                "Industrial parks with leading industries, planned area and management body."),
               "economy urban-planning",
               ("产业园区、开发区", "industrial parks, development zones"),
               "annual",
               link="XLSX"),
            _s("specialized-smes", ("专精特新中小企业名单", "Specialized and innovative SMEs"),
               ("当年认定的专精特新中小企业名称、所在区和主导产品。",
                "SMEs recognised as specialized and innovative in the year, with district and "
                "main product."),
               "economy science-technology", ("专精特新、中小企业", "SMEs, innovation"), "annual",
               link="XLSX", scope="year"),
            _s("data-centre-energy", ("数据中心能效", "Data centre energy efficiency"),
               ("数据中心机架数、年用电量和电能利用效率（PUE）。",
                "Racks, annual electricity use and power usage effectiveness (PUE) of data "
                "centres."),
               "energy science-technology", ("数据中心、PUE、能效", "data centres, PUE"),
               "annual", link="PDF", scope="year"),
            _s("key-energy-users-online",
               ("重点用能单位能耗在线监测", "Online energy monitoring of key users"),
               ("重点用能单位逐小时用电负荷、用电量、蒸汽和天然气用量。",
                "Hourly power load, electricity, steam and gas use of key energy users."),
               "energy", ("能耗监测、重点用能单位", "energy monitoring, industry"), "realtime",
               table="energy_online", level="conditional", grade="important"),
            _s("industrial-control-systems",
               ("工业控制系统台账", "Register of industrial control systems"),
               ("关键信息基础设施中工业控制系统的资产和漏洞信息。",
                "Assets and vulnerabilities of industrial control systems in critical "
                "infrastructure."),
               "science-technology public-safety",
               ("工控安全、关键信息基础设施", "ICS security, critical infrastructure"),
               "irregular", link="API", level="closed", grade="core"),
        ),
    ),
    _Department(
        "general-office", "市人民政府办公厅", "General Office of the Municipal People's Government",
        "bgt", "政务公开办公室",
        "负责市政府日常运转和政务公开，开放规范性文件、政府工作报告和政务公开数据。",
        "Runs the municipal government's business and open government; publishes normative "
        "documents, work reports and disclosure data.",
        (
            _s("normative-documents", ("市政府规范性文件", "Municipal normative documents"),
               ("市政府规范性文件的文号、标题、发布日期、有效期和效力状态。",
                "Municipal normative documents with number, title, date, validity and status."),
               "government", ("规范性文件、政策文件", "policy documents, regulations"),
               "irregular", table="gov_docs", scope="year"),
            _s("government-work-report", ("政府工作报告", "Government work report"),
               ("市长在市人民代表大会上所作的年度政府工作报告。",
                "The mayor's annual work report to the Municipal People's Congress."),
               "government", ("政府工作报告、施政目标", "government work report, policy goals"),
               "annual", link="PDF",
               scope="year"),
            _s("information-disclosure-reports",
               ("政府信息公开工作年度报告", "Annual reports on government information disclosure"),
               ("各部门主动公开信息数、收到依申请公开数量和答复情况。",
                "Proactively disclosed items, requests received and how they were answered, by "
                "department."),
               "government", ("政务公开、信息公开", "open government, disclosure"), "annual",
               table="disclosure"),
            _s("press-conferences", ("市政府新闻发布会", "Municipal press conferences"),
               ("新闻发布会的日期、主题、发布部门和实录。",
                "Press conferences with date, topic, department and transcript."),
               "government", ("新闻发布会、政策解读", "press conferences, policy briefings"),
               "irregular",
               link="XLSX", scope="year"),
            _s("policy-qa", ("政策问答库", "Policy Q&A"),
               ("常见政策问题及权威解答，按主题和部门分类。",
                "Common policy questions and official answers by topic and department."),
               "government",
               ("政策问答、政策解读", "policy Q&A, policy explanations"), "weekly", link="API"),
        ),
    ),
    _Department(
        "finance-bureau", "市财政局", "Municipal Finance Bureau", "czj", "信息中心",
        "负责全市财政收支、政府采购和国有资产管理，开放预算执行和政府采购数据。",
        "Manages public finances, government procurement and state assets; publishes budget "
        "and procurement data.",
        (
            _s("budget-execution",
               ("一般公共预算收支", "General public budget revenue and expenditure"),
               ("每月一般公共预算收入、税收收入和一般公共预算支出。",
                "Monthly general budget revenue, tax revenue and expenditure."),
               "government economy", ("财政收支、预算、税收", "budget, public finance"),
               "monthly", table="budget"),
            _s("procurement-awards", ("政府采购中标公告", "Government procurement awards"),
               ("政府采购项目的编号、名称、采购人、中标供应商、类别、金额和日期。",
                "Government procurement awards with project, purchaser, supplier, category, "
                "amount and date."),
               "government economy", ("政府采购、中标", "public procurement, contracts"),
               "daily", table="procurement", scope="year"),
            _s("three-public-expenses",
               ("部门“三公”经费", "Departmental \"three public expenses\""),
               ("各部门因公出国（境）、公务用车和公务接待经费决算。",
                "Spending on official travel abroad, official vehicles and official receptions, "
                "by department."),
               "government", ("三公经费、部门决算", "public spending, accountability"), "annual",
               table="three_public"),
            _s("government-debt", ("政府债务情况", "Government debt"),
               ("政府债务限额、余额和地方政府债券发行情况。",
                "Government debt limit, balance and local government bond issues."),
               "government economy", ("政府债务、地方债", "government debt, bonds"), "annual",
               link="PDF", scope="year"),
            _s("treasury-payments", ("国库集中支付明细", "Treasury payment records"),
               ("国库集中支付的单笔支付明细和收款账户。",
                "Individual treasury payments and payee accounts."),
               "government", ("国库支付、财政资金", "treasury payments, public funds"),
               "daily", link="API",
               level="closed", grade="important"),
        ),
    ),
)  # fmt: skip


_OTHER_ORGANIZATIONS: tuple[DemoOrganization, ...] = (
    DemoOrganization(
        "shudu-logistics", "数都物流集团有限公司", "Shudu Logistics Group Co., Ltd.", "enterprise",
        "城市配送和供应链服务企业，使用交通和货运数据优化线路与仓储布局。",
        "An urban delivery and supply-chain company that uses transport and freight data to "
        "plan routes and warehouses.",
    ),
    DemoOrganization(
        "yunfu-fintech", "云付金融科技有限公司", "Yunfu Fintech Co., Ltd.", "enterprise",
        "为中小企业提供普惠信贷和风控服务的金融科技企业，使用企业信用和经营数据。",
        "A fintech serving small businesses with credit and risk services, using enterprise "
        "credit and operating data.",
    ),
    DemoOrganization(
        "tuxing-maps", "图行地图科技有限公司", "Tuxing Map Technology Co., Ltd.", "enterprise",
        "导航地图和位置服务企业，使用地理信息、交通和兴趣点数据。",
        "A navigation and location services company that uses geographic, traffic and "
        "points-of-interest data.",
    ),
    DemoOrganization(
        "shudu-data-exchange", "数都数据交易所", "Shudu Data Exchange", "exchange",
        "持牌数据交易场所，负责数据产品挂牌、合规审核、交易撮合和交付监管。",
        "The licensed data exchange: lists data products, reviews compliance, brokers "
        "agreements and supervises delivery.",
    ),
    DemoOrganization(
        "cyberspace-affairs-office", "市网信办", "Municipal Cyberspace Affairs Office", "regulator",
        "负责网络安全、数据安全和个人信息保护的统筹监管，监督数据交易活动。",
        "Co-ordinates oversight of cybersecurity, data security and personal information "
        "protection, and supervises data trading.",
    ),
)  # fmt: skip

_CADENCE = {
    "realtime": ("实时", "in real time"),
    "daily": ("每日", "daily"),
    "weekly": ("每周", "weekly"),
    "monthly": ("每月", "monthly"),
    "quarterly": ("每季度", "quarterly"),
    "annual": ("每年", "annually"),
    "irregular": ("不定期", "irregularly"),
}
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_BASE_URL = "https://data.example.gov.cn"


@dataclass(frozen=True, slots=True)
class _Variant:
    district: _District | None = None
    year: int | None = None


def _organizations() -> tuple[DemoOrganization, ...]:
    departments = tuple(
        DemoOrganization(d.name, d.title_zh, d.title_en, "department", d.duty_zh, d.duty_en)
        for d in _DEPARTMENTS
    )
    return departments + _OTHER_ORGANIZATIONS


def _all_years(subject: _Subject) -> list[int]:
    return list(range(subject.years[1], subject.years[0] - 1, -1))


def _next_variant(rng: random.Random, subject: _Subject, taken: list[_Variant]) -> _Variant | None:
    """A variant of the subject not made yet: another district, or the latest year not made."""
    if subject.scope == "district":
        used = {v.district for v in taken}
        free = [d for d in subject.among if d not in used]
        return _Variant(district=rng.choice(free)) if free else None
    if subject.scope == "year":
        years = {v.year for v in taken}
        return next((_Variant(year=y) for y in _all_years(subject) if y not in years), None)
    return None if taken else _Variant()


def _plan(rng: random.Random) -> list[tuple[_Department, _Subject, _Variant]]:
    """Every subject once, then more districts and years, round-robin, up to the targets."""
    subjects = [(dept, s) for dept in _DEPARTMENTS for s in dept.subjects]
    made: dict[str, list[_Variant]] = {}
    for _, s in subjects:
        first = _next_variant(rng, s, [])
        assert first is not None
        made[s.key] = [first]
    for level, target in (("open", _TARGET_OPEN), ("conditional", _TARGET_CONDITIONAL)):
        growable = [s for _, s in subjects if s.level == level and s.scope != "city"]
        count = sum(len(made[s.key]) for _, s in subjects if s.level == level)
        misses = 0
        i = 0
        while count < target and misses < len(growable):
            subject = growable[i % len(growable)]
            i += 1
            variant = _next_variant(rng, subject, made[subject.key])
            if variant is None:
                misses += 1
                continue
            misses = 0
            made[subject.key].append(variant)
            count += 1

    def order(v: _Variant) -> tuple[int, int]:
        return (v.district.code if v.district else 0, -(v.year or 0))

    return [(dept, s, v) for dept, s in subjects for v in sorted(made[s.key], key=order)]


def _slug(subject: _Subject, variant: _Variant) -> str:
    if variant.district is not None:
        return f"{subject.key}-{variant.district.slug}"
    if variant.year is not None:
        return f"{subject.key}-{variant.year}"
    return subject.key


def _period_end(year: int) -> date:
    return date(2025, _LAST_MONTH_2025, 30) if year == 2025 else date(year, 12, 31)


def _at(day: date, rng: random.Random) -> datetime:
    """A working-hours moment (UTC) on the given day."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(
        hours=rng.randint(1, 9), minutes=rng.randint(0, 59)
    )


def _dates(rng: random.Random, subject: _Subject, variant: _Variant) -> tuple[datetime, datetime]:
    cutoff = _CUTOFF - timedelta(minutes=rng.randint(5, 600))
    if variant.year is not None:
        year = variant.year
        if subject.frequency == "annual":
            issued = _at(date(year + 1, 3, 1) + timedelta(days=rng.randint(0, 90)), rng)
            modified = issued + timedelta(days=rng.randint(0, 40), hours=rng.randint(0, 8))
        else:
            issued = _at(date(year, 2, 1) + timedelta(days=rng.randint(0, 20)), rng)
            modified = _at(_period_end(year) + timedelta(days=rng.randint(3, 30)), rng)
        return issued, min(max(issued, modified), cutoff)
    issued = _FIRST_ISSUE + timedelta(days=rng.randint(0, 1700), minutes=rng.randint(0, 600))
    lag = {
        "realtime": timedelta(minutes=rng.randint(0, 30)),
        "daily": timedelta(hours=rng.randint(1, 30)),
        "weekly": timedelta(days=rng.uniform(0, 7)),
        "monthly": timedelta(days=rng.uniform(0, 31)),
        "quarterly": timedelta(days=rng.uniform(0, 92)),
        "annual": timedelta(days=rng.uniform(0, 300)),
    }.get(subject.frequency, timedelta(days=rng.uniform(0, (_CUTOFF - issued).days)))
    modified = (cutoff - lag).replace(microsecond=0)
    return issued, max(issued, modified)


def _temporal(
    subject: _Subject, variant: _Variant, issued: datetime
) -> tuple[date | None, date | None]:
    if variant.year is not None:
        return date(variant.year, 1, 1), _period_end(variant.year)
    if subject.frequency in ("realtime", "daily"):
        return issued.date(), None  # a running feed since it was first published
    if subject.table is None or subject.table in _DIRECTORY_TABLES:
        return None, None  # documents, or a directory of what exists now
    return date(subject.years[0], 1, 1), _period_end(subject.years[1])


# Tables that describe what exists now rather than a period of time.
_DIRECTORY_TABLES = frozenset(
    (
        "schools",
        "kindergartens",
        "hospitals",
        "community_health",
        "ev_chargers",
        "parking",
        "markets",
        "elderly_care",
        "heritage",
        "attractions",
        "hotels",
        "cultural_venues",
        "sports_venues",
        "pharmacies",
        "shelters",
        "public_toilets",
        "parks",
        "incubators",
        "coops",
        "polluters",
        "rivers",
        "ancient_trees",
        "police_stations",
        "service_centres",
        "canteens",
        "social_insurance_points",
        "fire_stations",
        "training_schools",
        "bus_routes",
        "weather_stations",
        "housing_projects",
    )
)


def _csv_bytes(table: _Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.columns)
    writer.writerows(table.rows)
    return out.getvalue().encode("utf-8")


def _json_bytes(table: _Table) -> bytes:
    records = [dict(zip(table.columns, row, strict=True)) for row in table.rows]
    return json.dumps(records, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _resources(
    rng: random.Random,
    dept: _Department,
    subject: _Subject,
    name: str,
    title: tuple[str, str],
    scope: _Scope,
) -> tuple[DemoResource, ...]:
    zh, en = title
    files = f"{_BASE_URL}/files/{dept.mailbox}/{name}"
    api = DemoResource(
        f"{zh}数据接口",
        f"{en} API",
        "按条件查询记录，返回 JSON / Query the records as JSON"
        + ("（需授权） / licensed access only" if subject.level == "conditional" else ""),
        "API",
        "application/json",
        None,
        f"{_BASE_URL}/api/{dept.mailbox}/{name}/v1",
    )
    if subject.level == "closed":
        return (
            DemoResource(
                f"{zh}（内部接口）",
                f"{en} (internal API)",
                "仅限共享使用 / Restricted to sharing",
                "API",
                "application/json",
                None,
                f"{_BASE_URL}/restricted/{dept.mailbox}/{name}",
            ),
        )
    if subject.table is None:
        kind = subject.link or "XLSX"
        main = {
            "API": api,
            "PDF": DemoResource(
                f"{zh}（PDF）",
                f"{en} (PDF)",
                "报告全文 / Full report",
                "PDF",
                "application/pdf",
                None,
                f"{files}.pdf",
            ),
            "XLSX": DemoResource(
                f"{zh}（Excel）",
                f"{en} (Excel)",
                "数据表 / Data workbook",
                "XLSX",
                _XLSX,
                None,
                f"{files}.xlsx",
            ),
        }[kind]
        extra: tuple[DemoResource, ...] = ()
        if kind == "XLSX" and rng.random() < 0.3:
            extra = (api,)
        elif kind == "PDF" and rng.random() < 0.25:
            extra = (
                DemoResource(
                    f"{zh}附表",
                    f"{en}: tables",
                    "附表 / Annex tables",
                    "XLSX",
                    _XLSX,
                    None,
                    f"{files}-tables.xlsx",
                ),
            )
        return (main, *extra)
    table = _TABLES[subject.table](rng, scope)
    csv_resource = DemoResource(
        zh,
        en,
        f"CSV（UTF-8），{len(table.rows)} 行 / {len(table.rows)} rows; "
        f"columns: {', '.join(table.columns)}",
        "CSV",
        "text/csv",
        _csv_bytes(table),
        None,
    )
    out = [csv_resource]
    if len(table.rows) <= 200 and rng.random() < 0.3:
        out.append(
            DemoResource(
                f"{zh}（JSON）",
                f"{en} (JSON)",
                "与 CSV 相同的记录，对象数组 / The same records as a JSON array of objects",
                "JSON",
                "application/json",
                _json_bytes(table),
                None,
            )
        )
    if subject.level == "conditional" or rng.random() < 0.2:
        out.append(api)
    return tuple(out)


def _dataset(seed: int, dept: _Department, subject: _Subject, variant: _Variant) -> DemoDataset:
    name = _slug(subject, variant)
    rng = random.Random(f"{seed}/{name}")  # one stream per dataset (see module docstring)
    title_zh, title_en = subject.title_zh, subject.title_en
    scope_zh = scope_en = ""
    keywords_zh, keywords_en = subject.keywords_zh, subject.keywords_en
    spatial = _CITY_WIDE
    if variant.district is not None:
        d = variant.district
        title_zh, title_en = f"{d.zh}{title_zh}", f"{title_en} ({d.en})"
        scope_zh, scope_en = f"范围为{d.zh}。", f" Covers {d.en}."
        keywords_zh, keywords_en = (*keywords_zh, d.zh)[:5], (*keywords_en, d.en)[:5]
        spatial = f"{d.zh} / {d.en}"
    if variant.year is not None:
        title_zh, title_en = f"{variant.year}年{title_zh}", f"{title_en}, {variant.year}"
        scope_zh, scope_en = f"统计期为{variant.year}年。", f" Reporting period: {variant.year}."
    cadence_zh, cadence_en = _CADENCE[subject.frequency]
    if subject.level == "conditional":
        source_zh = f"数据由{dept.title_zh}提供，经授权后使用，{cadence_zh}更新。"
        source_en = f" Provided by the {dept.title_en} to licensed users; updated {cadence_en}."
    else:
        source_zh = f"数据由{dept.title_zh}提供，{cadence_zh}更新。"
        source_en = f" Provided by the {dept.title_en}; updated {cadence_en}."
    issued, modified = _dates(rng, subject, variant)
    start, end = _temporal(subject, variant, issued)
    years = (variant.year, variant.year) if variant.year is not None else subject.years
    scope = _Scope(variant.district, years)
    resources = _resources(rng, dept, subject, name, (title_zh, title_en), scope)
    license_id = rng.choices(_LICENSES, _LICENSE_WEIGHTS)[0] if subject.level == "open" else None
    return DemoDataset(
        name=name,
        title_zh=title_zh,
        title_en=title_en,
        description_zh=f"{subject.about_zh}{scope_zh}{source_zh}",
        description_en=f"{subject.about_en}{scope_en}{source_en}",
        organization=dept.name,
        themes=subject.themes,
        keywords_zh=keywords_zh,
        keywords_en=keywords_en,
        license=license_id,
        open_level=subject.level,
        grade=subject.grade,
        update_frequency=subject.frequency,
        temporal_start=start,
        temporal_end=end,
        spatial=spatial,
        issued=issued,
        modified=modified,
        version=f"{rng.randint(1, 3)}.{rng.randint(0, 9)}",
        contact_name=f"{dept.title_zh}{dept.office_zh}",
        contact_email=f"data@{dept.mailbox}.example.gov.cn",
        resources=resources,
    )


def build_demo_catalog(seed: int = 20261123) -> DemoCatalog:
    """Generate the demo catalog; the same seed always gives the same catalog."""
    plan = _plan(random.Random(seed))
    datasets = tuple(_dataset(seed, dept, subject, variant) for dept, subject, variant in plan)
    return DemoCatalog(themes=THEMES, organizations=_organizations(), datasets=datasets)
