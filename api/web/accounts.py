"""Account pages: sign-up and e-mail verification, sign-in (throttled, with a TOTP step),
password reset, the security page (two-factor sign-in, signed-in sessions), personal API
tokens, and sign-out (docs/architecture.md, "Accounts and sign-in").

The rules are :class:`core.identity.accounts.AccountService`'s; these pages only ask it and
say the outcome in the page's language. Mail is sent after the transaction that made its link
has committed, so a link in a mail always exists.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from typing import Any

import segno
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from api.access.auth import SESSION_SECRET_KEY
from api.html import error_page, page_language, read_form, render, safe_next
from api.i18n import N_, translate
from api.state import app_state, in_transaction
from core.errors import (
    Conflict,
    NotAuthenticated,
    ServiceUnavailable,
    ShuduError,
    ValidationFailed,
)
from core.identity.accounts import (
    RESET_LIFETIME,
    VERIFY_LIFETIME,
    AccountService,
    LinkProblem,
    SignInOutcome,
    check_password,
    totp_required,
)
from core.identity.models import User
from core.identity.passwords import MIN_PASSWORD_LENGTH
from core.identity.principal import Principal
from core.identity.services import MAX_TOKEN_DAYS, TokenService, UserService
from core.mail import Mail

PENDING_KEY = "pending"  # password right, second factor still to come
PENDING_SECONDS = 300

VERIFY_SUBJECT = N_("数都：请验证您的电子邮箱")
VERIFY_TEXT = N_(
    "您好，%(name)s：\n\n请打开下面的链接，验证这个邮箱地址并启用您在数都的账户。"
    "链接 %(hours)s 小时内有效，只能使用一次。\n\n%(link)s\n\n如果不是您本人注册，请忽略这封邮件。"
)
RESET_SUBJECT = N_("数都：重设密码")
RESET_TEXT = N_(
    "您好，%(name)s：\n\n请打开下面的链接，为您的数都账户设置新密码。"
    "链接 %(minutes)s 分钟内有效，只能使用一次。\n\n%(link)s\n\n"
    "如果您没有要求重设密码，请忽略这封邮件，您的密码不会改变。"
)
LINK_WORDS = {
    "unknown": N_("这个链接无效。请检查是否完整复制了邮件中的链接，或重新申请一个。"),
    "used": N_("这个链接已经用过了。每个链接只能使用一次；如有需要，请重新申请。"),
    "expired": N_("这个链接已过期。请重新申请一个。"),
}


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _link_problem(exc: LinkProblem) -> str:
    details = exc.details if isinstance(exc.details, Mapping) else {}
    kind = (details.get("link") or ["unknown"])[0]
    return LINK_WORDS.get(kind, LINK_WORDS["unknown"])


async def _send(request: Request, mail: Mail) -> bool:
    """Send after commit; False (and the page says so) when the mail server refused."""
    try:
        await run_in_threadpool(app_state(request).mailer.send, mail)
    except ServiceUnavailable:
        return False
    return True


def _link(request: Request, path: str, secret: str) -> str:
    return app_state(request).settings.base_url.rstrip("/") + f"{path}?token={secret}"


def _start_session(request: Request, user_id: str, email: str, secret: str) -> None:
    # A fresh cookie session on sign-in (no fixation): nothing from before is kept but the
    # page language.
    language = request.session.get("lang")
    request.session.clear()
    request.session.update({SESSION_SECRET_KEY: secret, "user_id": user_id, "email": email})
    if language:
        request.session["lang"] = language


def _words(request: Request, errors: Mapping[str, str], **values: Any) -> dict[str, str]:
    """Field errors (message ids) in the page's language, their placeholders filled in."""
    language = page_language(request)
    return {field: translate(language, message, **values) for field, message in errors.items()}


def _notice(request: Request, title: str, text: str, **context: Any) -> Response:
    status = int(context.pop("status", 200))
    return render(request, "account_notice.html", {"title": title, "text": text, **context}, status)


# --- sign-up and verification ----------------------------------------------------------------


async def signup(request: Request) -> Response:
    empty = {"email": "", "display_name": ""}
    if request.method == "GET":
        return render(request, "signup.html", {"values": empty, "errors": {}})
    form = await read_form(request)
    values = {k: form.get(k, "").strip() for k in empty}
    password, again = form.get("password", ""), form.get("password_again", "")
    errors: dict[str, str] = {}
    if password != again:
        errors["password_again"] = N_("两次输入的密码不一致")
    try:
        check_password(password)
    except ValidationFailed:
        errors["password"] = N_("密码至少要有 %(n)s 个字符")
    if errors:
        words = _words(request, errors, n=MIN_PASSWORD_LENGTH)
        return render(request, "signup.html", {"values": values, "errors": words}, 422)

    def work(session: Session, _: Principal) -> tuple[str, str, str]:
        user, secret = AccountService(session).sign_up(
            values["email"], password, values["display_name"]
        )
        return user.email, user.display_name or user.email, secret

    status = 422
    try:
        email, name, secret = await in_transaction(request, work)
    except Conflict:
        errors["email"] = N_("这个邮箱已经注册过了：请直接登录，或重设密码")
        status = 409
    except ValidationFailed as exc:
        details = exc.details if isinstance(exc.details, Mapping) else {}
        if "email" in details:
            errors["email"] = N_("请填写有效的电子邮箱地址，例如 name@example.cn")
        else:
            errors["password"] = N_("密码至少要有 %(n)s 个字符")
    if errors:
        words = _words(request, errors, n=MIN_PASSWORD_LENGTH)
        return render(request, "signup.html", {"values": values, "errors": words}, status)
    sent = await _send(request, _verify_mail(request, email, name, secret))
    return _notice(
        request,
        N_("请查收验证邮件"),
        N_("我们已向 %(email)s 发送了一封邮件。打开邮件中的链接，验证邮箱后即可登录。")
        if sent
        else N_("账户已建立，但验证邮件暂时发不出去。请稍后在登录页重新发送验证邮件。"),
        email=email,
        resend=True,
        status=200 if sent else 503,
    )


def _verify_mail(request: Request, email: str, name: str, secret: str) -> Mail:
    language = page_language(request)
    hours = int(VERIFY_LIFETIME.total_seconds() // 3600)
    return Mail(
        to=email,
        subject=translate(language, VERIFY_SUBJECT),
        text=translate(
            language,
            VERIFY_TEXT,
            name=name,
            hours=hours,
            link=_link(request, "/signup/verify", secret),
        ),
    )


async def resend_verification(request: Request) -> Response:
    form = await read_form(request)
    email = form.get("email", "").strip()

    def work(session: Session, _: Principal) -> tuple[str, str, str] | None:
        found = AccountService(session).resend_verification(email)
        if found is None:
            return None
        user, secret = found
        return user.email, user.display_name or user.email, secret

    found = await in_transaction(request, work)
    if found is not None and not await _send(request, _verify_mail(request, *found)):
        return _notice(
            request,
            N_("邮件暂时发不出去"),
            N_("请稍后再试。"),
            status=503,
        )
    return _notice(
        request,
        N_("请查收验证邮件"),
        N_("如果 %(email)s 有一个尚未验证的账户，我们已向它发送了新的验证链接。"),
        email=email,
    )


async def verify(request: Request) -> Response:
    """GET shows a button (a mail scanner that follows links must not use the link up);
    the POST proves the address."""
    if request.method == "GET":
        secret = request.query_params.get("token", "")
        return render(request, "signup_verify.html", {"token": secret})
    form = await read_form(request)
    secret = form.get("token", "")

    def work(session: Session, _: Principal) -> str:
        return AccountService(session).verify_email(secret).email

    try:
        email = await in_transaction(request, work)
    except LinkProblem as exc:
        return _notice(request, N_("无法验证邮箱"), _link_problem(exc), resend=True, status=400)
    return _notice(
        request,
        N_("邮箱已验证"),
        N_("%(email)s 已验证，现在可以登录了。"),
        email=email,
        sign_in=True,
    )


# --- sign-in -----------------------------------------------------------------------------------


def _login_page(
    request: Request,
    *,
    error: str | None = None,
    email: str = "",
    following: str | None = None,
    status: int = 200,
    **more: Any,
) -> Response:
    context = {"error": error, "email": email, "next": following, **more}
    return render(request, "login.html", context, status)


async def login(request: Request) -> Response:
    if request.method == "GET":
        following = safe_next(request.query_params.get("next"))
        return _login_page(request, following=following)
    form = await read_form(request)
    email, password = form.get("email", "").strip(), form.get("password", "")
    following = safe_next(form.get("next"))
    address = _address(request)

    def work(session: Session, _: Principal) -> dict[str, Any]:
        accounts = AccountService(session)
        result = accounts.sign_in(email, password, address)
        out: dict[str, Any] = {"outcome": result.outcome, "retry": result.retry_after}
        user = result.user
        if result.outcome is SignInOutcome.OK and user is not None:
            out.update(user_id=str(user.id), email=user.email)
            if user.totp_enabled_at is not None:
                out["step"] = "code"
            elif totp_required(user):
                out["step"] = "enrol"
            else:
                out["secret"] = accounts.open_session(user, request.headers.get("user-agent", ""))
        return out

    found = await in_transaction(request, work, write=True)
    outcome = found["outcome"]
    if outcome is SignInOutcome.THROTTLED:
        minutes = max(1, (int(found["retry"]) + 59) // 60)
        return _login_page(
            request,
            error=translate(
                page_language(request),
                N_("登录失败的次数太多。为保护账户，请 %(minutes)s 分钟后再试，或重设密码。"),
                minutes=minutes,
            ),
            email=email,
            following=following,
            status=429,
        )
    if outcome is SignInOutcome.WRONG:
        error = translate(page_language(request), N_("邮箱或密码不正确。"))
        return _login_page(request, error=error, email=email, following=following, status=401)
    if outcome is SignInOutcome.UNVERIFIED:
        error = translate(
            page_language(request), N_("这个账户的邮箱还没有验证。请打开验证邮件中的链接。")
        )
        return _login_page(
            request, error=error, email=email, following=following, status=403, unverified=True
        )
    if "secret" in found:
        _start_session(request, found["user_id"], found["email"], found["secret"])
        return RedirectResponse(following or "/account/tokens", status_code=303)
    request.session[PENDING_KEY] = {
        "user_id": found["user_id"],
        "until": int(time.time()) + PENDING_SECONDS,
        "next": following,
        "enrol": found["step"] == "enrol",
    }
    target = "/login/code" if found["step"] == "code" else "/account/security"
    return RedirectResponse(target, status_code=303)


def _pending(request: Request) -> dict[str, Any] | None:
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict) or int(pending.get("until", 0)) < time.time():
        request.session.pop(PENDING_KEY, None)
        return None
    return pending


async def login_code(request: Request) -> Response:
    pending = _pending(request)
    if pending is None or pending.get("enrol"):
        return RedirectResponse("/login", status_code=303)
    if request.method == "GET":
        return render(request, "login_code.html", {"error": None})
    form = await read_form(request)
    code = form.get("code", "")
    address = _address(request)

    def work(session: Session, _: Principal) -> dict[str, Any]:
        accounts = AccountService(session)
        user = session.get(User, uuid.UUID(pending["user_id"]))
        if user is None or not user.is_active:
            return {"gone": True}
        retry = accounts.throttled(user.email, address)
        if retry:
            return {"retry": retry}
        if not accounts.check_totp(user, code):
            accounts.note_failure(user.email, address)
            return {"wrong": True}
        secret = accounts.open_session(user, request.headers.get("user-agent", ""))
        return {"secret": secret, "user_id": str(user.id), "email": user.email}

    found = await in_transaction(request, work, write=True)
    language = page_language(request)
    if found.get("gone"):
        request.session.pop(PENDING_KEY, None)
        return RedirectResponse("/login", status_code=303)
    if "retry" in found:
        minutes = max(1, (int(found["retry"]) + 59) // 60)
        message = N_("登录失败的次数太多。为保护账户，请 %(minutes)s 分钟后再试，或重设密码。")
        error = translate(language, message, minutes=minutes)
        return render(request, "login_code.html", {"error": error}, 429)
    if found.get("wrong"):
        error = translate(
            language, N_("验证码不正确或已过期。请输入验证器应用中当前显示的 6 位数字。")
        )
        return render(request, "login_code.html", {"error": error}, 401)
    following = pending.get("next")
    _start_session(request, found["user_id"], found["email"], found["secret"])
    return RedirectResponse(safe_next(following) or "/account/tokens", status_code=303)


async def logout(request: Request) -> Response:
    await read_form(request)
    secret = request.session.get(SESSION_SECRET_KEY)
    if isinstance(secret, str):

        def work(session: Session, _: Principal) -> None:
            AccountService(session).end_session_by_secret(secret)

        await in_transaction(request, work, write=True)
    language = request.session.get("lang")
    request.session.clear()
    if language:
        request.session["lang"] = language
    return RedirectResponse("/", status_code=303)


# --- password reset ----------------------------------------------------------------------------


async def forgot_password(request: Request) -> Response:
    if request.method == "GET":
        return render(request, "password_forgot.html", {"email": "", "error": None})
    form = await read_form(request)
    email = form.get("email", "").strip()

    def work(session: Session, _: Principal) -> tuple[str, str, str] | None:
        found = AccountService(session).request_reset(email)
        if found is None:
            return None
        user, secret = found
        return user.email, user.display_name or user.email, secret

    found = await in_transaction(request, work)
    if found is not None:
        to, name, secret = found
        language = page_language(request)
        minutes = int(RESET_LIFETIME.total_seconds() // 60)
        mail = Mail(
            to=to,
            subject=translate(language, RESET_SUBJECT),
            text=translate(
                language,
                RESET_TEXT,
                name=name,
                minutes=minutes,
                link=_link(request, "/password/reset", secret),
            ),
        )
        if not await _send(request, mail):
            error = translate(language, N_("邮件暂时发不出去。请稍后再试。"))
            return render(request, "password_forgot.html", {"email": email, "error": error}, 503)
    return _notice(
        request,
        N_("请查收邮件"),
        N_(
            "如果 %(email)s 是某个账户的邮箱，我们已向它发送了重设密码的链接，"
            "%(minutes)s 分钟内有效。"
        ),
        email=email,
        minutes=int(RESET_LIFETIME.total_seconds() // 60),
    )


async def reset_password(request: Request) -> Response:
    if request.method == "GET":
        secret = request.query_params.get("token", "")

        def check(session: Session, _: Principal) -> str:
            return AccountService(session).check_reset_link(secret).email

        try:
            email = await in_transaction(request, check)
        except LinkProblem as exc:
            return _notice(request, N_("无法重设密码"), _link_problem(exc), forgot=True, status=400)
        return render(
            request, "password_reset.html", {"token": secret, "email": email, "errors": {}}
        )
    form = await read_form(request)
    secret, password = form.get("token", ""), form.get("password", "")
    errors: dict[str, str] = {}
    if password != form.get("password_again", ""):
        errors["password_again"] = N_("两次输入的密码不一致")
    try:
        check_password(password)
    except ValidationFailed:
        errors["password"] = N_("密码至少要有 %(n)s 个字符")

    def work(session: Session, _: Principal) -> str:
        accounts = AccountService(session)
        if errors:
            return accounts.check_reset_link(secret).email
        return accounts.reset_password(secret, password).email

    try:
        email = await in_transaction(request, work)
    except LinkProblem as exc:
        return _notice(request, N_("无法重设密码"), _link_problem(exc), forgot=True, status=400)
    if errors:
        words = _words(request, errors, n=MIN_PASSWORD_LENGTH)
        context = {"token": secret, "email": email, "errors": words}
        return render(request, "password_reset.html", context, 422)
    request.session.clear()
    return _notice(
        request,
        N_("密码已更新"),
        N_("%(email)s 的新密码已生效，所有已登录的设备都已退出。请用新密码登录。"),
        email=email,
        sign_in=True,
    )


# --- the security page: two-factor sign-in and sessions ------------------------------------


def _qr_svg(uri: str) -> str:
    svg = segno.make(uri, error="m").svg_data_uri(scale=5, border=2)
    return str(svg)


async def security(request: Request) -> Response:
    pending = _pending(request)
    enrolling = pending is not None and bool(pending.get("enrol"))
    if not request.session.get(SESSION_SECRET_KEY) and not enrolling:
        return RedirectResponse("/login?next=/account/security", status_code=303)
    form = await read_form(request) if request.method == "POST" else None
    action = form.get("action", "") if form else ""
    current = request.session.get(SESSION_SECRET_KEY)

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        accounts = AccountService(session)
        if principal.user_id is not None:
            user: User | None = session.get(User, principal.user_id)
        elif enrolling and pending is not None:
            user = session.get(User, uuid.UUID(pending["user_id"]))
        else:
            user = None
        if user is None or not user.is_active:
            raise NotAuthenticated("Sign in first")
        out: dict[str, Any] = {"error": None, "done": None}
        if form is not None:
            code = form.get("code", "")
            try:
                if action == "confirm":
                    accounts.confirm_totp(user, code)
                    out["done"] = N_(
                        "两步验证已开启。以后登录时，需要输入验证器应用中的 6 位数字。"
                    )
                    if enrolling:
                        out["secret"] = accounts.open_session(
                            user, request.headers.get("user-agent", "")
                        )
                elif action == "start" and principal.user_id is not None:
                    accounts.start_totp(user)
                elif action == "disable" and principal.user_id is not None:
                    accounts.disable_totp(user, code)
                    out["done"] = N_("两步验证已关闭。")
                elif action == "end" and principal.user_id is not None:
                    accounts.end_session(user.id, uuid.UUID(form.get("session", "")))
                    out["done"] = N_("已让这个设备退出登录。")
                elif action == "end_others" and principal.user_id is not None:
                    this = _this_session(accounts, user.id, current)
                    count = accounts.end_all_sessions(user.id, keep=this)
                    out["done"] = N_("已让其他 %(n)s 个设备退出登录。")
                    out["done_n"] = count
            except ValidationFailed as exc:
                required = "cannot be turned off" in str(exc.details)
                out["error"] = (
                    N_("您的角色必须使用两步验证，不能关闭。")
                    if required
                    else N_("验证码不正确或已过期。请输入验证器应用中当前显示的 6 位数字。")
                )
            except ValueError:
                out["error"] = N_("找不到这个登录设备。")
        if user.totp_enabled_at is None and user.totp_secret is None and enrolling:
            accounts.start_totp(user)  # the forced set-up starts at once
        out["user"] = {"id": str(user.id), "email": user.email}
        out["totp_on"] = user.totp_enabled_at is not None
        out["totp_required"] = totp_required(user)
        out["totp_secret"] = None
        out["qr"] = None
        if user.totp_enabled_at is None and user.totp_secret is not None:
            out["totp_secret"] = user.totp_secret
            out["qr"] = _qr_svg(accounts.totp_uri(user))
        this = _this_session(accounts, user.id, current)
        out["sessions"] = (
            []
            if enrolling and "secret" not in out
            else [
                {
                    "id": str(s.id),
                    "agent": s.user_agent,
                    "created_at": s.created_at,
                    "current": s.id == this,
                }
                for s in accounts.sessions_of(user.id)
            ]
        )
        return out

    try:
        found = await in_transaction(request, work, write=True)
    except NotAuthenticated:
        request.session.pop(PENDING_KEY, None)
        return RedirectResponse("/login", status_code=303)
    if "secret" in found:  # a forced set-up just finished: now the person is signed in
        following = pending.get("next") if pending else None
        _start_session(request, found["user"]["id"], found["user"]["email"], found["secret"])
        return RedirectResponse(safe_next(following) or "/account/tokens", status_code=303)
    status = 422 if found["error"] else 200
    return render(request, "security.html", {**found, "enrolling": enrolling}, status)


def _this_session(accounts: AccountService, user_id: uuid.UUID, secret: Any) -> uuid.UUID | None:
    if not isinstance(secret, str):
        return None
    found = accounts.session_user(secret)
    return None if found is None or found[1].id != user_id else found[0].id


# --- personal API tokens -----------------------------------------------------------------------


async def tokens_page(request: Request) -> Response:
    if not request.session.get("user_id"):
        return RedirectResponse("/login?next=/account/tokens", status_code=303)
    created: str | None = None
    form = await read_form(request) if request.method == "POST" else None
    values = {"name": "", "days": "90", "write": ""}
    errors: dict[str, str] = {}
    revoking = form.get("revoke", "") if form is not None else ""
    creating = form is not None and not revoking
    if form is not None and creating:
        values = {k: form.get(k, "").strip() for k in values}
        if not values["days"].isdigit() or not 1 <= int(values["days"]) <= MAX_TOKEN_DAYS:
            errors["days"] = N_("有效天数是 1 到 %(n)s 之间的整数")

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        nonlocal created
        if principal.user_id is None:
            raise NotAuthenticated("Log in first")
        tokens = TokenService(session)
        if creating and not errors:
            user = UserService(session).get(principal.user_id)
            issued = tokens.create(
                user,
                name=values["name"],
                can_write=values["write"] == "on",
                days=int(values["days"]),
            )
            created = issued.secret
        if revoking:
            tokens.revoke(principal.user_id, uuid.UUID(revoking))
        return {"tokens": tokens.list_for(principal.user_id)}

    try:
        context = await in_transaction(request, work)
    except NotAuthenticated:
        return RedirectResponse("/login?next=/account/tokens", status_code=303)
    except ValueError:
        return error_page(request, 404, "No such token")
    except ShuduError as exc:
        return error_page(request, exc.status_code, exc.message)
    status = 422 if errors else 200
    words = _words(request, errors, n=MAX_TOKEN_DAYS)
    context = {**context, "created": created, "values": values, "errors": words}
    return render(request, "tokens.html", context, status)


def routes() -> list[Route]:
    return [
        Route("/signup", signup, methods=["GET", "POST"]),
        Route("/signup/resend", resend_verification, methods=["POST"]),
        Route("/signup/verify", verify, methods=["GET", "POST"]),
        Route("/login", login, methods=["GET", "POST"]),
        Route("/login/code", login_code, methods=["GET", "POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/password/forgot", forgot_password, methods=["GET", "POST"]),
        Route("/password/reset", reset_password, methods=["GET", "POST"]),
        Route("/account/security", security, methods=["GET", "POST"]),
        Route("/account/tokens", tokens_page, methods=["GET", "POST"]),
    ]
