"""The console: each person's way into the work their roles open (docs/architecture.md,
"Organizations and consoles"), an enterprise registering itself, a person asking to join an
organization, and an organization's admins managing its members.

The rules are :mod:`core.identity.registration`'s; these pages ask it and say the outcome in
the page's language. The site admin's pages are in :mod:`api.web.admin`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from api.html import error_page, login_url, page_language, read_form, render
from api.i18n import N_, translate
from api.state import in_transaction
from core.errors import Conflict, ShuduError, ValidationFailed
from core.identity import creditcode
from core.identity.models import ROLES_BY_KIND, Organization, OrgKind, OrgStatus, Role
from core.identity.principal import Principal
from core.identity.registration import (
    MembershipService,
    RegistrationService,
    approves_enterprises,
)
from core.identity.services import OrganizationService

# The services' field errors (English, for the API) as the page says them.
FIELD_WORDS = {
    "required": N_("请填写这一项。"),
    "not an e-mail address": N_("请输入有效的电子邮箱地址，例如 name@example.com。"),
    "at most 100 characters": N_("最多 100 个字符。"),
    "at most 200 characters": N_("最多 200 个字符。"),
    "at most 2000 characters": N_("最多 2000 个字符。"),
    "digits, spaces, hyphens and a leading + only": N_(
        "电话号码只能包含数字、空格和连字符，开头可以有 +。"
    ),
    "use lowercase letters, digits and hyphens, e.g. 'bus-routes-2024'": N_(
        "简称用小写字母、数字和连字符，3 到 100 个字符，例如 acme-data。"
    ),
    "taken: choose another short name": N_("这个简称已被使用，请换一个。"),
    "already registered: ask its admins to let you join": N_(
        "这个统一社会信用代码已经注册过。请向该机构的管理员申请加入。"
    ),
    "a refusal needs a reason the enterprise can read": N_("不通过时请写明理由，企业会看到它。"),
    "a lock needs a reason": N_("锁定账户时请写明理由。"),
    "no account has this e-mail address": N_("没有使用这个邮箱的账户。"),
}
CREDIT_CODE_WORDS = {
    "length": N_("统一社会信用代码是 18 位，请检查是否多输或少输了字符。"),
    "character": N_("第 %(position)s 位的字符不能用：代码不含字母 I、O、S、V、Z。"),
    "division": N_("第 3 到 8 位是行政区划代码，只能是数字（第 %(position)s 位不是）。"),
    "org_check": N_("第 9 到 17 位的组织机构代码校验不通过，请检查是否输错。"),
    "check": N_("最后一位校验码与前面的字符不符，请检查是否输错。"),
}
ROLE_ERROR = N_("请选择一个角色。")
OTHER_ERROR = N_("请检查这一项。")


def field_errors(
    request: Request, exc: ShuduError, values: Mapping[str, str] | None = None
) -> dict[str, str]:
    """``exc``'s per-field details in the page's language (the first problem of each)."""
    language = page_language(request)
    details = exc.details if isinstance(exc.details, Mapping) else {}
    words: dict[str, str] = {}
    for name, problems in details.items():
        first = str(problems[0]) if isinstance(problems, list) and problems else ""
        if name == "credit_code" and values is not None and first not in FIELD_WORDS:
            try:
                creditcode.validate(values.get("credit_code", ""))
            except creditcode.CreditCodeError as problem:
                message = CREDIT_CODE_WORDS[problem.problem]
                words[name] = translate(language, message, position=problem.position or 0)
                continue
        if name == "role":
            words[name] = translate(language, ROLE_ERROR)
            continue
        words[name] = translate(language, FIELD_WORDS.get(first, OTHER_ERROR))
    return words


def signed_in(request: Request) -> Response | None:
    """A redirect to the sign-in page (coming back here) for a visitor not signed in."""
    if not request.session.get("user_id"):
        return RedirectResponse(login_url(request.url.path), status_code=303)
    return None


def parse_uuid(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise ValidationFailed("Not an id", {"id": ["not an id"]}) from None


def refused(request: Request, exc: ShuduError) -> Response:
    """The designed error page; or, when this browser's session ended (signed out elsewhere,
    or the account locked) while the request ran, the sign-in page."""
    if not request.session.get("user_id"):
        return RedirectResponse(login_url(request.url.path), status_code=303)
    return error_page(request, exc.status_code, exc.message)


async def guarded(
    request: Request, work: Callable[[Session, Principal], dict[str, Any]]
) -> dict[str, Any] | Response:
    """``work``'s context, or the answer to a refusal (see :func:`refused`)."""
    try:
        return await in_transaction(request, work)
    except ShuduError as exc:
        return refused(request, exc)


async def form_page(
    request: Request,
    template: str,
    load: Callable[[Session, Principal], dict[str, Any]],
    *,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    status: int = 200,
    **extra: Any,
) -> Response:
    """A console page with its forms: ``load``'s context (or the answer to a refusal), the
    forms' values and errors (empty on a first visit, kept after a refused submit)."""
    context = await guarded(request, load)
    if isinstance(context, Response):
        return context
    shown = {**context, "values": values or {}, "errors": errors or {}, **extra}
    return render(request, template, shown, status)


# --- the hub ------------------------------------------------------------------------------


def _consoles(principal: Principal) -> list[tuple[str, str, str]]:
    """(path, title, what it is for) of every console the person's roles open."""
    found: list[tuple[str, str, str]] = []
    if principal.publisher_org_ids:
        found.append(
            ("/console/publish", N_("数据发布"), N_("管理本部门的数据集、上传数据、发布与撤回。"))
        )
        found.append(
            ("/exchange/products", N_("数据产品"), N_("把有条件开放的数据做成产品并审核申请。"))
        )
    if principal.is_reviewer:
        found.append(("/exchange", N_("合规审核"), N_("审核申请，暂停、恢复或撤销授权。")))
    if any(r.kind is OrgKind.ENTERPRISE for r in principal.roles):
        found.append(
            ("/exchange", N_("企业数据申请"), N_("浏览数据产品，申请授权，查看额度与账单。"))
        )
    if principal.is_regulator or principal.is_admin:
        found.append(("/console/audit", N_("监管审计"), N_("检索交易账本，核验证明，导出记录。")))
    if principal.is_admin:
        found.append(
            ("/console/admin", N_("站点管理"), N_("用户、机构、审批、OAuth 应用、密钥与后台任务。"))
        )
    return found


def _hub(session: Session, principal: Principal) -> dict[str, Any]:
    registrations = RegistrationService(session, principal).mine()
    joins = MembershipService(session, principal).mine()
    admin_of = [r.organization_id for r in principal.roles if r.role is Role.ADMIN]
    administered = list(
        session.scalars(
            select(Organization).where(Organization.id.in_(admin_of)).order_by(Organization.name)
        )
    )
    member_of = {r.organization_id for r in principal.roles}
    open_orgs = [
        o
        for o in session.scalars(
            select(Organization)
            .where(Organization.status == OrgStatus.APPROVED)
            .order_by(Organization.kind, Organization.name)
        )
        if o.id not in member_of
    ]
    return {
        "consoles": _consoles(principal),
        "roles": principal.roles,
        "registrations": registrations,
        "joins": joins,
        "administered": administered,
        "open_orgs": open_orgs,
        "approver": approves_enterprises(principal),
    }


async def hub(request: Request) -> Response:
    if (redirect := signed_in(request)) is not None:
        return redirect
    context = await guarded(request, _hub)
    if isinstance(context, Response):
        return context
    done = request.query_params.get("done", "")
    context["done"] = DONE.get(done)
    return render(request, "console.html", context)


DONE = {
    "registered": N_("登记已提交。数据交易机构审核通过后，您就可以代表企业申请数据了。"),
    "requested": N_("加入申请已发出，机构管理员处理后会在这里显示结果。"),
    "decided": N_("已处理。"),
    "added": N_("成员已加入。"),
    "removed": N_("成员已移除。"),
}


# --- an enterprise registering itself ----------------------------------------------------

REGISTER_FIELDS = (
    "name",
    "credit_code",
    "legal_name",
    "title_en",
    "contact_name",
    "contact_email",
    "contact_phone",
)


async def register(request: Request) -> Response:
    if (redirect := signed_in(request)) is not None:
        return redirect
    if request.method == "GET":
        values = {"contact_email": request.session.get("email", "")}
        return render(request, "org_register.html", {"values": values, "errors": {}})
    form = await read_form(request)
    values = {name: form.get(name, "").strip() for name in REGISTER_FIELDS}

    def work(session: Session, principal: Principal) -> None:
        RegistrationService(session, principal).register_enterprise(**values)

    try:
        await in_transaction(request, work)
    except (ValidationFailed, Conflict) as exc:
        errors = field_errors(request, exc, values)
        context = {"values": values, "errors": errors}
        return render(request, "org_register.html", context, exc.status_code)
    except ShuduError as exc:
        return refused(request, exc)
    return RedirectResponse("/console?done=registered", status_code=303)


# --- joining, and an organization's admins ----------------------------------------------


async def join(request: Request) -> Response:
    if (redirect := signed_in(request)) is not None:
        return redirect
    form = await read_form(request)

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        org = OrganizationService(session).get(form.get("organization", ""))
        MembershipService(session, principal).request(org, form.get("message", ""))
        return {}

    done = await guarded(request, work)
    if isinstance(done, Response):
        return done
    return RedirectResponse("/console?done=requested", status_code=303)


def _org_context(session: Session, principal: Principal, name: str) -> dict[str, Any]:
    org = OrganizationService(session).get(name)
    members = MembershipService(session, principal)
    return {
        "org": org,
        "members": members.members(org),
        "requests": members.pending_for(org),
        "roles": sorted(r.value for r in ROLES_BY_KIND[org.kind]),
    }


async def organization_console(request: Request) -> Response:
    """An organization's admins: members and their roles, and the requests to join."""
    if (redirect := signed_in(request)) is not None:
        return redirect
    name = request.path_params["name"]

    def load(session: Session, principal: Principal) -> dict[str, Any]:
        return _org_context(session, principal, name)

    if request.method == "GET":
        done = DONE.get(request.query_params.get("done", ""))
        return await form_page(request, "console_org.html", load, done=done)
    form = await read_form(request)
    action = form.get("action", "")

    def work(session: Session, principal: Principal) -> str:
        members = MembershipService(session, principal)
        if action == "decide":
            members.decide(
                parse_uuid(form.get("request_id", "")),
                approve=form.get("decision") == "approve",
                role=form.get("role", ""),
                note=form.get("note", ""),
            )
            return "decided"
        if action == "add":
            org = OrganizationService(session).get(name)
            members.add(org, form.get("email", ""), form.get("role", ""))
            return "added"
        if action == "remove":
            members.remove(parse_uuid(form.get("membership_id", "")))
            return "removed"
        raise ValidationFailed("Unknown action", {"action": ["not a form action"]})

    try:
        done = await in_transaction(request, work)
    except (ValidationFailed, Conflict) as exc:
        if isinstance(exc, Conflict) and not exc.details:
            return refused(request, exc)
        values = {"email": form.get("email", ""), "role": form.get("role", "")}
        errors = field_errors(request, exc, values)
        return await form_page(
            request, "console_org.html", load, values=values, errors=errors, status=exc.status_code
        )
    except ShuduError as exc:
        return refused(request, exc)
    return RedirectResponse(f"/console/org/{name}?done={done}", status_code=303)


def routes() -> list[Route]:
    return [
        Route("/console", hub, methods=["GET"]),
        Route("/console/register", register, methods=["GET", "POST"]),
        Route("/console/join", join, methods=["POST"]),
        Route("/console/org/{name}", organization_console, methods=["GET", "POST"]),
    ]
