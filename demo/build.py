"""From the plan to ``DemoDataset`` values: titles, descriptions, dates, licences, resources.

Each dataset draws from its own generator, seeded with the catalog's seed and the dataset's name
(see the package docstring).
"""

from __future__ import annotations

import csv
import io
import json
import random
from datetime import UTC, date, datetime, timedelta

from demo.city import LAST_MONTH_2025
from demo.model import THEMES, DemoCatalog, DemoDataset, DemoOrganization, DemoResource
from demo.plan import Variant, plan_datasets
from demo.subjects import DEPARTMENTS, Department, Subject
from demo.tables import DIRECTORY_TABLES, TABLES
from demo.tables.base import Scope, Table

# Fixed reference points: the catalog is "as of" the cut-off; nothing is newer.
_CUTOFF = datetime(2025, 11, 1, tzinfo=UTC)
_FIRST_ISSUE = datetime(2019, 3, 1, tzinfo=UTC)

_LICENSES = ("CC-BY-4.0", "CC0-1.0", "CC-BY-SA-4.0", "ODC-BY-1.0", "ODbL-1.0", "PDDL-1.0")
_LICENSE_WEIGHTS = (70, 10, 6, 6, 5, 3)

_CITY_WIDE = "全市 / City-wide"


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


def _organizations() -> tuple[DemoOrganization, ...]:
    departments = tuple(
        DemoOrganization(d.name, d.title_zh, d.title_en, "department", d.duty_zh, d.duty_en)
        for d in DEPARTMENTS
    )
    return departments + _OTHER_ORGANIZATIONS


def _slug(subject: Subject, variant: Variant) -> str:
    if variant.district is not None:
        return f"{subject.key}-{variant.district.slug}"
    if variant.year is not None:
        return f"{subject.key}-{variant.year}"
    return subject.key


def _period_end(year: int) -> date:
    return date(2025, LAST_MONTH_2025, 30) if year == 2025 else date(year, 12, 31)


def _at(day: date, rng: random.Random) -> datetime:
    """A working-hours moment (UTC) on the given day."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(
        hours=rng.randint(1, 9), minutes=rng.randint(0, 59)
    )


def _dates(rng: random.Random, subject: Subject, variant: Variant) -> tuple[datetime, datetime]:
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
    subject: Subject, variant: Variant, issued: datetime
) -> tuple[date | None, date | None]:
    if variant.year is not None:
        return date(variant.year, 1, 1), _period_end(variant.year)
    if subject.frequency in ("realtime", "daily"):
        return issued.date(), None  # a running feed since it was first published
    if subject.table is None or subject.table in DIRECTORY_TABLES:
        return None, None  # documents, or a directory of what exists now
    return date(subject.years[0], 1, 1), _period_end(subject.years[1])


def _csv_bytes(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.columns)
    writer.writerows(table.rows)
    return out.getvalue().encode("utf-8")


def _json_bytes(table: Table) -> bytes:
    records = [dict(zip(table.columns, row, strict=True)) for row in table.rows]
    return json.dumps(records, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _resources(
    rng: random.Random,
    dept: Department,
    subject: Subject,
    name: str,
    title: tuple[str, str],
    scope: Scope,
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
    table = TABLES[subject.table](rng, scope)
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


def _dataset(seed: int, dept: Department, subject: Subject, variant: Variant) -> DemoDataset:
    name = _slug(subject, variant)
    # Seeded, not secure, on purpose (S311): one reproducible stream per dataset (see the
    # package docstring).
    rng = random.Random(f"{seed}/{name}")
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
    scope = Scope(variant.district, years)
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
    plan = plan_datasets(random.Random(seed))
    datasets = tuple(_dataset(seed, dept, subject, variant) for dept, subject, variant in plan)
    return DemoCatalog(themes=THEMES, organizations=_organizations(), datasets=datasets)
