"""The exchange's pages for people: the enterprise (apply, status, agreements, clients, usage,
statements, reports), the publisher (products, offers, review queue) and the reviewer (compliance
queue, suspend, revoke). Server-rendered, CSRF on every form, zh/en; the services decide."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

import licensing
from api.html import error_page, page_language, read_form, render
from api.http import parse_model
from api.i18n import N_, translate
from api.representations.exchange import application_json, entitlement_json, product_json
from api.state import app_state, in_transaction
from api.web.audit_console import TYPE_WORDS
from api.web.charts import meter, quota_chart
from catalog.models import Dataset
from core.clock import utcnow
from core.errors import Conflict, NotAuthenticated, PermissionDenied, ShuduError, ValidationFailed
from core.identity.oauth_models import OAuthClient
from core.identity.principal import Principal
from core.ledger import HEAD_ID, LedgerEntry, LedgerHead
from exchange import roles
from exchange.enforcement import Refusal
from exchange.entitlements import EntitlementService
from exchange.metering import MeteringService
from exchange.obligations import ObligationService
from exchange.preview import WebPreview
from exchange.schemas import (
    ApplicationCreate,
    Decision,
    DeletionCertificateCreate,
    EntitlementChange,
    RenewalRequest,
    UsageReportCreate,
)
from exchange.services import REJECTION_REASONS, ApplicationService, ProductService, parse_id
from exchange.states import Action, EntitlementAction


def _login(request: Request) -> Response | None:
    if not request.session.get("user_id"):
        return RedirectResponse("/login", status_code=303)
    return None


def describe_offer(offer: dict[str, Any], lang: str) -> dict[str, Any]:
    """An offer's policy and price plan in words (licensing describes them)."""
    return {
        **offer,
        "policy_text": licensing.describe_policy(licensing.parse_policy(offer["policy"]), lang),
        "price_text": licensing.describe_price_plan(
            licensing.parse_price_plan(offer["price_plan"]), lang
        ),
    }


def _dashboard(session: Session, principal: Principal, lang: str) -> dict[str, Any]:
    if principal.user_id is None:
        raise NotAuthenticated("Log in first")
    applications = ApplicationService(session, principal)
    entitlements = EntitlementService(session, principal)
    metering = MeteringService(session, principal)
    obligations = ObligationService(session, principal)
    is_enterprise = bool(roles.enterprise_org_ids(principal))
    is_provider = bool(principal.publisher_org_ids)
    is_reviewer = roles.is_compliance_reviewer(principal)
    due = {str(r.entitlement_id): r for r in obligations.reminders()}
    rows = entitlements.visible()
    visible = [entitlement_json(e) for e in rows]
    now = utcnow()
    for entitlement, item in zip(rows, visible, strict=True):
        item["usage"] = metering.daily(entitlement.id)[:7]
        item["due"] = due.get(item["id"])
        use = metering.quota_use(entitlement, now)
        item["quota"] = {
            "chart": quota_chart(use.calls, use.calls_per_day),
            "calls_meter": meter(use.calls_today, use.calls_per_day),
            "rows_meter": meter(use.rows_this_month, use.rows_per_month),
        }
    org_clients = [
        (c.client_id, c.name)
        for c in session.scalars(
            select(OAuthClient).where(
                OAuthClient.organization_id.in_(roles.enterprise_org_ids(principal))
            )
        )
    ]
    mine = applications.mine() if is_enterprise else []
    provider_queue = applications.provider_queue() if is_provider else []
    compliance_queue = applications.compliance_queue() if is_reviewer else []
    shown = [*mine, *provider_queue, *compliance_queue]
    titles = {a.offer.product.dataset.name: a.offer.product.dataset for a in shown}
    ids = {e.dataset_id for e in rows}
    by_id = {d.id: d for d in session.scalars(select(Dataset).where(Dataset.id.in_(ids)))}
    return {
        # Words for what the records hold as codes and ids: dataset titles, purposes, client
        # names (docs/architecture.md, "Pages and their design system").
        "dataset_titles": {name: (d.title_zh, d.title_en) for name, d in titles.items()},
        "entitlement_titles": {str(i): (d.title_zh, d.title_en) for i, d in by_id.items()},
        "purpose_words": {p.code: (p.zh, p.en) for p in licensing.PURPOSES.values()},
        "client_names": dict(org_clients),
        "is_enterprise": is_enterprise,
        "is_provider": is_provider,
        "is_reviewer": is_reviewer,
        "mine": [application_json(a, applications.agreement_of(a)) for a in mine],
        "provider_queue": [
            application_json(a, applications.agreement_of(a)) for a in provider_queue
        ],
        "compliance_queue": [
            application_json(a, applications.agreement_of(a)) for a in compliance_queue
        ],
        "entitlements": visible,
        "renewal_requests": {str(e.id) for e in entitlements.renewal_requests()}
        if is_provider
        else set(),
        "org_clients": org_clients,
        "statements": metering.visible(),
        "reasons": REJECTION_REASONS,
        "lang_code": lang,
    }


E = TypeVar("E", Action, EntitlementAction)


def _choice(cls: type[E], raw: str, name: str) -> E:
    try:
        return cls(raw)
    except ValueError:
        raise ValidationFailed(f"Unknown {name}", {name: [raw]}) from None


def offers_for(session: Session, principal: Principal, dataset_id: uuid.UUID, lang: str) -> Any:
    """The dataset's product and its offers, described, for the dataset page (or None)."""
    product = ProductService(session, principal).for_dataset(dataset_id)
    if product is None:
        return None
    body = product_json(product)
    body["offers"] = [describe_offer(o, lang) for o in body["offers"]]
    return body


def _act(session: Session, principal: Principal, form: dict[str, str]) -> str:
    """One form action on the dashboard; the message to show."""
    action = form.get("action", "")
    if action == "step":
        step = _choice(Action, form.get("step", ""), "step")
        if step is Action.ACTIVATE:
            raise ValidationFailed("Unknown step", {"step": ["not a form action"]})
        codes = [c for c in form.get("reason_codes", "").split(",") if c]
        # Conditions: one per line of the approval form's text box.
        conditions = [line.strip() for line in form.get("conditions", "").splitlines()]
        decision = parse_model(
            Decision,
            {
                "reason_codes": codes,
                "reason_text": form.get("reason_text", ""),
                "conditions": [c for c in conditions if c],
            },
        )
        application_id = parse_id(form.get("application_id", ""), "application")
        ApplicationService(session, principal).act(application_id, step, decision)
        return "done"
    if action == "accept":
        application_id = parse_id(form.get("application_id", ""), "application")
        ApplicationService(session, principal).accept(application_id, form.get("hash", ""))
        return "accepted"
    if action == "change":
        change = _choice(EntitlementAction, form.get("change", ""), "change")
        data = parse_model(EntitlementChange, {"reason": form.get("reason", "")})
        entitlement_id = parse_id(form.get("entitlement_id", ""), "entitlement")
        EntitlementService(session, principal).change(entitlement_id, change, data.reason)
        return "changed"
    if action == "renewal_request":
        entitlement_id = parse_id(form.get("entitlement_id", ""), "entitlement")
        asked = parse_model(
            RenewalRequest, {"days": form.get("days", ""), "note": form.get("note", "")}
        )
        EntitlementService(session, principal).request_renewal(
            entitlement_id, asked.days, asked.note
        )
        return "renewal_requested"
    if action == "renewal_answer":
        entitlement_id = parse_id(form.get("entitlement_id", ""), "entitlement")
        service = EntitlementService(session, principal)
        if form.get("answer") == "renew":
            service.grant_renewal(entitlement_id)
            return "renewed"
        data = parse_model(EntitlementChange, {"reason": form.get("reason", "")})
        service.decline_renewal(entitlement_id, data.reason)
        return "renewal_declined"
    if action == "report":
        entitlement_id = parse_id(form.get("entitlement_id", ""), "entitlement")
        report = parse_model(
            UsageReportCreate,
            {
                k: form.get(k, "")
                for k in ("period_start", "period_end", "use", "results", "benefit")
            },
        )
        ObligationService(session, principal).submit_report(entitlement_id, report)
        return "reported"
    if action == "clients":
        entitlement_id = parse_id(form.get("entitlement_id", ""), "entitlement")
        chosen = [
            key.removeprefix("client:")
            for key, v in form.items()
            if key.startswith("client:") and v == "on"
        ]
        EntitlementService(session, principal).set_clients(entitlement_id, chosen)
        return "clients"
    if action == "certify":
        entitlement_id = parse_id(form.get("entitlement_id", ""), "entitlement")
        certificate = parse_model(
            DeletionCertificateCreate,
            {k: form.get(k, "") for k in ("statement", "method", "deleted_at")},
        )
        ObligationService(session, principal).certify_deletion(entitlement_id, certificate)
        return "certified"
    raise ValidationFailed("Unknown action", {"action": ["not a form action"]})


RECORDED_KEY = "recorded"  # the ledger entries the last action wrote, shown once
ACTION_FAILED: dict[type[ShuduError], str] = {
    ValidationFailed: N_(
        "没有办成：请检查填写的内容，例如驳回时要选择理由，暂停或撤销时要写明原因。"
    ),
    Conflict: N_("没有办成：这份申请或授权的状态已经变了，请看下面的最新状态后再操作。"),
    PermissionDenied: N_("没有办成：您的角色不能做这一步。"),
}


async def dashboard(request: Request) -> Response:
    if (redirect := _login(request)) is not None:
        return redirect
    form = await read_form(request) if request.method == "POST" else None
    lang = "en" if request.session.get("lang") == "en" else "zh"

    shown = request.session.pop(RECORDED_KEY, None) if form is None else None

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        if form is not None:
            # What the action wrote to the ledger, to show after the redirect.
            before = session.scalar(select(LedgerHead.size).where(LedgerHead.id == HEAD_ID))
            _act(session, principal, form)
            session.flush()
            entries = select(LedgerEntry.seq).where(LedgerEntry.seq >= (before or 0))
            return {"recorded": list(session.scalars(entries.order_by(LedgerEntry.seq)))}
        context = _dashboard(session, principal, lang)
        seqs = [int(n) for n in shown or [] if isinstance(n, int)]
        rows = session.execute(
            select(LedgerEntry.seq, LedgerEntry.type).where(LedgerEntry.seq.in_(seqs))
        ).all()
        context["recorded"] = [(seq, TYPE_WORDS.get(kind, kind)) for seq, kind in rows]
        return context

    try:
        context = await in_transaction(request, work)
    except (ValidationFailed, Conflict, PermissionDenied) as exc:
        # Nothing was done: the dashboard again, saying why in the page's language.
        failed = await in_transaction(request, lambda s, p: _dashboard(s, p, lang))
        # By kind, so that a subclass (an illegal transition is a conflict) finds its words.
        failed["failed"] = next(w for k, w in ACTION_FAILED.items() if isinstance(exc, k))
        return render(request, "exchange.html", failed, exc.status_code)
    except ShuduError as exc:
        return error_page(request, exc.status_code, exc.message)
    if form is not None:
        request.session[RECORDED_KEY] = context["recorded"][:10]
        return RedirectResponse("/exchange", status_code=303)
    return render(request, "exchange.html", context)


async def application_page(request: Request) -> Response:
    """One application: its state, deadline, reasons, and the agreement text to accept."""
    if (redirect := _login(request)) is not None:
        return redirect

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        service = ApplicationService(session, principal)
        application = service.get(parse_id(request.path_params["id"], "application"))
        body = application_json(application, service.agreement_of(application))
        product = ProductService(session, principal).get(application.offer.product_id)
        dataset = application.offer.product.dataset
        agreement = service.agreement_of(application)
        aid = None if agreement is None else service.reading_aid(application, agreement)
        return {
            "application": body,
            "timeline": [
                (seq, time, TYPE_WORDS.get(kind, kind), state)
                for seq, time, kind, state in service.timeline(application)
            ],
            "reading_aid": aid,
            "product": product_json(product),
            "dataset_title": (dataset.title_zh, dataset.title_en),
            "purpose_words": {p.code: (p.zh, p.en) for p in licensing.PURPOSES.values()},
            "reasons": REJECTION_REASONS,
        }

    try:
        context = await in_transaction(request, work)
    except ShuduError as exc:
        return error_page(request, exc.status_code, exc.message)
    return render(request, "exchange_application.html", context)


async def apply_page(request: Request) -> Response:
    if (redirect := _login(request)) is not None:
        return redirect
    form = await read_form(request) if request.method == "POST" else None
    lang = "en" if request.session.get("lang") == "en" else "zh"
    created: list[str] = []

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        products = ProductService(session, principal)
        offer = products.offer(parse_id(request.path_params["offer_id"], "offer"))
        if form is not None:
            data = parse_model(
                ApplicationCreate,
                {
                    "offer_id": str(offer.id),
                    "purpose_code": form.get("purpose_code", ""),
                    "purpose_text": form.get("purpose_text", ""),
                    "usage_scenario": form.get("usage_scenario", ""),
                    "security_measures": form.get("security_measures", ""),
                    "contact_name": form.get("contact_name", ""),
                    "contact_email": form.get("contact_email", ""),
                    "contact_phone": form.get("contact_phone", ""),
                    "client_ids": [form["client_id"]] if form.get("client_id") else [],
                },
            )
            service = ApplicationService(session, principal)
            application = service.create(data)
            if form.get("submit") == "on":
                service.act(application.id, Action.SUBMIT, Decision())
            created.append(str(application.id))
        orgs = roles.enterprise_org_ids(principal)
        clients = session.scalars(
            select(OAuthClient).where(OAuthClient.organization_id.in_(orgs))
        ).all()
        return {
            "product": product_json(offer.product),
            "offer": describe_offer(
                next(o for o in product_json(offer.product)["offers"] if o["id"] == str(offer.id)),
                lang,
            ),
            "purposes": [(p.code, p.zh, p.en) for p in licensing.PURPOSES.values()],
            "clients": [(c.client_id, c.name) for c in clients],
        }

    values = {k: form.get(k, "") for k in APPLY_FIELDS} if form is not None else {}
    try:
        context = await in_transaction(request, work)
    except (ValidationFailed, Conflict) as exc:
        if form is None:
            return error_page(request, exc.status_code, exc.message)
        # Nothing stored: the form again, filled in, each problem at its field.
        form = None
        context = await in_transaction(request, work)
        errors = _apply_errors(request, exc, values)
        return render(
            request,
            "exchange_apply.html",
            {**context, "values": values, "errors": errors},
            exc.status_code,
        )
    except ShuduError as exc:
        return error_page(request, exc.status_code, exc.message)
    if created:
        return RedirectResponse(f"/exchange/applications/{created[0]}", status_code=303)
    return render(request, "exchange_apply.html", {**context, "values": values, "errors": {}})


APPLY_FIELDS = (
    "purpose_code",
    "purpose_text",
    "usage_scenario",
    "security_measures",
    "contact_name",
    "contact_email",
    "contact_phone",
    "client_id",
)
APPLY_WORDS = {
    "required": N_("请填写这一项。"),
    "invalid": N_("这一项的内容不对或太长，请检查。"),
    "purpose_code": N_("这个用途不在这个报价允许的范围内，请换一个用途或另选报价。"),
    "client_ids": N_("请选择贵单位自己的 OAuth 应用。"),
}


def _apply_errors(request: Request, exc: ShuduError, values: dict[str, str]) -> dict[str, str]:
    """The application's problems at their fields, in the page's language."""
    language = page_language(request)
    details = exc.details if isinstance(exc.details, dict) else {}
    errors: dict[str, str] = {}
    for name in details:
        field = "client_id" if name == "client_ids" else str(name)
        if field not in APPLY_FIELDS:
            continue
        if not values.get(field, "").strip():
            message = APPLY_WORDS["required"]
        else:
            message = APPLY_WORDS.get(str(name), APPLY_WORDS["invalid"])
        errors[field] = translate(language, message)
    if not errors:
        errors["usage_scenario"] = translate(language, APPLY_WORDS["invalid"])
    return errors


# Why a preview was refused, by the licence term that failed (the API says it in English).
REFUSAL_WORDS = {
    "entitlement": N_("网页预览还没有被指定到这份授权，或授权已不在有效期内。"),
    "shudu:callsPerDay": N_("今天的调用次数已经用完，明天再来。"),
    "shudu:rowsPerMonth": N_("本月可读取的行数已经用完。"),
}


def _refusal_words(refusal: Refusal) -> str:
    term = getattr(refusal.error, "term", "")
    return REFUSAL_WORDS.get(term, N_("授权条件不允许这次调用。"))


def _preview_context(
    session: Session, principal: Principal, preview: WebPreview, raw_id: str, lang: str
) -> dict[str, Any]:
    entitlement = preview.entitlement(parse_id(raw_id, "entitlement"))
    dataset = session.get(Dataset, entitlement.dataset_id)
    assert dataset is not None
    today = MeteringService(session, principal).daily(entitlement.id)[:1]
    return {
        "entitlement": entitlement_json(entitlement),
        "dataset": dataset,
        "tables": [(str(r.id), r.name) for r in preview.tables(entitlement)],
        "designated": preview.designated(entitlement),
        "today": today[0] if today else None,
        "policy_text": licensing.describe_policy(licensing.parse_policy(entitlement.policy), lang),
    }


async def preview_page(request: Request) -> Response:
    """Licensed data in the browser: each page shown is a metered call of the enterprise's web
    preview client (exchange.preview), recorded in the ledger like any other."""
    if (redirect := _login(request)) is not None:
        return redirect
    form = await read_form(request) if request.method == "POST" else None
    raw_id = request.path_params["id"]
    sessions = app_state(request).sessions
    lang = "en" if request.session.get("lang") == "en" else "zh"

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        preview = WebPreview(session, principal, sessions)
        shown: dict[str, Any] = {"records": None, "refusal": None, "quota": {}}
        if form is not None and form.get("action") == "designate":
            preview.designate(parse_id(raw_id, "entitlement"))
            shown["designated_now"] = True
        elif form is not None and form.get("action") == "read":
            after = form.get("after", "")
            metered = preview.read(
                parse_id(raw_id, "entitlement"),
                parse_id(form.get("resource", ""), "resource"),
                int(after) if after.isdigit() else None,
            )
            outcome = metered.outcome
            if isinstance(outcome, Refusal):
                shown["refusal"] = _refusal_words(outcome)
            else:
                shown["records"] = metered.result
                shown["quota"] = outcome.headers
                shown["resource"] = form.get("resource", "")
        context = _preview_context(session, principal, preview, raw_id, lang)
        return {**context, **shown, "lang_code": lang}

    try:
        context = await in_transaction(request, work)
    except ShuduError as exc:
        return error_page(request, exc.status_code, exc.message)
    return render(request, "exchange_preview.html", context)


async def catalog_page(request: Request) -> Response:
    """The exchange's public face: every listed product with its offers in words, for anyone
    to read before signing in to apply (the same listing as ``GET /api/v1/exchange/products``)."""
    lang = page_language(request)

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        items = []
        for product in ProductService(session, principal).listed():
            body = product_json(product)
            body["offers"] = [describe_offer(o, lang) for o in body["offers"]]
            dataset = product.dataset
            body["dataset_title"] = (dataset.title_zh, dataset.title_en)
            body["provider_title"] = (dataset.organization.title_zh, dataset.organization.title_en)
            items.append(body)
        return {"products": items}

    return render(request, "exchange_catalog.html", await in_transaction(request, work))


def routes() -> list[Route]:
    return [
        Route("/exchange/catalog", catalog_page, methods=["GET"]),
        Route("/exchange/licences/{id}/preview", preview_page, methods=["GET", "POST"]),
        Route("/exchange", dashboard, methods=["GET", "POST"]),
        Route("/exchange/apply/{offer_id}", apply_page, methods=["GET", "POST"]),
        Route("/exchange/applications/{id}", application_page, methods=["GET"]),
    ]
