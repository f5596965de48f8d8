"""A judged relevance set over the demo catalog: query → {dataset-name pattern: grade}.

Grades: 2 = what the person is looking for, 1 = related and useful. Patterns match dataset
names (the demo's subjects, with year and district variants), judged by reading the demo's
titles and descriptions, not by looking at what any engine returns.
"""

from __future__ import annotations

JUDGMENTS: dict[str, dict[str, int]] = {
    # Chinese
    "公交": {r"^bus-routes": 2, r"^bus-realtime-arrivals": 2},
    "空气质量": {r"^air-quality-monthly": 2, r"^air-station-readings": 1},
    "充电桩": {r"^ev-charging-points": 2},
    "停车场": {r"^public-car-parks": 2},
    "客流": {
        r"^metro-ridership": 2,
        r"^attraction-visitor-flows": 2,
        r"^shopping-district-footfall": 2,
    },
    "医院床位": {r"^hospital-beds": 2},
    "幼儿园": {r"^kindergartens": 2},
    "中小学": {r"^schools-": 2},
    "养老机构": {r"^elderly-care-institutions": 2, r"^elderly-canteens": 1},
    "菜市场": {r"^wet-markets": 2},
    "文物保护": {r"^heritage-sites": 2},
    "新建商品住宅": {r"^new-housing-transactions": 2},
    "水质": {r"^river-water-quality": 2, r"^drinking-water-quality": 2},
    "天气预报": {r"^district-forecast": 2, r"^gridded-weather": 1},
    "垃圾分类": {r"^household-waste": 2},
    "体育场馆": {r"^public-sports-venues": 2},
    "企业信用": {r"^enterprise-credit-evaluation": 2},
    "医保": {
        r"^designated-pharmacies": 2,
        r"^medical-insurance-fund": 2,
        r"^designated-medical-institutions": 2,
        r"^settlements-by-disease": 2,
        r"^volume-based-procurement-drugs": 1,
    },
    "招聘会": {r"^job-fairs": 2},
    "应急避难场所": {r"^emergency-shelters": 2},
    "高新技术企业": {r"^high-tech-enterprises": 2},
    "专利": {r"^patent-statistics": 2},
    "用电量": {r"^electricity-by-industry": 2},
    "政府采购": {r"^procurement-awards": 2},
    "地铁": {r"^metro-ridership": 2},
    "网约车": {r"^ride-hailing-trajectories": 2},
    # English
    "bus": {r"^bus-routes": 2, r"^bus-realtime-arrivals": 2},
    "air quality": {r"^air-quality-monthly": 2, r"^air-station-readings": 1},
    "hospital beds": {r"^hospital-beds": 2},
    "kindergartens": {r"^kindergartens": 2},
    "charging points": {r"^ev-charging-points": 2},
    "car parks": {r"^public-car-parks": 2},
    "metro ridership": {r"^metro-ridership": 2},
    "water quality": {r"^river-water-quality": 2, r"^drinking-water-quality": 2},
    "weather forecasts": {r"^district-forecast": 2, r"^gridded-weather": 1},
    "heritage": {r"^heritage-sites": 2, r"^intangible-heritage": 2},
    "elderly care": {r"^elderly-care-institutions": 2, r"^elderly-canteens": 1},
    "housing": {
        r"^new-housing-transactions": 2,
        r"^affordable-rental-housing": 2,
        r"^rental-market-monitoring": 2,
    },
    "credit evaluation": {r"^enterprise-credit-evaluation": 2},
    "pharmacies": {r"^designated-pharmacies": 2},
    "job fairs": {r"^job-fairs": 2},
    "tourism statistics": {r"^tourism-statistics": 2},
    "traffic accidents": {r"^traffic-accidents": 2},
    "electricity consumption": {r"^electricity-by-industry": 2},
    "government procurement": {r"^procurement-awards": 2},
    "population": {r"^resident-population": 2, r"^population-heat-map": 2},
    "marathon": {r"^sports-events": 2},
    "PM2.5": {r"^air-quality-monthly": 2, r"^air-station-readings": 1},
    "ride-hailing": {r"^ride-hailing-trajectories": 2},
    '"public toilets"': {r"^public-toilets": 2},
}

# The same needs as people type them otherwise.
# See docs/architecture.md, "Search text analysis". Each class is derived from a judged
# Chinese query and carries its judgments: the same need, typed otherwise.
CHINESE = {q: j for q, j in JUDGMENTS.items() if any("\u4e00" <= c <= "\u9fff" for c in q)}


def _traditional(text: str) -> str:
    import opencc

    return str(opencc.OpenCC("s2twp").convert(text))  # Taiwan's words and characters


def _pinyin(text: str) -> list[str]:
    from pypinyin import lazy_pinyin

    return lazy_pinyin(text)


TRADITIONAL = {_traditional(q): j for q, j in CHINESE.items() if _traditional(q) != q}
PINYIN = {"".join(_pinyin(q)): j for q, j in CHINESE.items()}
PINYIN_SPACED = {" ".join(_pinyin(q)): j for q, j in CHINESE.items() if len(q) > 2}
INITIALS = {"".join(s[0] for s in _pinyin(q)): j for q, j in CHINESE.items() if len(q) >= 3}
# Everyday words that are not the titles' own (catalog/search/synonyms.txt).
SYNONYMS: dict[str, dict[str, int]] = {
    "巴士": JUDGMENTS["公交"],
    "公共汽车": JUDGMENTS["公交"],
    "城市轨道交通": JUDGMENTS["地铁"],
    "捷运": JUDGMENTS["地铁"],
    "停车库": JUDGMENTS["停车场"],
    "充电站": JUDGMENTS["充电桩"],
    "托幼机构": JUDGMENTS["幼儿园"],
    "空气品质": JUDGMENTS["空气质量"],
    "subway": JUDGMENTS["metro ridership"],
    "網約車": JUDGMENTS["网约车"],
}
# Two words glued that stand apart (or in another order) in the titles.
GLUED: dict[str, dict[str, int]] = {
    "地铁客流": {r"^metro-ridership": 2},
    "医院床位数": JUDGMENTS["医院床位"],
    "空气质量月报": {r"^air-quality-monthly": 2},
    "公交线路站点": {r"^bus-routes": 2},
}

# Other forms of the English words (stems: catalog.search.text.stem).
ENGLISH_FORMS: dict[str, dict[str, int]] = {
    "hospital bed": JUDGMENTS["hospital beds"],
    "hospitals": JUDGMENTS["hospital beds"],
    "kindergarten": JUDGMENTS["kindergartens"],
    "charging point": JUDGMENTS["charging points"],
    "car park": JUDGMENTS["car parks"],
    "weather forecast": JUDGMENTS["weather forecasts"],
    "pharmacy": JUDGMENTS["pharmacies"],
    "job fair": JUDGMENTS["job fairs"],
    "traffic accident": JUDGMENTS["traffic accidents"],
    "tourism statistic": JUDGMENTS["tourism statistics"],
    "procured by government": JUDGMENTS["government procurement"],
    "marathons": JUDGMENTS["marathon"],
    "public toilet": JUDGMENTS['"public toilets"'],
    "evaluations of credit": JUDGMENTS["credit evaluation"],
    "charging": JUDGMENTS["charging points"],
}
ENGLISH = {
    q: j
    for q, j in JUDGMENTS.items()
    if q.isascii() and q.replace(" ", "").isalpha() and any(len(w) >= 5 for w in q.split())
}


def _typo(query: str, how: str) -> str | None:
    """One edit in the middle of the query's first word that stays five letters or more."""
    words = query.split()
    shortest = 5 if how == "swap" else 6
    i = next((n for n, w in enumerate(words) if len(w) >= shortest), None)
    if i is None:
        return None
    word, mid = words[i], len(words[i]) // 2
    if how == "swap":
        words[i] = word[: mid - 1] + word[mid] + word[mid - 1] + word[mid + 1 :]
    else:
        words[i] = word[:mid] + word[mid + 1 :]
    return " ".join(words)


# Typed in a hurry: two letters swapped, or one left out (one edit, forgiven).
ENGLISH_TYPOS = {
    typo: j
    for q, j in ENGLISH.items()
    for how in ("swap", "drop")
    if (typo := _typo(q, how)) is not None
}

CLASSES: dict[str, dict[str, dict[str, int]]] = {
    "today's 50": JUDGMENTS,
    "traditional": TRADITIONAL,
    "pinyin": PINYIN,
    "pinyin, spaced": PINYIN_SPACED,
    "initials": INITIALS,
    "synonyms": SYNONYMS,
    "glued words": GLUED,
    "english forms": ENGLISH_FORMS,
    "english typos": ENGLISH_TYPOS,
}
