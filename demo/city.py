"""The demo city: Shanghai's districts with their roads and sub-districts, and the name stems.

Fixed data every table draws on; nothing here is seeded. The two reference points at the top are
the ones the tables share; the builder keeps its own (the cut-off, the first issue).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

SNAPSHOT_DAY = date(2025, 10, 31)  # the day real-time samples are taken from
LAST_MONTH_2025 = 9  # statistics for 2025 run to September


@dataclass(frozen=True, slots=True)
class District:
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
) -> District:
    population, area, gdp, lng, lat = figures
    slug = en.split()[0].lower().replace("'", "")
    return District(
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


DISTRICTS: tuple[District, ...] = (
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

BY_SLUG = {d.slug: d for d in DISTRICTS}
POPULATION = tuple(d.population for d in DISTRICTS)
# Districts with farmland, for agricultural subjects.
RURAL = tuple(BY_SLUG[s] for s in (
    "minhang", "baoshan", "jiading", "pudong", "jinshan", "songjiang", "qingpu", "fengxian",
    "chongming",
))  # fmt: skip

CN_DIGITS = "〇一二三四五六七八九十"
STEMS = (
    "育才", "实验", "光明", "向阳", "新华", "复兴", "阳光", "启明", "和平", "东方", "明德", "博文",
    "致远", "卓越", "星光", "晨曦", "春晖", "枫林", "江湾", "滨江", "华山", "延安", "建设", "民生",
    "福寿", "长青", "锦绣", "金色", "求真", "行知", "崇文", "尚德", "新城", "梅园", "桂林", "海棠",
    "紫荆", "樱花", "翠竹", "青松", "白玉", "明珠", "世纪", "未来",
)  # fmt: skip
COMPANY_STEMS = (
    "恒信", "华鑫", "瑞丰", "嘉禾", "鼎晟", "宏达", "众诚", "博远", "新锐", "同创", "云智", "天衡",
    "汇通", "启航", "佳和", "华腾", "锦程", "德尚", "信诚", "立达", "海纳", "远景", "卓创", "申达",
    "沪联", "绿洲", "蓝海", "金桥", "银河", "星河",
)  # fmt: skip


def town_short(town: str) -> str:
    """Drop the 街道/镇/乡 suffix where the remaining name still reads as a place name."""
    if town.endswith("街道"):
        return town.removesuffix("街道")
    if town[-1] in "镇乡" and len(town) > 2:
        return town[:-1]
    return town


def short_towns(d: District) -> tuple[str, ...]:
    return tuple(town_short(t) for t in d.towns)
