"""The harvest-source form, shared by the site admin's console and the publisher console: its
fields, the step it asks for (add, or run now), and the service's refusals as words per field.

Who may do what is ``catalog.harvest.services.HarvestSourceService``'s rule; this module only
turns the form into its calls (docs/architecture.md, "Organizations and consoles").
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request

from api.html import page_language
from api.i18n import N_, translate
from catalog.harvest.services import HarvestSourceService
from core.errors import Conflict, ShuduError, ValidationFailed

FIELDS = ("name", "kind", "url", "interval", "organization")
DONE = {
    "harvest_added": N_("采集来源已添加，会按设定的间隔自动运行。"),
    "harvest_started": N_("采集已开始；完成后，结果显示在下面的表格里。"),
}
# What to fix, by form field; the service's ``type`` is the form's ``kind``, its ``limits``
# the interval (the only limit the form sets).
FIELD_WORDS = {
    "name": N_("名称用小写字母、数字和连字符，且不能与已有的来源重复。"),
    "kind": N_("请选择来源的类型。"),
    "url": N_("请填写以 http:// 或 https:// 开头的网址。"),
    "interval": N_("间隔是分钟数，只能是整数；0 表示只手动运行。"),
    "organization": N_("请选择采集的数据集由哪个部门发布。"),
}
NAME_TAKEN = N_("已有同名的采集来源，请换一个名称。")
SERVICE_FIELDS = {"type": "kind", "limits": "interval"}


def values_of(form: Mapping[str, str]) -> dict[str, str]:
    return {k: form.get(k, "").strip() for k in FIELDS}


def minutes(text: str) -> int:
    """The interval field as minutes; what is not a whole number becomes -1, which the
    service refuses as out of range (after it has checked who is asking)."""
    text = text or "1440"
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 7 else -1


def step(
    service: HarvestSourceService, action: str, values: Mapping[str, str], source: str
) -> tuple[str, str]:
    """Add a source or check that one may run now: (what was done, its department's name).
    The run itself starts after the transaction, in the background (``run_source``)."""
    if action == "add":
        added = service.add(
            values["name"],
            values["kind"],
            values["url"],
            organization=values["organization"] or None,
            interval_minutes=minutes(values["interval"]),
        )
        return "harvest_added", added.organization.name
    if action == "run":
        return "harvest_started", service.check_run(source).organization.name
    raise ValidationFailed("Unknown action", {"action": ["not a form action"]})


def errors_of(
    request: Request, exc: ShuduError, *, organization: str | None = None
) -> dict[str, str]:
    """The service's refusal as a message next to each field of the add form
    (``organization``: the console's own words for that field, if it differs)."""
    language = page_language(request)
    details = exc.details if isinstance(exc.details, Mapping) else {}
    words = {**FIELD_WORDS, **({"organization": organization} if organization else {})}
    errors: dict[str, str] = {}
    for key in details:
        field = SERVICE_FIELDS.get(key, key)
        if field == "name" and isinstance(exc, Conflict):
            errors[field] = translate(language, NAME_TAKEN)
        else:
            errors.setdefault(
                field if field in words else "name",
                translate(language, words.get(field, words["name"])),
            )
    return errors or {"name": translate(language, words["name"])}
