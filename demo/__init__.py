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

The modules, in the order they build on each other: ``model`` (the public types and the themes),
``city`` (districts and the names everything is made of), ``tables`` (a generator per kind of
CSV, one module per domain), ``subjects`` (what each department publishes), ``plan`` (which
datasets there are) and ``build`` (each planned dataset's metadata and resources).
"""

from __future__ import annotations

from demo.build import build_demo_catalog
from demo.model import (
    THEMES,
    DemoCatalog,
    DemoDataset,
    DemoOrganization,
    DemoResource,
    DemoTheme,
    Grade,
    OpenLevel,
)

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
