"""The publisher's products (``/exchange/products``): list a conditional dataset as a product
and add offers to it with a policy builder — checkboxes and numbers, never JSON.

The form's choices become a usage policy and a price plan in ``licensing.builder`` (the rule
lives there, see docs/architecture.md, "The policy profile"); the offer is then created with
``ProductService.add_offer`` and ``OfferCreate``, as the JSON API creates it. The plain-language
summary is ``licensing.describe_policy`` and ``describe_price_plan``, in Chinese (the binding
text) and English (a reading aid): live through ``POST /exchange/products/summary`` (which
``api/static/policy.js`` calls as the form changes), or with the "preview" button without
JavaScript. Pasting the ODRL and price-plan JSON stays possible, as an advanced option.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

import licensing
from api.html import error_page, login_url, page_language, read_form_data, render
from api.http import parse_model
from api.i18n import N_, translate
from api.state import in_transaction
from api.web.exchange import describe_offer
from catalog.datastore.fields import Field
from catalog.datastore.services import DatastoreService
from catalog.models import Dataset, DatasetState, OpenLevel
from core import jsonutil
from core.errors import (
    Conflict,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    ShuduError,
    ValidationFailed,
)
from core.identity.principal import Principal
from exchange import roles
from exchange.models import Product
from exchange.schemas import OfferCreate, ProductCreate
from exchange.services import ProductService, parse_id
from licensing.builder import (
    ChoicesInvalid,
    PolicyChoices,
    PriceChoices,
    RowCondition,
    build_policy,
    build_price_plan,
)
from licensing.pricing import PlanKind

HOME = "/exchange/products"
FORM_FIELDS = 600  # the offer form: a checkbox per field (twice) and per purpose
FILTER_ROWS = (1, 2)  # row-filter conditions the form offers (ANDed)
DEFAULT_REPORT_DAYS = "30"
DEFAULT_MIN_GROUP = "10"
VALUE_SPLIT = re.compile(r"[,，、;；\n]+")
WHOLE_NUMBER = re.compile(r"[0-9]{1,13}")

# -- words -------------------------------------------------------------------------------------

REQUIRED = N_("请填写这一项")
CHOICE = N_("请从给出的选项中选择")
TOO_LONG = N_("太长了：最多 %(max)s 个字符")
WHOLE = N_("请填写整数，例如 1000")
DAYS = N_("请填写 1 到 3650 之间的天数")
PICK_FIELD = N_("请选择这个条件的字段")
NOT_JSON = N_("这不是有效的 JSON：%(problem)s")
POLICY_BAD = N_("这段策略不符合数都的策略规则：%(problem)s")
PLAN_BAD = N_("这段价格方案无效：%(problem)s")
ALREADY = N_("这个数据集已经上架，请在下面它的产品里新增报价")
NOT_LISTABLE = N_("只能上架本部门已发布的有条件开放数据集")
SUMMARY_LINE = N_("%(field)s：%(problem)s")
TERM = N_("授权期限：自协议生效起 %(n)s 天")
LISTED = N_("已上架，现在可以为它新增报价。")
OFFERED = N_("报价已新增。")

LABELS = {
    "dataset": N_("数据集名称"),
    "title": N_("产品标题"),
    "name": N_("报价名称"),
    "fields": N_("可以读取的字段"),
    "masked": N_("脱敏返回的字段"),
    "filter_values_1": N_("行过滤条件 1"),
    "filter_values_2": N_("行过滤条件 2"),
    "calls_per_day": N_("每日调用次数上限"),
    "rows_per_month": N_("每月获取行数上限"),
    "min_group": N_("每组最少行数"),
    "purposes": N_("允许的用途"),
    "report_every_days": N_("使用情况报告间隔（天）"),
    "duration_days": N_("期限（天）"),
    "price_kind": N_("收费方式"),
    "unit_price": N_("单价（元）"),
    "monthly_fee": N_("月费（元）"),
    "policy": N_("使用策略（ODRL JSON）"),
    "price_plan": N_("价格方案（JSON）"),
}
PRICE_KINDS = {
    PlanKind.FREE.value: N_("免费"),
    PlanKind.PER_CALL.value: N_("按次计费"),
    PlanKind.PER_ROW.value: N_("按行计费"),
    PlanKind.SUBSCRIPTION.value: N_("月度订阅"),
}
TEXT_FIELDS = (
    "product_id",
    "name",
    "calls_per_day",
    "rows_per_month",
    "min_group",
    "report_every_days",
    "duration_days",
    "price_kind",
    "unit_price",
    "monthly_fee",
    "policy",
    "price_plan",
    *(f"filter_field_{i}" for i in FILTER_ROWS),
    *(f"filter_values_{i}" for i in FILTER_ROWS),
)
FLAGS = ("aggregate_only", "report_usage", "delete_at_end")
LISTS = ("fields", "masked", "purposes")


def default_form() -> dict[str, Any]:
    """A new offer's form: a year, a report every 30 days, deletion at the end, free."""
    values = dict.fromkeys(TEXT_FIELDS, "")
    values.update(
        duration_days="365",
        report_every_days=DEFAULT_REPORT_DAYS,
        min_group=DEFAULT_MIN_GROUP,
        price_kind=PlanKind.FREE.value,
    )
    return {
        "values": values,
        "flags": {"report_usage": True, "delete_at_end": True, "aggregate_only": False},
        "lists": {name: [] for name in LISTS},
    }


def read_offer_form(form: FormData) -> dict[str, Any]:
    """The posted offer form as the template shows it back: text, ticked boxes, lists."""
    values = {name: str(form.get(name) or "") for name in TEXT_FIELDS}
    if "duration_days" not in form:  # a client that leaves it out gets OfferCreate's default
        values["duration_days"] = str(OfferCreate.model_fields["duration_days"].default)
    return {
        "values": values,
        "flags": {name: form.get(name) == "on" for name in FLAGS},
        "lists": {
            name: [v for v in form.getlist(name) if isinstance(v, str) and v] for name in LISTS
        },
    }


# -- the form's choices --------------------------------------------------------------------------


def _whole(values: Mapping[str, str], name: str, errors: dict[str, str], lang: str) -> int | None:
    raw = values.get(name, "").strip().replace(",", "").replace("，", "")
    if not raw:
        return None
    if WHOLE_NUMBER.fullmatch(raw) is None:
        errors[name] = translate(lang, WHOLE)
        return None
    return int(raw)


def _filter_rows(
    values: Mapping[str, str], errors: dict[str, str], lang: str
) -> tuple[list[RowCondition], list[int]]:
    """The filled-in conditions, and the form row each came from."""
    rows: list[RowCondition] = []
    numbers: list[int] = []
    for i in FILTER_ROWS:
        field = values.get(f"filter_field_{i}", "").strip()
        written = values.get(f"filter_values_{i}", "")
        if not field and not written.strip():
            continue
        if not field:
            errors[f"filter_values_{i}"] = translate(lang, PICK_FIELD)
            continue
        items = tuple(v.strip() for v in VALUE_SPLIT.split(written) if v.strip())
        rows.append(RowCondition(field, items))
        numbers.append(i)
    return rows, numbers


def build_offer(
    state: Mapping[str, Any], schema: list[Field], lang: str
) -> tuple[dict[str, Any] | None, dict[str, Any] | None, int | None, dict[str, str]]:
    """The form's policy, price plan and term (days), or the errors by form field."""
    values: Mapping[str, str] = state["values"]
    flags: Mapping[str, bool] = state["flags"]
    lists: Mapping[str, list[str]] = state["lists"]
    errors: dict[str, str] = {}
    days = _whole(values, "duration_days", errors, lang)
    if "duration_days" not in errors and (days is None or not 1 <= days <= 3650):
        errors["duration_days"] = translate(lang, DAYS)
    policy: dict[str, Any] | None = None
    plan: dict[str, Any] | None = None
    if values.get("policy", "").strip():
        policy = _raw_json(values["policy"], "policy", errors, lang)
    else:
        rows, numbers = _filter_rows(values, errors, lang)
        calls = _whole(values, "calls_per_day", errors, lang)
        month = _whole(values, "rows_per_month", errors, lang)
        k = _whole(values, "min_group", errors, lang) if flags.get("aggregate_only") else None
        every = (
            _whole(values, "report_every_days", errors, lang) if flags.get("report_usage") else None
        )
        if flags.get("report_usage") and every is None and "report_every_days" not in errors:
            errors["report_every_days"] = translate(lang, REQUIRED)
        choices = PolicyChoices(
            fields=tuple(lists.get("fields", [])),
            masked=tuple(lists.get("masked", [])),
            row_filter=tuple(rows),
            calls_per_day=calls,
            rows_per_month=month,
            aggregate_only=bool(flags.get("aggregate_only")),
            min_group=k,
            purposes=tuple(lists.get("purposes", [])),
            report_every_days=every,
            delete_at_end=bool(flags.get("delete_at_end")),
        )
        try:
            policy = build_policy(choices, schema)
        except ChoicesInvalid as exc:
            for key, message in exc.messages(lang).items():
                if key.startswith("row_filter_"):
                    key = f"filter_values_{numbers[int(key.rsplit('_', 1)[1]) - 1]}"
                errors.setdefault(key, message)
    if values.get("price_plan", "").strip():
        plan = _raw_json(values["price_plan"], "price_plan", errors, lang)
    else:
        try:
            plan = build_price_plan(
                PriceChoices(
                    kind=values.get("price_kind", ""),
                    unit_price=values.get("unit_price", ""),
                    monthly_fee=values.get("monthly_fee", ""),
                )
            )
        except ChoicesInvalid as exc:
            for key, message in exc.messages(lang).items():
                errors.setdefault(key, message)
    if errors:
        return None, None, None, errors
    return policy, plan, days, errors


def _raw_json(text: str, name: str, errors: dict[str, str], lang: str) -> dict[str, Any] | None:
    try:
        value = jsonutil.loads(text)
    except ValueError as exc:
        errors[name] = translate(lang, NOT_JSON, problem=str(exc))
        return None
    if not isinstance(value, dict):
        errors[name] = translate(lang, NOT_JSON, problem="{…}")
        return None
    return value


def summary_of(policy: Mapping[str, Any], plan: Mapping[str, Any], days: int) -> dict[str, Any]:
    """The offer in words, in both languages: the Chinese binds, the English helps."""
    parsed_policy = licensing.parse_policy(policy)
    parsed_plan = licensing.parse_price_plan(plan)
    return {
        lang: {
            "policy": licensing.describe_policy(parsed_policy, lang),
            "price": licensing.describe_price_plan(parsed_plan, lang),
            "term": translate(lang, TERM, n=days),
        }
        for lang in ("zh", "en")
    }


def error_lines(lang: str, errors: Mapping[str, str]) -> dict[str, str]:
    """The error summary's lines, in the form's order: each field's label with its problem."""
    order = list(LABELS)
    ranked = sorted(errors.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else -1)
    return {
        name: translate(lang, SUMMARY_LINE, field=translate(lang, LABELS[name]), problem=problem)
        if name in LABELS
        else problem
        for name, problem in ranked
    }


# -- what the page shows -----------------------------------------------------------------------


def dataset_fields(session: Session, dataset: Dataset) -> list[Field]:
    """The fields of the dataset's loaded tables (by id, in table order; the first type wins)."""
    datastore = DatastoreService(session)
    found: dict[str, Field] = {}
    for resource in dataset.resources:
        if datastore.table_of(resource.id) is None:
            continue
        try:
            _meta, fields = datastore.loaded(resource.id)
        except NotFound:
            continue
        for f in fields:
            found.setdefault(f.id, f)
    return list(found.values())


def _publisher(principal: Principal) -> None:
    if principal.user_id is None:
        raise NotAuthenticated("Log in first")
    if not principal.publisher_org_ids:
        raise PermissionDenied("Only publishers of a department list products and offers")


def _managed(session: Session, principal: Principal, raw_id: str) -> Product:
    product = ProductService(session, principal).get(parse_id(raw_id, "product"))
    if not roles.is_provider_of(principal, product.organization_id):
        raise PermissionDenied("Only publishers of the dataset's department add offers")
    return product


def _candidates(session: Session, principal: Principal) -> list[Dataset]:
    """The publisher's own published conditional datasets that are not products yet."""
    listed = select(Product.dataset_id)
    query = (
        select(Dataset)
        .where(
            Dataset.organization_id.in_(principal.publisher_org_ids),
            Dataset.open_level == OpenLevel.CONDITIONAL,
            Dataset.state == DatasetState.PUBLISHED,
            Dataset.id.not_in(listed),
        )
        .order_by(Dataset.name)
    )
    return list(session.scalars(query))


def _products(session: Session, principal: Principal, lang: str) -> list[dict[str, Any]]:
    service = ProductService(session, principal)
    shown: list[dict[str, Any]] = []
    for org_id in sorted(principal.publisher_org_ids):
        for product in service.listed(org_id):
            dataset = product.dataset
            offers = [
                describe_offer(
                    {"name": o.name, "policy": o.policy, "price_plan": o.price_plan,
                     "duration_days": o.duration_days},
                    lang,
                )
                for o in product.offers
                if o.active
            ]  # fmt: skip
            shown.append(
                {
                    "id": str(product.id),
                    "title": product.title,
                    "dataset": dataset.name,
                    "dataset_title": (dataset.title_zh, dataset.title_en),
                    "grade": dataset.grade.value,
                    "compliance_review": product.compliance_review,
                    "offers": offers,
                    "fields": [
                        {"id": f.id, "type": f.type.value} for f in dataset_fields(session, dataset)
                    ],
                }
            )
    return shown


def _context(session: Session, principal: Principal, lang: str) -> dict[str, Any]:
    _publisher(principal)
    return {
        "products": _products(session, principal, lang),
        "candidates": [
            {"name": d.name, "title": (d.title_zh, d.title_en), "grade": d.grade.value}
            for d in _candidates(session, principal)
        ],
        "purposes": [(p.code, p.zh, p.en) for p in licensing.PURPOSES.values()],
        "price_kinds": PRICE_KINDS,
        "labels": LABELS,
        "filter_rows": FILTER_ROWS,
        "default_form": default_form(),
    }


# -- the endpoints -----------------------------------------------------------------------------


def _list(
    session: Session, principal: Principal, form: FormData, lang: str
) -> tuple[dict[str, str], int]:
    """List a dataset; the errors by form field (none: listed) and the status to answer."""
    data = {
        "dataset": str(form.get("dataset") or ""),
        "title": str(form.get("title") or ""),
        "compliance_review": form.get("compliance_review") == "on",
    }
    if not data["dataset"]:
        return {"dataset": translate(lang, REQUIRED)}, 422
    try:
        with session.begin_nested():
            ProductService(session, principal).list_product(parse_model(ProductCreate, data))
    except Conflict:
        return {"dataset": translate(lang, ALREADY)}, 409
    except (NotFound, PermissionDenied):
        return {"dataset": translate(lang, NOT_LISTABLE)}, 422
    except ValidationFailed as exc:
        details = exc.details if isinstance(exc.details, Mapping) else {}
        if "title" in details:
            return {"title": translate(lang, TOO_LONG, max=300)}, 422
        return {"dataset": translate(lang, NOT_LISTABLE)}, 422
    return {}, 200


def _offer(
    session: Session, principal: Principal, state: dict[str, Any], lang: str, *, store: bool
) -> tuple[dict[str, str], dict[str, Any] | None]:
    """Build (and with ``store``, add) the offer; its errors by field, and its summary."""
    product = _managed(session, principal, state["values"]["product_id"])
    schema = dataset_fields(session, product.dataset)
    errors: dict[str, str] = {}
    name = state["values"]["name"].strip()
    if store and not name:
        errors["name"] = translate(lang, REQUIRED)
    policy, plan, days, problems = build_offer(state, schema, lang)
    errors.update(problems)
    if policy is None or plan is None or days is None:
        return errors, None
    try:
        summary = summary_of(policy, plan, days)
    except licensing.PolicyInvalid as exc:
        return {**errors, "policy": translate(lang, POLICY_BAD, problem=exc.message)}, None
    except licensing.PricePlanInvalid as exc:
        return {**errors, "price_plan": translate(lang, PLAN_BAD, problem=exc.message)}, None
    if errors or not store:
        return errors, summary
    try:
        with session.begin_nested():
            ProductService(session, principal).add_offer(
                product.id,
                parse_model(
                    OfferCreate,
                    {"name": name, "policy": policy, "price_plan": plan, "duration_days": days},
                ),
            )
    except licensing.PolicyInvalid as exc:
        return {"policy": translate(lang, POLICY_BAD, problem=exc.message)}, summary
    except licensing.PricePlanInvalid as exc:
        return {"price_plan": translate(lang, PLAN_BAD, problem=exc.message)}, summary
    except ValidationFailed as exc:
        details = exc.details if isinstance(exc.details, Mapping) else {}
        key = "name" if "name" in details or not details else "duration_days"
        return {key: translate(lang, REQUIRED if key == "name" else DAYS)}, summary
    return {}, summary


async def products_page(request: Request) -> Response:
    """The publisher's products: list a conditional dataset, add an offer with the builder."""
    lang = page_language(request)
    if not request.session.get("user_id"):
        return RedirectResponse(login_url(HOME), status_code=303)
    form: FormData | None = None
    if request.method == "POST":
        try:
            form = await read_form_data(request, max_fields=FORM_FIELDS)
        except PermissionDenied as exc:
            return error_page(request, 403, exc.message)
    shown: dict[str, Any] = {"errors": {}, "error_lines": {}, "active": None}
    status = 200
    done: list[str] = []

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        nonlocal status
        _publisher(principal)
        if form is not None:
            action = form.get("action")
            if action == "list":
                errors, code = _list(session, principal, form, lang)
                if errors:
                    status = code
                    shown.update(errors=errors, listing=_listing_state(form))
                else:
                    done.append("listed")
            elif action in ("offer", "preview"):
                state = read_offer_form(form)
                errors, summary = _offer(session, principal, state, lang, store=action == "offer")
                if errors:
                    status = 422
                elif action == "offer":
                    done.append(f"offer#product-{state['values']['product_id']}")
                shown.update(
                    errors=errors,
                    active={
                        **state,
                        "summary": summary,
                        "product_id": state["values"]["product_id"],
                    },
                )
            else:
                status = 422
                shown["errors"] = {"action": translate(lang, CHOICE)}
        shown["error_lines"] = error_lines(lang, shown["errors"])
        return {**_context(session, principal, lang), **shown}

    try:
        context = await in_transaction(request, work)
    except NotAuthenticated:
        return RedirectResponse(login_url(HOME), status_code=303)
    except ShuduError as exc:
        return error_page(request, exc.status_code, exc.message)
    if done:
        return RedirectResponse(f"{HOME}?done={done[0]}", status_code=303)
    context["done"] = request.query_params.get("done", "").split("#")[0]
    context["done_words"] = {"listed": LISTED, "offer": OFFERED}
    return render(request, "exchange_products.html", context, status)


def _listing_state(form: FormData) -> dict[str, Any]:
    return {
        "dataset": str(form.get("dataset") or ""),
        "title": str(form.get("title") or ""),
        "compliance_review": form.get("compliance_review") == "on",
    }


async def summary(request: Request) -> Response:
    """The offer form's summary as JSON, for ``policy.js``: ``{zh, en}`` or ``{errors}``."""
    lang = page_language(request)
    if not request.session.get("user_id"):
        return JSONResponse({"errors": {"": "not signed in"}}, status_code=401)
    try:
        form = await read_form_data(request, max_fields=FORM_FIELDS)
    except PermissionDenied as exc:
        return JSONResponse({"errors": {"": exc.message}}, status_code=403)
    state = read_offer_form(form)

    def work(session: Session, principal: Principal) -> tuple[dict[str, str], Any]:
        _publisher(principal)
        return _offer(session, principal, state, lang, store=False)

    try:
        errors, described = await in_transaction(request, work, write=False)
    except ShuduError as exc:
        return JSONResponse({"errors": {"": exc.message}}, status_code=exc.status_code)
    if errors:
        return JSONResponse(
            {"errors": errors, "lines": list(error_lines(lang, errors).values())}, status_code=422
        )
    return JSONResponse(described)


def routes() -> list[Route]:
    return [
        Route(f"{HOME}/summary", summary, methods=["POST"]),
        Route(HOME, products_page, methods=["GET", "POST"]),
    ]
