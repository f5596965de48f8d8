"""The publisher console (``/console/publish``): department staff list their datasets, create
and edit them in a bilingual form, upload tables and read the load report, set each field's
sensitivity, review the personal-data detector's findings, publish and withdraw, and read the
history, and manage the harvest sources that publish into the department — all without
calling an API.

Every rule is the services' (``catalog.services.DatasetService``,
``catalog.datastore.services.DatastoreService``,
``catalog.harvest.services.HarvestSourceService``), called as the JSON API calls them
(``api/v1/datasets.py``, ``resources.py``, ``datastore.py``); the schema is
``catalog.schemas``. This module only turns forms into those calls and their answers into words:
a pydantic or service field error becomes a message in the page's language next to its field.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import quote

from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from api.access.auth import CSRF_FORM_FIELD, check_csrf
from api.html import (
    error_page,
    here,
    login_url,
    page_language,
    read_form,
    read_form_data,
    render,
)
from api.http import parse_model
from api.i18n import N_, translate
from api.representations.catalog import dataset_json
from api.state import app_state, in_transaction
from api.uploads import receive_upload
from api.web import harvest_forms
from api.web.console import form_page, refused, signed_in
from catalog.datastore.fields import Sensitivity
from catalog.datastore.models import IngestState
from catalog.datastore.services import DatastoreService, tabular_format
from catalog.harvest.models import SOURCE_KINDS, HarvestRun, HarvestSource
from catalog.harvest.services import HarvestSourceService, run_source
from catalog.licenses import OPEN_LICENSES
from catalog.models import Dataset, DatasetRevision, Frequency, Grade, OpenLevel
from catalog.reads import dataset_now
from catalog.schemas import DatasetCreate, DatasetUpdate, ResourceCreate
from catalog.search.misses import SearchMissService
from catalog.services import DatasetService, ThemeService
from core.errors import (
    BadRequest,
    Conflict,
    NotAuthenticated,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    ShuduError,
    UnsupportedMediaType,
    ValidationFailed,
)
from core.identity.models import User
from core.identity.principal import Principal
from core.identity.services import OrganizationService

T = TypeVar("T")
HOME = "/console/publish"
PAGE_SIZE = 50
FORM_FIELDS = 120  # the dataset form: its fields and one checkbox per theme

# -- words -------------------------------------------------------------------------------------

# Field errors, from the schema's error types and the services' field messages.
REQUIRED = N_("请填写这一项")
TOO_LONG = N_("太长了：最多 %(max)s 个字符")
TOO_MANY = N_("太多了：最多 %(max)s 个")
CHOICE = N_("请从给出的选项中选择")
NOT_A_DATE = N_("不是有效的日期：请按“年-月-日”填写，例如 2025-01-31")
NAME_SHAPE = N_("只能用小写英文字母、数字和连字符（-），3 到 100 个字符，首尾是字母或数字")
TITLE_ONE = N_("请至少填写中文标题或英文标题")
DATES_ORDER = N_("开始日期不能晚于结束日期")
EMAIL = N_("请填写有效的电子邮箱地址，例如 name@example.cn")
CORE_CLOSED = N_("核心数据只能选“非开放”")
LICENCE_NEEDED = N_("无条件开放的数据必须选择一个开放许可")
LICENCE_EMPTY = N_("只有无条件开放的数据带开放许可；其他开放类型请选“不适用”")
NAME_TAKEN = N_("这个网址名称已被使用，请换一个")
INVALID = N_("这一项填写有误，请检查")
SUMMARY_LINE = N_("%(field)s：%(problem)s")

# The form's field names (the anchors the error summary links to).
FIELD_LABELS = {
    "organization": N_("发布部门"),
    "name": N_("网址名称"),
    "title_zh": N_("中文标题"),
    "title_en": N_("英文标题"),
    "description_zh": N_("中文说明"),
    "description_en": N_("英文说明"),
    "keywords": N_("关键词"),
    "themes": N_("主题"),
    "open_level": N_("开放类型"),
    "grade": N_("数据分级"),
    "license": N_("许可"),
    "update_frequency": N_("更新频率"),
    "temporal_start": N_("数据起始日期"),
    "temporal_end": N_("数据截止日期"),
    "spatial": N_("空间范围"),
    "version": N_("版本"),
    "contact_name": N_("联系人"),
    "contact_email": N_("联系邮箱"),
}
# History: the service's tracked attributes (and resource changes) as words.
HISTORY_FIELDS = {
    "title_zh": N_("中文标题"),
    "title_en": N_("英文标题"),
    "description_zh": N_("中文说明"),
    "description_en": N_("英文说明"),
    "contact_name": N_("联系人"),
    "contact_email": N_("联系邮箱"),
    "license_id": N_("许可"),
    "open_level": N_("开放类型"),
    "grade": N_("数据分级"),
    "update_frequency": N_("更新频率"),
    "temporal_start": N_("数据起始日期"),
    "temporal_end": N_("数据截止日期"),
    "spatial": N_("空间范围"),
    "version": N_("版本"),
    "state": N_("状态"),
    "keywords": N_("关键词"),
    "themes": N_("主题"),
    "resource": N_("资源"),
    "resource.sha256": N_("资源文件"),
    "resource.name": N_("资源名称"),
    "resource.description": N_("资源说明"),
    "resource.format": N_("资源格式"),
    "resource.media_type": N_("资源文件类型"),
    "resource.url": N_("资源链接"),
}
ACTIONS = {
    "created": N_("创建"),
    "updated": N_("修改"),
    "published": N_("发布"),
    "withdrawn": N_("撤回"),
    "resource_added": N_("添加资源"),
    "resource_updated": N_("更新资源"),
    "resource_deleted": N_("删除资源"),
}
# Which word kind (api.words) a history value is shown with.
HISTORY_WORDS = {"open_level": "open_level", "grade": "grade", "state": "state"}
SENSITIVITIES = {
    Sensitivity.PUBLIC.value: N_("公开"),
    Sensitivity.PERSONAL.value: N_("个人信息"),
    Sensitivity.SENSITIVE_PERSONAL.value: N_("敏感个人信息"),
}
FINDING_KINDS = {
    "resident_id": N_("居民身份证号"),
    "mobile": N_("手机号码"),
    "email": N_("电子邮箱"),
    "bank_card": N_("银行卡号"),
}
ENCODINGS = {
    "utf-8": N_("UTF-8"),
    "utf-8-sig": N_("UTF-8（带 BOM）"),
    "gb18030": N_("GB18030（国家标准，兼容 GBK 和 GB2312）"),
    "big5": N_("Big5（繁体中文）"),
}
DELIMITERS = {
    ",": N_("逗号"),
    "\t": N_("制表符"),
    ";": N_("分号"),
    "|": N_("竖线"),
}
HINTS = {
    "no_description": N_("无说明"),
    "no_resources": N_("无资源"),
    "no_licence": N_("无许可"),
    "no_keywords": N_("无关键词"),
    "not_loaded": N_("表格未载入"),
    "load_failed": N_("表格载入失败"),
    "findings": N_("有待处理的个人信息"),
}
# Load refusals and bad rows the datastore reports (in English), as sentences.
LOAD_MESSAGES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"(?P<cells>\d+) cells where the header has (?P<width>\d+)"),
        N_("这一行有 %(cells)s 格，表头有 %(width)s 列"),
    ),
    (
        re.compile(r"(?P<count>\d+) bad row\(s\), the first on line (?P<line>\d+)"),
        N_("有 %(count)s 行格式不对（第一处在第 %(line)s 行），整个文件没有载入"),
    ),
    (re.compile(r"The file is empty"), N_("文件是空的，没有表头")),
    (
        re.compile(r"The file is not text in UTF-8, GBK/GB18030 or Big5"),
        N_("文件不是 UTF-8、GBK/GB18030 或 Big5 编码的文本"),
    ),
    (
        re.compile(r"The file is not valid (?P<encoding>\S+) text throughout"),
        N_("文件中途有不属于 %(encoding)s 编码的字节：请用一种编码重新保存"),
    ),
    (
        re.compile(r"Line (?P<line>\d+) cannot be parsed"),
        N_("第 %(line)s 行无法解析"),
    ),
)
UPLOAD_ERRORS = {
    "too_large": N_("文件太大：最大 %(limit)s。文件没有保存，请拆分后分别上传。"),
    "no_file": N_("请先选择要上传的文件。"),
    "bad_form": N_("上传没有完成，请重新选择文件再试一次。"),
}

# The publication check's refusals (``catalog.datastore.publication``), read back into parts:
# the resource, the column, the row and what was found, or the sensitivity it is marked with.
_FOUND = re.compile(
    r"^资源 (?P<q1>['\"])(?P<resource>.*?)(?P=q1) 第 (?P<line>\d+) 行的列 "
    r"(?P<q2>['\"])(?P<column>.*?)(?P=q2) 含.*holds an? (?P<kind>[a-z ]+)$",
    re.DOTALL,
)
_MARKED = re.compile(
    r"^资源 (?P<q1>['\"])(?P<resource>.*?)(?P=q1) 的列 (?P<q2>['\"])(?P<column>.*?)(?P=q2) "
    r"标为 (?P<sensitivity>\w+) /",
    re.DOTALL,
)


def load_message(language: str, message: str | None) -> dict[str, Any] | None:
    """A datastore message as ``{"text", "lang"}``: in the page's language where it is known,
    else the English original (marked as English on a Chinese page)."""
    if not message:
        return None
    for pattern, words in LOAD_MESSAGES:
        match = pattern.search(message)
        if match is not None:
            return {"text": translate(language, words, **match.groupdict()), "lang": None}
    return {"text": message, "lang": None if language == "en" else "en"}


def refusal_parts(problems: list[str]) -> list[dict[str, Any]]:
    """The service's reasons for refusing publication, each as its resource, column, row and
    kind (or the sensitivity the column is marked with); an unknown shape is kept whole."""
    parts: list[dict[str, Any]] = []
    for text in problems:
        found = _FOUND.match(text)
        marked = _MARKED.match(text)
        if found is not None:
            parts.append(
                {
                    "kind": "found",
                    "resource": found["resource"],
                    "column": found["column"],
                    "line": int(found["line"]),
                    "what": found["kind"].strip().replace(" ", "_"),
                }
            )
        elif marked is not None:
            parts.append(
                {
                    "kind": "marked",
                    "resource": marked["resource"],
                    "column": marked["column"],
                    "sensitivity": marked["sensitivity"],
                }
            )
        else:
            parts.append({"kind": "other", "text": text})
    return parts


# -- access ------------------------------------------------------------------------------------


async def _guarded(request: Request, work: Callable[[Session, Principal], T]) -> T | Response:
    """``work`` in a transaction; not signed in → the login page, no right → the 403 page, an
    invisible dataset → the 404 page. Other errors are the caller's to show."""
    if not request.session.get("user_id"):
        return RedirectResponse(login_url(_return_path(request)), status_code=303)
    try:
        return await in_transaction(request, work)
    except NotAuthenticated:
        return RedirectResponse(login_url(_return_path(request)), status_code=303)
    except PermissionDenied as exc:
        return error_page(request, 403, exc.message)
    except NotFound as exc:
        return error_page(request, 404, exc.message)


def _return_path(request: Request) -> str:
    # A form posted while signed out comes back to its page, not to the POST address.
    page_language(request)  # a ?lang= asked for holds on the login page and after it
    path = request.url.path
    if request.method != "POST":
        return here(request)
    for tail in ("/upload", "/schema", "/dismiss", "/edit"):
        if tail in path:
            return path.split(tail)[0]
    return path


def _departments(session: Session, principal: Principal) -> list[dict[str, Any]]:
    """The departments this person publishes for, by title."""
    if principal.user_id is None:
        raise NotAuthenticated("Log in first")
    orgs = OrganizationService(session)
    found = [orgs.get_by_id(org_id) for org_id in principal.publisher_org_ids]
    found.sort(key=lambda o: o.name)
    if not found:
        raise PermissionDenied("Only publishers of a department use the publisher console")
    return [{"name": o.name, "title": {"zh": o.title_zh, "en": o.title_en}} for o in found]


def _chosen(departments: list[dict[str, Any]], wanted: str | None) -> dict[str, Any]:
    if not wanted:
        return departments[0]
    for department in departments:
        if department["name"] == wanted:
            return department
    raise PermissionDenied(f"You do not publish for {wanted!r}")


# -- the list ----------------------------------------------------------------------------------


def quality_hints(session: Session, dataset: Dataset) -> list[str]:
    """What a dataset still lacks, as codes of ``HINTS``."""
    hints: list[str] = []
    if not (dataset.description_zh or dataset.description_en):
        hints.append("no_description")
    if not dataset.resources:
        hints.append("no_resources")
    if dataset.open_level is OpenLevel.OPEN and dataset.license_id is None:
        hints.append("no_licence")
    if not dataset.tags:
        hints.append("no_keywords")
    datastore = DatastoreService(session)
    findings = 0
    for resource in dataset.resources:
        if tabular_format(resource) is None:
            continue
        meta = datastore.table_of(resource.id)
        if meta is None:
            hints.append("not_loaded")
        elif meta.state is IngestState.FAILED:
            hints.append("load_failed")
        else:
            findings += sum(1 for f in meta.findings if "dismissed" not in f)
    if findings:
        hints.append("findings")
    return list(dict.fromkeys(hints))


async def console_home(request: Request) -> Response:
    wanted = request.query_params.get("org")
    after = request.query_params.get("after") or None

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        departments = _departments(session, principal)
        department = _chosen(departments, wanted)
        rows, total = DatasetService(session, principal).page(
            limit=PAGE_SIZE + 1, after=after, organization=department["name"]
        )
        more = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
        return {
            "departments": departments,
            "department": department,
            "total": total,
            "datasets": [
                {
                    "name": d.name,
                    "title": {"zh": d.title_zh, "en": d.title_en},
                    "state": d.state.value,
                    "open_level": d.open_level.value,
                    "modified": d.modified,
                    "hints": quality_hints(session, d),
                }
                for d in rows
            ],
            "next_after": rows[-1].name if more and rows else None,
            "hint_words": HINTS,
        }

    context = await _guarded(request, work)
    if isinstance(context, Response):
        return context
    return render(request, "console_publish.html", context)


# -- the dataset form --------------------------------------------------------------------------

EMPTY_VALUES: dict[str, str] = {name: "" for name in FIELD_LABELS if name != "themes"}
KEYWORD_SPLIT = re.compile(r"[,，、;；\n]+")


async def _read_dataset_form(request: Request) -> tuple[dict[str, str], list[str]]:
    """The form's text fields and its checked themes; the CSRF token checked first (as
    ``api.html.read_form`` does, with room for a checkbox per theme)."""
    form = await read_form_data(request, max_fields=FORM_FIELDS)
    values = {name: str(form.get(name) or "") for name in EMPTY_VALUES}
    themes = [v for v in form.getlist("themes") if isinstance(v, str) and v]
    return values, themes


def _payload(values: Mapping[str, str], themes: list[str], *, create: bool) -> dict[str, Any]:
    """The form as the JSON body the API takes (``DatasetCreate`` / ``DatasetUpdate``)."""
    keywords = [k.strip() for k in KEYWORD_SPLIT.split(values["keywords"]) if k.strip()]
    data: dict[str, Any] = {
        "title": {"zh": values["title_zh"], "en": values["title_en"]},
        "description": {"zh": values["description_zh"], "en": values["description_en"]},
        "contact_point": {
            "name": values["contact_name"],
            "email": values["contact_email"].strip() or None,
        },
        "license": values["license"] or None,
        "update_frequency": values["update_frequency"] or None,
        "temporal": {
            "start": values["temporal_start"].strip() or None,
            "end": values["temporal_end"].strip() or None,
        },
        "spatial": values["spatial"],
        "version": values["version"].strip() or None,
        "keywords": keywords,
        "themes": themes,
    }
    if values["grade"]:
        data["grade"] = values["grade"]
    if values["open_level"]:
        data["open_level"] = values["open_level"]
    if create:
        for name in ("name", "organization"):
            if values[name].strip():
                data[name] = values[name].strip()
    return data


def _field_of(loc: tuple[int | str, ...]) -> str:
    """The form field a schema error's location points at."""
    head = str(loc[0]) if loc else "name"
    rest = str(loc[1]) if len(loc) > 1 else None
    if head in ("title", "description"):
        return f"{head}_{rest}" if rest in ("zh", "en") else f"{head}_zh"
    if head == "contact_point":
        return "contact_email" if rest == "email" else "contact_name"
    if head == "temporal":
        return f"temporal_{rest}" if rest in ("start", "end") else "temporal_end"
    return head if head in FIELD_LABELS else "name"


def schema_errors(language: str, exc: PydanticValidationError) -> dict[str, str]:
    """The schema's errors as one message per form field, in ``language``."""
    errors: dict[str, str] = {}
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        field = _field_of(loc)
        kind = err["type"]
        ctx = err.get("ctx") or {}
        if kind in ("missing", "string_too_short"):
            message = translate(language, REQUIRED)
        elif kind == "string_too_long":
            message = translate(language, TOO_LONG, max=ctx.get("max_length", ""))
        elif kind == "too_long":
            message = translate(language, TOO_MANY, max=ctx.get("max_length", ""))
        elif kind in ("enum", "literal_error"):
            message = translate(language, CHOICE)
        elif kind.startswith("date_"):
            message = translate(language, NOT_A_DATE)
        elif kind == "string_pattern_mismatch":
            message = translate(language, NAME_SHAPE)
        elif kind == "value_error" and field == "contact_email":
            message = translate(language, EMAIL)
        elif kind == "value_error" and loc[:1] == ("title",):
            message = translate(language, TITLE_ONE)
        elif kind == "value_error" and loc[:1] == ("temporal",):
            message = translate(language, DATES_ORDER)
        else:
            message = translate(language, INVALID)
        errors.setdefault(field, message)
    return errors


def service_errors(language: str, exc: ShuduError, values: Mapping[str, str]) -> dict[str, str]:
    """A service's field errors (``ValidationFailed``/``Conflict`` details) as form messages."""
    details = exc.details if isinstance(exc.details, Mapping) else {}
    errors: dict[str, str] = {}
    for key, messages in details.items():
        said = " ".join(str(m) for m in messages) if isinstance(messages, list) else str(messages)
        if key == "name" and isinstance(exc, Conflict):
            errors["name"] = translate(language, NAME_TAKEN)
        elif key == "open_level" and "core" in said:
            errors["open_level"] = translate(language, CORE_CLOSED)
        elif key == "license" and "leave empty" in said:
            errors["license"] = translate(language, LICENCE_EMPTY)
        elif key == "license" and not values.get("license"):
            errors["license"] = translate(language, LICENCE_NEEDED)
        elif key in FIELD_LABELS:
            errors[key] = translate(language, CHOICE)
        else:
            errors.setdefault("name", translate(language, INVALID))
    if not errors:
        errors["name"] = translate(language, INVALID)
    return errors


def summary_of(language: str, errors: Mapping[str, str]) -> dict[str, str]:
    """The error summary's lines: each field's label with its problem."""
    return {
        name: translate(
            language, SUMMARY_LINE, field=translate(language, FIELD_LABELS[name]), problem=problem
        )
        if name in FIELD_LABELS
        else problem
        for name, problem in errors.items()
    }


def _choices(session: Session) -> dict[str, Any]:
    return {
        "themes": [
            {"code": t.code, "title": {"zh": t.title_zh, "en": t.title_en}}
            for t in ThemeService(session).all()
        ],
        "licences": [
            {"id": lic.id, "title": {"zh": lic.title_zh, "en": lic.title}}
            for lic in OPEN_LICENSES.values()
        ],
        "open_levels": [level.value for level in OpenLevel],
        "grades": [grade.value for grade in Grade],
        "frequencies": [f.value for f in Frequency],
        "labels": FIELD_LABELS,
    }


def _values_of(dataset: Dataset) -> tuple[dict[str, str], list[str]]:
    values = {
        "organization": dataset.organization.name,
        "name": dataset.name,
        "title_zh": dataset.title_zh,
        "title_en": dataset.title_en,
        "description_zh": dataset.description_zh,
        "description_en": dataset.description_en,
        "keywords": "，".join(sorted(t.name for t in dataset.tags)),
        "open_level": dataset.open_level.value,
        "grade": dataset.grade.value,
        "license": dataset.license_id or "",
        "update_frequency": dataset.update_frequency.value if dataset.update_frequency else "",
        "temporal_start": dataset.temporal_start.isoformat() if dataset.temporal_start else "",
        "temporal_end": dataset.temporal_end.isoformat() if dataset.temporal_end else "",
        "spatial": dataset.spatial,
        "version": dataset.version,
        "contact_name": dataset.contact_name,
        "contact_email": dataset.contact_email,
    }
    return values, [t.code for t in dataset.themes]


async def new_dataset(request: Request) -> Response:
    language = page_language(request)
    posted: tuple[dict[str, str], list[str]] | None = None
    if request.method == "POST":
        try:
            posted = await _read_dataset_form(request)
        except PermissionDenied as exc:
            return error_page(request, 403, exc.message)
    errors: dict[str, str] = {}
    status = 200
    created: list[str] = []

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        nonlocal status, errors
        departments = _departments(session, principal)
        if posted is None:
            department = _chosen(departments, request.query_params.get("org"))
            values = {**EMPTY_VALUES, "organization": department["name"], "grade": "general"}
            themes: list[str] = []
        else:
            values, themes = posted
            try:
                data = DatasetCreate.model_validate(_payload(values, themes, create=True))
                with session.begin_nested():
                    dataset = DatasetService(session, principal).create(data)
                created.append(dataset.name)
            except PydanticValidationError as exc:
                errors, status = schema_errors(language, exc), 422
            except (ValidationFailed, Conflict) as exc:
                errors = service_errors(language, exc, values)
                status = 409 if isinstance(exc, Conflict) else 422
        return {
            **_choices(session),
            "departments": departments,
            "values": values,
            "checked": themes,
            "errors": errors,
            "error_lines": summary_of(language, errors),
            "creating": True,
        }

    context = await _guarded(request, work)
    if isinstance(context, Response):
        return context
    if created:
        return RedirectResponse(f"{HOME}/datasets/{created[0]}?done=created", status_code=303)
    return render(request, "console_publish_form.html", context, status)


async def edit_dataset(request: Request) -> Response:
    name = request.path_params["name"]
    language = page_language(request)
    posted: tuple[dict[str, str], list[str]] | None = None
    if request.method == "POST":
        try:
            posted = await _read_dataset_form(request)
        except PermissionDenied as exc:
            return error_page(request, 403, exc.message)
    errors: dict[str, str] = {}
    status = 200
    saved: list[bool] = []

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        nonlocal status, errors
        service = DatasetService(session, principal)
        dataset = service.check_can_edit(name)
        values, themes = _values_of(dataset)
        if posted is not None:
            values = {**posted[0], "name": dataset.name, "organization": values["organization"]}
            themes = posted[1]
            try:
                data = DatasetUpdate.model_validate(_payload(values, themes, create=False))
                with session.begin_nested():
                    service.update(name, data)
                saved.append(True)
            except PydanticValidationError as exc:
                errors, status = schema_errors(language, exc), 422
            except (ValidationFailed, Conflict) as exc:
                errors = service_errors(language, exc, values)
                status = 409 if isinstance(exc, Conflict) else 422
        return {
            **_choices(session),
            "departments": [],
            "values": values,
            "checked": themes,
            "errors": errors,
            "error_lines": summary_of(language, errors),
            "creating": False,
            "dataset_title": {"zh": dataset.title_zh, "en": dataset.title_en},
        }

    context = await _guarded(request, work)
    if isinstance(context, Response):
        return context
    if saved:
        return RedirectResponse(f"{HOME}/datasets/{name}?done=saved", status_code=303)
    return render(request, "console_publish_form.html", context, status)


# -- the dataset page --------------------------------------------------------------------------


def _dataset_context(session: Session, principal: Principal, name: str, base_url: str) -> Any:
    service = DatasetService(session, principal)
    dataset = service.check_can_edit(name)
    body = dataset_json(dataset_now(session, dataset), base_url)
    for resource, model in zip(body["resources"], dataset.resources, strict=True):
        resource["tabular"] = tabular_format(model) is not None
    licence = OPEN_LICENSES.get(dataset.license_id or "")
    body["licence_title"] = (
        None if licence is None else {"zh": licence.title_zh, "en": licence.title}
    )
    return {
        "dataset": body,
        "hints": quality_hints(session, dataset),
        "hint_words": HINTS,
        "sensitivities": SENSITIVITIES,
        "finding_kinds": FINDING_KINDS,
        "encodings": ENCODINGS,
        "delimiters": DELIMITERS,
        "upload_errors": UPLOAD_ERRORS,
    }


async def _dataset_page(request: Request, name: str, status: int = 200, **more: Any) -> Response:
    base_url = app_state(request).settings.base_url
    context = await _guarded(request, lambda s, p: _dataset_context(s, p, name, base_url))
    if isinstance(context, Response):
        return context
    language = page_language(request)
    for resource in context["dataset"]["resources"]:
        store = resource.get("datastore")
        if store:
            store["error_words"] = load_message(language, store.get("error"))
            for bad in (store.get("report") or {}).get("bad_rows", []):
                bad["words"] = load_message(language, bad.get("message"))
    context.update(
        {
            "done": request.query_params.get("done"),
            "limit": app_state(request).settings.max_upload_bytes,
            "refusal": None,
            "upload_error": None,
            "form_errors": {},
            **more,
        }
    )
    return render(request, "console_publish_dataset.html", context, status)


async def dataset_page(request: Request) -> Response:
    return await _dataset_page(request, request.path_params["name"])


def _forget_unreferenced(request: Request, sha256: str) -> Callable[[Session, Principal], None]:
    """Remove a just-stored file no resource refers to (as the upload API does)."""

    def work(session: Session, _: Principal) -> None:
        if not DatasetService(session, Principal.anonymous()).blob_referenced(sha256):
            app_state(request).files.path(sha256).unlink(missing_ok=True)

    return work


async def upload(request: Request) -> Response:
    """A file posted as ``multipart/form-data`` (field ``file``): the upload API's path —
    the right checked before the body is read, the size limit while it streams."""
    name = request.path_params["name"]
    state = app_state(request)
    allowed = await _guarded(request, lambda s, p: DatasetService(s, p).check_can_edit(name))
    if isinstance(allowed, Response):
        return allowed
    try:
        received = await receive_upload(request, state.files, limit=state.settings.max_upload_bytes)
    except PayloadTooLarge:
        return await _dataset_page(request, name, 413, upload_error="too_large")
    except (BadRequest, UnsupportedMediaType):
        return await _dataset_page(request, name, 400, upload_error="bad_form")
    blob = received.blob
    try:
        check_csrf(request, received.fields.get(CSRF_FORM_FIELD))
    except PermissionDenied as exc:
        if blob is not None:
            await in_transaction(request, _forget_unreferenced(request, blob.sha256))
        return error_page(request, 403, exc.message)
    if blob is None or not received.filename:
        return await _dataset_page(request, name, 422, upload_error="no_file")
    fields: dict[str, Any] = {
        "name": received.fields.get("resource_name", "").strip(),
        "description": received.fields.get("resource_description", "").strip(),
    }
    if received.content_type:
        fields["media_type"] = received.content_type[:100]
    added: list[str] = []
    try:
        data = parse_model(ResourceCreate, fields)

        def add(session: Session, principal: Principal) -> None:
            resource = DatasetService(session, principal).add_resource(
                name, data, blob=blob, filename=received.filename
            )
            added.append(str(resource.id))

        await in_transaction(request, add)
    except BaseException as exc:
        await in_transaction(request, _forget_unreferenced(request, blob.sha256))
        if isinstance(exc, ValidationFailed):
            return await _dataset_page(request, name, 422, upload_error="bad_form")
        raise
    return RedirectResponse(
        f"{HOME}/datasets/{name}?done=uploaded#resource-{added[0]}", status_code=303
    )


async def _small_form(request: Request, extra: int = 0) -> dict[str, str]:
    return await read_form(request, max_fields=20 + extra)


def _resource_id(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise NotFound("No such resource") from None


async def set_schema(request: Request) -> Response:
    """Each field's sensitivity (``PATCH /api/v1/resources/{id}/schema``'s service call)."""
    name = request.path_params["name"]
    resource_id = _resource_id(request.path_params["rid"])
    try:
        form = await _small_form(request, extra=500)
    except PermissionDenied as exc:
        return error_page(request, 403, exc.message)
    changes: dict[str, Sensitivity] = {}
    for key, value in form.items():
        if key.startswith("field:"):
            try:
                changes[key.removeprefix("field:")] = Sensitivity(value)
            except ValueError:
                return await _dataset_page(
                    request, name, 422, form_errors={f"schema-{resource_id}": CHOICE}
                )

    def work(session: Session, principal: Principal) -> None:
        DatasetService(session, principal).editable_resource(resource_id)
        DatastoreService(session).set_sensitivity(resource_id, changes)

    try:
        done = await _guarded(request, work)
    except ValidationFailed:
        return await _dataset_page(
            request, name, 422, form_errors={f"schema-{resource_id}": CHOICE}
        )
    if isinstance(done, Response):
        return done
    return RedirectResponse(
        f"{HOME}/datasets/{name}?done=schema#schema-{resource_id}", status_code=303
    )


async def dismiss(request: Request) -> Response:
    """A finding dismissed as a reviewed false positive, with the reason
    (``POST /api/v1/resources/{id}/findings/dismiss``'s service call)."""
    name = request.path_params["name"]
    resource_id = _resource_id(request.path_params["rid"])
    try:
        form = await _small_form(request)
    except PermissionDenied as exc:
        return error_page(request, 403, exc.message)
    field, kind = form.get("field", ""), form.get("kind", "")
    reason = form.get("reason", "")
    key = f"reason-{resource_id}-{field}-{kind}"

    def work(session: Session, principal: Principal) -> None:
        DatasetService(session, principal).editable_resource(resource_id)
        DatastoreService(session).dismiss_finding(resource_id, field, kind, reason, principal)

    try:
        done = await _guarded(request, work)
    except ValidationFailed as exc:
        details = exc.details if isinstance(exc.details, Mapping) else {}
        message = REQUIRED if "reason" in details else CHOICE
        return await _dataset_page(request, name, 422, form_errors={key: message})
    if isinstance(done, Response):
        return done
    return RedirectResponse(
        f"{HOME}/datasets/{name}?done=dismissed#findings-{resource_id}", status_code=303
    )


async def state_change(request: Request) -> Response:
    """GET: what publishing (or withdrawing) does, and a button to confirm. POST: the
    service's ``publish``/``withdraw``; a refusal is explained on the same page."""
    name = request.path_params["name"]
    action = request.path_params["action"]
    if action not in ("publish", "withdraw"):
        raise NotFound("No such page")
    if request.method == "POST":
        try:
            await _small_form(request)
        except PermissionDenied as exc:
            return error_page(request, 403, exc.message)
    refusal: dict[str, Any] | None = None

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        nonlocal refusal
        service = DatasetService(session, principal)
        dataset = service.check_can_edit(name)
        if request.method == "POST":
            try:
                with session.begin_nested():
                    if action == "publish":
                        service.publish(name)
                    else:
                        service.withdraw(name)
                return {"done": True}
            except (ValidationFailed, Conflict) as exc:
                refusal = _refusal(exc)
        return {
            "done": False,
            "dataset": {
                "name": dataset.name,
                "title": {"zh": dataset.title_zh, "en": dataset.title_en},
                "state": dataset.state.value,
                "open_level": dataset.open_level.value,
            },
        }

    context = await _guarded(request, work)
    if isinstance(context, Response):
        return context
    if context["done"]:
        done = "published" if action == "publish" else "withdrawn"
        return RedirectResponse(f"{HOME}/datasets/{name}?done={done}", status_code=303)
    status = 200 if refusal is None else (409 if refusal["conflict"] else 422)
    context.update(
        {
            "action": action,
            "refusal": refusal,
            "finding_kinds": FINDING_KINDS,
            "sensitivities": SENSITIVITIES,
        }
    )
    return render(request, "console_publish_confirm.html", context, status)


def _refusal(exc: ShuduError) -> dict[str, Any]:
    """Why the service refused, in parts the page says in words."""
    details = exc.details if isinstance(exc.details, Mapping) else {}
    problems = details.get("personal_data")
    return {
        "conflict": isinstance(exc, Conflict),
        "personal": refusal_parts([str(p) for p in problems]) if problems else [],
        "core": "open_level" in details,
        "licence": "license" in details,
        "message": exc.message,
    }


# -- history -----------------------------------------------------------------------------------


def _history_value(session: Session, field: str, value: Any) -> dict[str, Any]:
    """One side of a change, ready for words: a coded value with its word kind, a list, a
    date, or text."""
    if value is None or value == "" or value == []:
        return {"kind": "empty"}
    if field in HISTORY_WORDS:
        return {"kind": "word", "word": HISTORY_WORDS[field], "code": str(value)}
    if field == "update_frequency":
        return {"kind": "word", "word": "frequency", "code": str(value)}
    if field in ("temporal_start", "temporal_end"):
        return {"kind": "date", "value": value}
    if field == "license_id":
        licence = OPEN_LICENSES.get(str(value))
        if licence is not None:
            return {"kind": "pick", "zh": licence.title_zh, "en": licence.title}
    if field == "themes" and isinstance(value, list):
        titles = {t.code: t for t in ThemeService(session).all()}
        return {
            "kind": "picks",
            "items": [
                {"zh": titles[c].title_zh, "en": titles[c].title_en}
                if c in titles
                else {"zh": c, "en": c}
                for c in value
            ],
        }
    if field == "keywords" and isinstance(value, list):
        return {"kind": "text", "value": "，".join(str(v) for v in value)}
    if field in ("resource", "resource.sha256"):
        return {"kind": "file"}
    return {"kind": "text", "value": str(value)}


def _revision(session: Session, revision: DatasetRevision) -> dict[str, Any]:
    changes = []
    for field, pair in (revision.changes or {}).items():
        before, after = pair if isinstance(pair, list) and len(pair) == 2 else (None, pair)
        if revision.action == "created" and after in (None, "", []):
            continue  # a new dataset's empty fields say nothing
        changes.append(
            {
                "field": field,
                "label": HISTORY_FIELDS.get(field, field),
                "before": _history_value(session, field, before),
                "after": _history_value(session, field, after),
            }
        )
    actor = session.get(User, revision.actor_id) if revision.actor_id else None
    return {
        "number": revision.number,
        "action": ACTIONS.get(revision.action, revision.action),
        "at": revision.created_at,
        "by": (actor.display_name or actor.email) if actor else None,
        "changes": changes,
    }


async def history(request: Request) -> Response:
    name = request.path_params["name"]

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        service = DatasetService(session, principal)
        dataset = service.check_can_edit(name)
        revisions = [_revision(session, r) for r in service.history(name)]
        return {
            "dataset": {
                "name": dataset.name,
                "title": {"zh": dataset.title_zh, "en": dataset.title_en},
            },
            "revisions": revisions[::-1],
        }

    context = await _guarded(request, work)
    if isinstance(context, Response):
        return context
    return render(request, "console_publish_history.html", context)


# -- harvest sources ---------------------------------------------------------------------------

HARVEST_PAGE = "console_publish_harvest.html"
HARVEST_RUNS_SHOWN = 10
HARVEST_FAILURES_SHOWN = 5
RUN_STATUSES = {
    "running": N_("正在运行"),
    "finished": N_("已完成"),
    "failed": N_("失败"),
}
# Why a run stopped (``catalog.harvest.base``, in English), as sentences; what the source
# answered stays a detail in its own words.
RUN_MESSAGES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"^The source stopped answering usefully: (?P<detail>.*)$", re.DOTALL),
        N_("来源没有正常应答，这次运行停止了。已采集的数据集都保留。"),
    ),
    (
        re.compile(r"^Stopped on an unexpected error"),
        N_("运行因意外错误停止，错误已记入服务器日志。已采集的数据集都保留。"),
    ),
    (
        re.compile(r"^Stopped after (?P<n>\d+) datasets"),
        N_("写入 %(n)s 个数据集后停止（每次运行的上限），下一次运行从这里继续。"),
    ),
)


def run_message(language: str, message: str) -> dict[str, Any] | None:
    """Why a run stopped as ``{"text", "detail", "lang"}``: a sentence in the page's language
    where the shape is known (``detail``: what the source answered, in English), else the
    English original (marked as English on a Chinese page)."""
    if not message:
        return None
    for pattern, words in RUN_MESSAGES:
        match = pattern.search(message)
        if match is not None:
            found = match.groupdict()
            detail = found.pop("detail", None)
            return {"text": translate(language, words, **found), "detail": detail, "lang": None}
    return {"text": message, "detail": None, "lang": None if language == "en" else "en"}


def _run_report(language: str, run: HarvestRun) -> dict[str, Any]:
    failures = [
        {"dataset": str(f.get("dataset", "")), "reason": str(f.get("reason", ""))}
        for f in (run.failures or [])[:HARVEST_FAILURES_SHOWN]
        if isinstance(f, Mapping)
    ]
    return {
        "status": run.status,
        "status_words": RUN_STATUSES.get(run.status, RUN_STATUSES["failed"]),
        "started": run.started_at,
        "finished": run.finished_at,
        "created": run.created,
        "updated": run.updated,
        "deleted": run.deleted,
        "unchanged": run.unchanged,
        "failed": run.failed,
        "failures": failures,
        "unlisted": max(run.failed - len(failures), 0),
        "message": run_message(language, run.message),
    }


def _source_row(
    language: str, service: HarvestSourceService, source: HarvestSource
) -> dict[str, Any]:
    return {
        "name": source.name,
        "kind": source.kind,
        "url": source.url,
        "interval": source.interval_minutes,
        "runs": [_run_report(language, r) for r in service.runs(source.name, HARVEST_RUNS_SHOWN)],
    }


def _harvest_context(
    session: Session, principal: Principal, wanted: str | None, language: str
) -> dict[str, Any]:
    """The chosen department's harvest sources (those this person manages), each with the
    reports of its latest runs, and what the add form offers."""
    departments = _departments(session, principal)
    department = _chosen(departments, wanted)
    service = HarvestSourceService(session, principal)
    return {
        "departments": departments,
        "department": department,
        "sources": [
            _source_row(language, service, s)
            for s in service.manageable()
            if s.organization.name == department["name"]
        ],
        "kinds": SOURCE_KINDS,
    }


async def harvest(request: Request) -> Response:
    """The department's harvest sources: the reports of their latest runs, a source added, a
    run started now (in the background, as the site admin's console does: the page shows its
    report once it has finished)."""
    if (redirect := signed_in(request)) is not None:
        return redirect
    wanted = request.query_params.get("org")
    language = page_language(request)

    def load(session: Session, principal: Principal) -> dict[str, Any]:
        return _harvest_context(session, principal, wanted, language)

    if request.method == "GET":
        done = harvest_forms.DONE.get(request.query_params.get("done", ""))
        return await form_page(request, HARVEST_PAGE, load, done=done)
    try:
        form = await read_form(request)
    except PermissionDenied as exc:
        return refused(request, exc)
    action = form.get("action", "")
    values = harvest_forms.values_of(form)
    source_name = form.get("source", "")

    def work(session: Session, principal: Principal) -> tuple[str, str]:
        _departments(session, principal)  # the publisher console is for publishers
        service = HarvestSourceService(session, principal)
        return harvest_forms.step(service, action, values, source_name)

    try:
        done, department = await in_transaction(request, work)
    except (ValidationFailed, Conflict) as exc:
        if action != "add" or not exc.details:
            return refused(request, exc)
        errors = harvest_forms.errors_of(request, exc)
        return await form_page(
            request, HARVEST_PAGE, load, values=values, errors=errors, status=exc.status_code
        )
    except ShuduError as exc:
        return refused(request, exc)
    response = RedirectResponse(
        f"{HOME}/harvest?org={quote(department, safe='')}&done={done}#sources-h", status_code=303
    )
    if done == "harvest_started":
        sessions = app_state(request).sessions
        response.background = BackgroundTask(run_source, sessions, source_name)
    return response


# -- what people looked for and did not find ------------------------------------------------


async def missed_searches(request: Request) -> Response:
    """Searches of the whole catalog that found nothing, by how often: data people want."""

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        departments = _departments(session, principal)  # the publisher console is for publishers
        return {
            "department": _chosen(departments, request.query_params.get("org")),
            "misses": SearchMissService(session).top(days=MISS_DAYS, limit=MISS_ROWS),
            "days": MISS_DAYS,
        }

    context = await _guarded(request, work)
    if isinstance(context, Response):
        return context
    return render(request, "console_searches.html", context)


MISS_DAYS = 90
MISS_ROWS = 100


def routes() -> list[Route]:
    return [
        Route(HOME, console_home, methods=["GET"]),
        Route(f"{HOME}/searches", missed_searches, methods=["GET"]),
        Route(f"{HOME}/harvest", harvest, methods=["GET", "POST"]),
        Route(f"{HOME}/new", new_dataset, methods=["GET", "POST"]),
        Route(f"{HOME}/datasets/{{name}}", dataset_page, methods=["GET"]),
        Route(f"{HOME}/datasets/{{name}}/edit", edit_dataset, methods=["GET", "POST"]),
        Route(f"{HOME}/datasets/{{name}}/history", history, methods=["GET"]),
        Route(f"{HOME}/datasets/{{name}}/upload", upload, methods=["POST"]),
        Route(f"{HOME}/datasets/{{name}}/schema/{{rid}}", set_schema, methods=["POST"]),
        Route(f"{HOME}/datasets/{{name}}/dismiss/{{rid}}", dismiss, methods=["POST"]),
        Route(f"{HOME}/datasets/{{name}}/{{action}}", state_change, methods=["GET", "POST"]),
    ]
