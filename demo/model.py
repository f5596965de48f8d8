"""The demo catalog's public types and its themes: what ``build_demo_catalog`` returns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

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
