"""Government tables: policy documents, disclosure, budgets, procurement, open data, hotline."""

from __future__ import annotations

import random
from datetime import date

from demo.subjects import DEPARTMENTS
from demo.tables.base import (
    Cell,
    Scope,
    Table,
    company,
    growth_factor,
    random_day,
    shock,
    tables_in,
    unique,
    weighted,
)
from demo.tables.shapes import category_panel, series, service_table


def _department_titles() -> list[str]:
    return [dept.title_zh for dept in DEPARTMENTS]


def _t_gov_docs(rng: random.Random, scope: Scope) -> Table:
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
        title = unique(used, rng, "关于", verbs, topics, "的", kinds)
        issued = random_day(rng, year)
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
    return Table(("doc_number", "title", "issued_on", "valid_until", "status"), tuple(rows))


def _t_disclosure(rng: random.Random, scope: Scope) -> Table:
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
    return Table(columns, tuple(rows))


def _t_budget(rng: random.Random, scope: Scope) -> Table:
    def values(year: int, month: int) -> tuple[Cell, ...]:
        revenue = 650 * growth_factor(year, 0.03) * shock(year, month) * rng.uniform(0.8, 1.2)
        tax = revenue * rng.uniform(0.82, 0.9)
        spending = (
            680 * growth_factor(year, 0.04) * rng.uniform(0.75, 1.3) * (1.6 if month == 12 else 1)
        )
        return round(revenue, 1), round(tax, 1), round(spending, 1)

    return series(
        scope, "month", "revenue_100m_yuan tax_revenue_100m_yuan expenditure_100m_yuan", values
    )


def _t_procurement(rng: random.Random, scope: Scope) -> Table:
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
        supplier = company(rng, trade)
        amount = round(rng.uniform(20, 2500) if category != "工程" else rng.uniform(200, 6000), 2)
        rows.append(
            (
                f"DSCG-{year}-{n:04d}",
                f"{buyer}{year}年度{item}项目",
                buyer,
                supplier,
                category,
                amount,
                random_day(rng, year).isoformat(),
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
    return Table(columns, tuple(rows))


def _t_three_public(rng: random.Random, scope: Scope) -> Table:
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
    return Table(columns, tuple(rows))


def _t_open_data_stats(rng: random.Random, scope: Scope) -> Table:
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

    return series(
        scope, "month", "open_datasets open_apis data_items_100m downloads api_calls_10k", values
    )


def _t_hotline(rng: random.Random, scope: Scope) -> Table:
    kinds = weighted(
        "城市管理:9 住房物业:8 交通出行:6 劳动保障:5 市场监管:6 环境保护:4 "
        "公共安全:3 医疗卫生:4 教育:3 政策咨询:7"
    )

    def values(_: str, weight: float, year: int, month: int) -> tuple[Cell, ...]:
        surge = 2.5 if (year, month) in ((2020, 2), (2022, 4), (2022, 5)) else 1.0
        calls = int(weight * 9000 * surge * rng.uniform(0.85, 1.15))
        return calls, round(rng.uniform(93, 99.5), 1), round(rng.uniform(86, 96), 1)

    return category_panel(
        scope, "month", "category", kinds, "tickets resolved_pct satisfaction_pct", values
    )


_t_service_centres = service_table(
    ("{d}", "{t}", "社区事务受理服务中心"),
    ("09:00-17:00", "08:30-17:00", "09:00-17:00（周六上午）"),
)


# Every ``_t_<kind>`` generator above, by kind; subjects name their table by that kind.
TABLES = tables_in(globals())
