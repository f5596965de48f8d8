"""The site admin's console (docs/architecture.md, "Organizations and consoles"): the site's
health (outbox backlog, search index, latest checkpoint, token signing keys), users (find,
lock, unlock, memberships), organizations (departments made, enterprise registrations
decided), OAuth clients, and harvest sources with their latest runs.

Site admins sign in with a second factor; every rule is the services' (the same ones the
command line and the API use), every action a ledger entry there.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from api.access.keys import rotate
from api.html import read_form, render
from api.i18n import N_
from api.runtime.search import search_runtime
from api.state import app_state, in_transaction
from api.web import harvest_forms
from api.web.console import field_errors, form_page, guarded, parse_uuid, refused, signed_in
from catalog.harvest.models import SOURCE_KINDS, HarvestRun, HarvestSource
from catalog.harvest.services import HarvestSourceService, run_source
from catalog.models import Dataset
from core import ledger, outbox
from core.errors import Conflict, PermissionDenied, ServiceUnavailable, ShuduError, ValidationFailed
from core.identity.accounts import AccountService
from core.identity.models import Organization, OrgKind, OrgStatus, User
from core.identity.oauth import OAuthClientService
from core.identity.principal import Principal
from core.identity.registration import RegistrationService, UserAdminService
from core.identity.services import OrganizationService
from exchange.figures import latest_checkpoint

TOPIC_WORDS = {
    "search.dataset": N_("搜索索引更新"),
    "datastore.ingest": N_("数据表导入"),
    "datastore.index": N_("数据表建索引"),
    "ledger": N_("账本写入"),
}
DONE = {
    "locked": N_("账户已锁定：它的所有登录会话和令牌都已失效。"),
    "unlocked": N_("账户已解锁，可以重新登录。"),
    "department": N_("部门已创建。"),
    "approved": N_("企业登记已通过。"),
    "rejected": N_("企业登记未通过，理由已记录。"),
    "rotated": N_("已生成新的签名密钥。旧密钥会继续公布，直到它签发的令牌全部过期。"),
    "deleted": N_("OAuth 应用已删除，它的令牌不再有效。"),
    **harvest_forms.DONE,
}
# The admin may leave the department out: one named after the source is made.
HARVEST_ORGANIZATION = N_("采集的数据集要由一个政府部门发布；请选择部门，或留空自动新建。")


def _require_admin(principal: Principal) -> None:
    if not principal.is_admin:
        raise PermissionDenied("Only site administrators use this console")


def _done(request: Request) -> str | None:
    return DONE.get(request.query_params.get("done", ""))


# --- overview: health, keys, harvest --------------------------------------------------------


def _overview(session: Session, principal: Principal) -> dict[str, Any]:
    _require_admin(principal)
    harvest = []
    for source in session.scalars(select(HarvestSource).order_by(HarvestSource.name)):
        last = session.scalar(
            select(HarvestRun)
            .where(HarvestRun.source_id == source.id)
            .order_by(HarvestRun.started_at.desc())
            .limit(1)
        )
        harvest.append((source, last))
    return {
        "users": session.scalar(select(func.count()).select_from(User)) or 0,
        "locked": session.scalar(
            select(func.count()).select_from(User).where(User.is_active.is_(False))
        )
        or 0,
        "organizations": session.scalar(select(func.count()).select_from(Organization)) or 0,
        "pending": session.scalar(
            select(func.count())
            .select_from(Organization)
            .where(Organization.status == OrgStatus.PENDING)
        )
        or 0,
        "datasets": session.scalar(select(func.count()).select_from(Dataset)) or 0,
        "backlog": outbox.backlog(session),
        "checkpoint": latest_checkpoint(session),
        "harvest": harvest,
        "departments": OrganizationService(session).page(kind=OrgKind.DEPARTMENT, limit=500)[0],
    }


async def overview(request: Request) -> Response:
    if (redirect := signed_in(request)) is not None:
        return redirect
    context = await guarded(request, _overview)
    if isinstance(context, Response):
        return context
    return await _overview_page(request, context)


async def _overview_page(
    request: Request,
    context: dict[str, Any],
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    try:
        indexed: int | None = await search_runtime(request).backend.count()
    except ServiceUnavailable:
        indexed = None
    keys = request.app.state.oauth.server.keys.published()
    return render(
        request,
        "admin_overview.html",
        {
            **context,
            "indexed": indexed,
            "topic_words": TOPIC_WORDS,
            "keys": [(k.kid, datetime.fromtimestamp(k.created, UTC)) for k in keys],
            "now": time.time(),
            "done": _done(request),
            "kinds": SOURCE_KINDS,
            "values": values or {},
            "errors": errors or {},
        },
        status,
    )


async def rotate_key(request: Request) -> Response:
    """A new token signing key (``shudu oauth rotate-key`` from the browser)."""
    if (redirect := signed_in(request)) is not None:
        return redirect
    await read_form(request)

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        _require_admin(principal)
        return {}

    refused = await guarded(request, work)
    if isinstance(refused, Response):
        return refused
    directory = app_state(request).settings.data_dir / "oauth_keys"
    kid = await run_in_threadpool(rotate, directory)
    request.app.state.oauth.server.keys.published(reload=True)

    def record(session: Session, principal: Principal) -> None:
        ledger.append(
            session, "oauth_key.rotated", actor=principal.user_id, subject=f"oauth_key:{kid}"
        )

    await in_transaction(request, record)
    return RedirectResponse("/console/admin?done=rotated", status_code=303)


# --- users ------------------------------------------------------------------------------------


async def users(request: Request) -> Response:
    if (redirect := signed_in(request)) is not None:
        return redirect
    query = request.query_params.get("q", "").strip()[:200]

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        found, total = UserAdminService(session, principal).find(query)
        return {"users": found, "total": total, "query": query}

    context = await guarded(request, work)
    if isinstance(context, Response):
        return context
    return render(request, "admin_users.html", context)


def _user_context(session: Session, principal: Principal, raw_id: str) -> dict[str, Any]:
    admin = UserAdminService(session, principal)
    user = admin.get(parse_uuid(raw_id))
    return {
        "person": user,
        "sessions": AccountService(session).sessions_of(user.id),
        "tokens": admin.active_tokens(user.id),
        "memberships": sorted(user.memberships, key=lambda m: m.organization.name),
    }


async def user_page(request: Request) -> Response:
    if (redirect := signed_in(request)) is not None:
        return redirect
    raw_id = request.path_params["id"]

    def load(session: Session, principal: Principal) -> dict[str, Any]:
        return _user_context(session, principal, raw_id)

    if request.method == "GET":
        return await form_page(request, "admin_user.html", load, done=_done(request))
    form = await read_form(request)
    locked = form.get("action") == "lock"

    def work(session: Session, principal: Principal) -> None:
        UserAdminService(session, principal).set_locked(
            parse_uuid(raw_id), locked=locked, note=form.get("note", "")
        )

    try:
        await in_transaction(request, work)
    except ValidationFailed as exc:
        values = {"note": form.get("note", "")}
        errors = field_errors(request, exc)
        return await form_page(
            request, "admin_user.html", load, values=values, errors=errors, status=422
        )
    except ShuduError as exc:
        return refused(request, exc)
    done = "locked" if locked else "unlocked"
    return RedirectResponse(f"/console/admin/users/{raw_id}?done={done}", status_code=303)


# --- organizations ----------------------------------------------------------------------------


def _orgs_context(session: Session, principal: Principal) -> dict[str, Any]:
    _require_admin(principal)
    return {
        "orgs": list(
            session.scalars(select(Organization).order_by(Organization.kind, Organization.name))
        ),
        "pending": RegistrationService(session, principal).pending(),
    }


async def organizations(request: Request) -> Response:
    if (redirect := signed_in(request)) is not None:
        return redirect
    if request.method == "GET":
        return await form_page(
            request, "admin_orgs.html", _orgs_context, decide_errors={}, done=_done(request)
        )
    form = await read_form(request)
    action = form.get("action", "")

    def work(session: Session, principal: Principal) -> str:
        service = RegistrationService(session, principal)
        if action == "department":
            service.create_department(
                form.get("name", "").strip(),
                form.get("title_zh", ""),
                form.get("title_en", ""),
            )
            return "department"
        if action == "decide":
            approve = form.get("decision") == "approve"
            service.decide(
                parse_uuid(form.get("organization_id", "")),
                approve=approve,
                note=form.get("note", ""),
            )
            return "approved" if approve else "rejected"
        raise ValidationFailed("Unknown action", {"action": ["not a form action"]})

    try:
        done = await in_transaction(request, work)
    except (ValidationFailed, Conflict) as exc:
        if isinstance(exc, Conflict) and not exc.details:
            return refused(request, exc)
        errors = field_errors(request, exc)
        values = {k: form.get(k, "") for k in ("name", "title_zh", "title_en")}
        decide_errors = {}
        if action == "decide":
            decide_errors = {form.get("organization_id", ""): errors.get("note", "")}
            errors = {}
        return await form_page(
            request,
            "admin_orgs.html",
            _orgs_context,
            values=values,
            errors=errors,
            status=exc.status_code,
            decide_errors=decide_errors,
        )
    except ShuduError as exc:
        return refused(request, exc)
    return RedirectResponse(f"/console/admin/organizations?done={done}", status_code=303)


# --- OAuth clients ----------------------------------------------------------------------------


async def clients(request: Request) -> Response:
    if (redirect := signed_in(request)) is not None:
        return redirect
    form = await read_form(request) if request.method == "POST" else None

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        service = OAuthClientService(session)
        if form is not None:
            service.delete(principal, form.get("client_id", ""))
        every = service.every(principal)
        orgs = OrganizationService(session)
        owners = {c.owner_user_id for c in every if c.owner_user_id is not None}
        emails = dict(
            session.execute(select(User.id, User.email).where(User.id.in_(owners))).tuples().all()
        )
        return {
            "clients": [
                {
                    "client": c,
                    "organization": None
                    if c.organization_id is None
                    else orgs.get_by_id(c.organization_id),
                    "owner": emails.get(c.owner_user_id) if c.owner_user_id else None,
                }
                for c in every
            ]
        }

    context = await guarded(request, work)
    if isinstance(context, Response):
        return context
    if form is not None:
        return RedirectResponse("/console/admin/clients?done=deleted", status_code=303)
    return render(request, "admin_clients.html", {**context, "done": _done(request)})


# --- harvest sources ---------------------------------------------------------------------------


async def harvest(request: Request) -> Response:
    """Add a harvest source, or run one now (in the background: the page shows its report
    when it has finished, as the worker's scheduled runs do)."""
    if (redirect := signed_in(request)) is not None:
        return redirect
    form = await read_form(request)
    action = form.get("action", "")
    values = harvest_forms.values_of(form)

    def work(session: Session, principal: Principal) -> str:
        _require_admin(principal)  # departments' publishers use the publisher console
        service = HarvestSourceService(session, principal)
        return harvest_forms.step(service, action, values, form.get("source", ""))[0]

    try:
        done = await in_transaction(request, work)
    except (ValidationFailed, Conflict) as exc:
        context = await guarded(request, _overview)
        if isinstance(context, Response):
            return context
        errors = harvest_forms.errors_of(request, exc, organization=HARVEST_ORGANIZATION)
        return await _overview_page(
            request, context, values=values, errors=errors, status=exc.status_code
        )
    except ShuduError as exc:
        return refused(request, exc)
    response = RedirectResponse(f"/console/admin?done={done}#harvest-h", status_code=303)
    if done == "harvest_started":
        sessions = app_state(request).sessions
        response.background = BackgroundTask(run_source, sessions, form.get("source", ""))
    return response


def routes() -> list[Route]:
    return [
        Route("/console/admin", overview, methods=["GET"]),
        Route("/console/admin/keys", rotate_key, methods=["POST"]),
        Route("/console/admin/users", users, methods=["GET"]),
        Route("/console/admin/users/{id}", user_page, methods=["GET", "POST"]),
        Route("/console/admin/organizations", organizations, methods=["GET", "POST"]),
        Route("/console/admin/clients", clients, methods=["GET", "POST"]),
        Route("/console/admin/harvest", harvest, methods=["POST"]),
    ]
