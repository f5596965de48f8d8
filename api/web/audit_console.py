"""The regulator console (``/console/audit``): the whole ledger searched, counted, read entry by
entry, checked in the browser and exported, for regulators and site admins only
(docs/architecture.md, "The audit ledger").

Nothing here is editable but the regulator's own saved filters. The rules are the ledger
services': :class:`exchange.ledger.services.AuditService` searches, counts and says who may
read; :func:`exchange.ledger.services.parse_filter` reads a filter exactly as the JSON API
(``/api/v1/audit/entries``) does; the downloads are the API's export records. The page only
turns the form's local dates into times, shows codes as words and says problems in the page's
language.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import orjson
from babel.dates import format_skeleton
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from api.html import (
    BABEL_LOCALES,
    SITE_TIMEZONE,
    error_page,
    here,
    login_url,
    page_language,
    read_form,
    render,
)
from api.i18n import N_, translate
from api.runtime.audit import audit_runtime
from api.state import app_state, in_transaction
from core import ledger
from core.errors import BadRequest, NotAuthenticated, NotFound, ShuduError, ValidationFailed
from core.identity.principal import Principal
from exchange.ledger.saved import MAX_NAME, MAX_SAVED, SavedFilterService
from exchange.ledger.services import (
    AuditService,
    Bucket,
    EntryFilter,
    export_records,
    extract_records,
    filter_json,
    parse_filter,
)
from exchange.ledger.verify import as_csv, as_jsonl

PAGE_SIZE = 50
FORM_KEYS = ("type", "organization", "actor", "subject", "since", "until")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DAY_BUCKETS_MAX = 62  # a longer range is counted per month

# Every entry type the code appends (``ledger.append``, ``ledger_outbox.record_later``), as
# words. A type missing here shows as its code; tests/unit/api/test_audit_console.py fails on it.
TYPE_WORDS: dict[str, str] = {
    "api_token.created": N_("API 令牌已创建"),
    "api_token.revoked": N_("API 令牌已撤销"),
    "dataset.published": N_("数据集已发布"),
    "dataset.draft": N_("数据集已改回草稿"),
    "dataset.withdrawn": N_("数据集已撤回"),
    "exchange.application.created": N_("申请已创建"),
    "exchange.application.submit": N_("申请已提交"),
    "exchange.application.start_review": N_("提供方已开始审核"),
    "exchange.application.provider_approve": N_("提供方已同意申请"),
    "exchange.application.provider_reject": N_("提供方已驳回申请"),
    "exchange.application.compliance_approve": N_("合规审核已通过"),
    "exchange.application.compliance_reject": N_("合规审核已驳回"),
    "exchange.application.issue_agreement": N_("授权协议已生成"),
    "exchange.application.activate": N_("申请已生效"),
    "exchange.application.withdraw": N_("申请已撤回"),
    "exchange.agreement.accepted": N_("授权协议已签署"),
    "exchange.entitlement.granted": N_("数据使用授权已授予"),
    "exchange.entitlement.suspend": N_("授权已暂停"),
    "exchange.entitlement.resume": N_("授权已恢复"),
    "exchange.entitlement.revoke": N_("授权已撤销"),
    "exchange.entitlement.renewed": N_("授权已续期"),
    "exchange.entitlement.renewal_requested": N_("已申请续期授权"),
    "exchange.entitlement.renewal_declined": N_("续期申请被拒绝"),
    "exchange.entitlement.clients": N_("授权的调用应用已更改"),
    "exchange.entitlement.expired": N_("授权已到期"),
    "exchange.certificate.submitted": N_("数据删除证明已提交"),
    "exchange.offer.created": N_("报价已新增"),
    "exchange.product.listed": N_("数据产品已上架"),
    "exchange.report.reminder": N_("已提醒提交使用情况报告"),
    "exchange.report.submitted": N_("使用情况报告已提交"),
    "exchange.statement.issued": N_("月度账单已出具"),
    "exchange.access": N_("授权数据已调用"),
    "exchange.access.denied": N_("越权调用已拒绝"),
    "membership.added": N_("机构成员已添加"),
    "membership.requested": N_("已申请加入机构"),
    "membership.refused": N_("加入机构的申请被拒绝"),
    "membership.removed": N_("机构成员已移除"),
    "oauth.consent_granted": N_("用户已授权应用"),
    "oauth.consent_withdrawn": N_("用户已撤回对应用的授权"),
    "oauth.token_granted": N_("访问令牌已签发"),
    "oauth.token_revoked": N_("访问令牌已撤销"),
    "oauth.refresh_token_reuse": N_("刷新令牌被重复使用"),
    "oauth.refresh_family_revoked": N_("一组刷新令牌已撤销"),
    "oauth_client.created": N_("OAuth 应用已创建"),
    "oauth_client.deleted": N_("OAuth 应用已删除"),
    "oauth_client.secret_rotated": N_("OAuth 应用密钥已更换"),
    "organization.created": N_("机构已创建"),
    "organization.registered": N_("企业已登记"),
    "organization.approved": N_("机构登记已通过"),
    "organization.rejected": N_("机构登记被驳回"),
    "oauth_key.rotated": N_("OAuth 签名密钥已更换"),
    "user.created": N_("用户已创建"),
    "user.email_verified": N_("电子邮箱已验证"),
    "user.password_reset": N_("密码已通过邮件链接重设"),
    "user.totp_enabled": N_("两步验证已开启"),
    "user.totp_disabled": N_("两步验证已关闭"),
    "user.locked": N_("账户已锁定"),
    "user.unlocked": N_("账户已解锁"),
}

# Problems with a filter, by field and the code the parser or the service gives.
FILTER_WORDS = {
    ("since", "time"): N_("“起始日期”不是日期。请按 2026-12-01 的格式填写。"),
    ("until", "time"): N_("“截止日期”不是日期。请按 2026-12-31 的格式填写。"),
    ("since", "after_until"): N_("起始日期晚于截止日期。"),
    ("type", "unknown"): N_("没有“%(value)s”这种记录类型。请从列表中选择。"),
    ("organization", "unknown"): N_("没有名为“%(value)s”的机构。请从列表中选择。"),
    ("actor", "unknown"): N_("没有使用“%(value)s”这个邮箱的用户。"),
    ("after", "page"): N_("翻页参数无效；请从第一页重新开始。"),
}
SAVE_WORDS = {
    "empty": N_("请给筛选条件起个名字。"),
    "too_long": N_("名字最多 %(n)s 个字符。"),
    "control": N_("名字里不能有控制字符。"),
    "no_filter": N_("请先设定至少一个筛选条件，再保存。"),
    "limit": N_("最多保存 %(n)s 个筛选条件；请先删除一个。"),
    "taken": N_("已经有同名的筛选条件；请换一个名字。"),
}
NOT_A_REGULATOR = "Only regulators and administrators read the whole ledger"
MISSING_ENTRY = N_("没有这条记录。")


def _type_word(lang: str, code: str) -> str:
    chinese = TYPE_WORDS.get(code)
    return code if chinese is None else translate(lang, chinese)


def _language(request: Request) -> str:
    return page_language(request)


def _signed_in(request: Request) -> Response | None:
    if not request.session.get("user_id"):
        return RedirectResponse(login_url(here(request)), status_code=303)
    return None


def _as_times(raw: Mapping[str, str]) -> dict[str, str]:
    """The form's local dates as the filter's times: from the start of the first day (China
    Standard Time) to the end of the last; anything else is handed on for the parser to judge."""
    params = {k: v.strip() for k, v in raw.items() if k in FORM_KEYS and v.strip()}
    for name, extra in (("since", 0), ("until", 1)):
        value = params.get(name)
        if value and DAY.match(value):
            try:
                day = date.fromisoformat(value) + timedelta(days=extra)
            except ValueError:
                continue  # 2026-02-30: the parser says it is no time
            params[name] = datetime(day.year, day.month, day.day, tzinfo=SITE_TIMEZONE).isoformat()
    return params


def _problem(exc: ShuduError) -> tuple[str, str]:
    details = exc.details if isinstance(exc.details, Mapping) else {}
    for field, codes in details.items():
        if codes:
            return str(field), str(codes[0])
    return "since", "time"


def _query(values: Mapping[str, str], **more: str) -> str:
    kept = [(k, values[k]) for k in FORM_KEYS if values.get(k)]
    kept += [(k, v) for k, v in more.items() if v]
    return urlencode(kept)


def _month_range(today: date) -> tuple[str, str]:
    first = today.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first.isoformat(), (following - timedelta(days=1)).isoformat()


def _bucket_label(lang: str, bucket: Bucket, key: str) -> str:
    locale = BABEL_LOCALES.get(lang, "zh_Hans_CN")
    if bucket == "month":
        return format_skeleton("yMMMM", date.fromisoformat(key + "-01"), locale=locale)
    return format_skeleton("yMMMd", date.fromisoformat(key), locale=locale)


def _series(service: AuditService, f: EntryFilter, lang: str) -> dict[str, Any]:
    """Entries per day (per month for long ranges) in the filter's time range, every bucket
    of the range present (a day without entries is a 0, not a gap)."""
    bucket: Bucket = "day"
    if f.since and f.until and (f.until - f.since).days > DAY_BUCKETS_MAX:
        bucket = "month"
    counts = service.counts(bucket, since=f.since, until=f.until)
    totals: dict[str, int] = {}
    for series in counts:
        for point in series["points"]:
            totals[point["t"]] = totals.get(point["t"], 0) + point["count"]
    if bucket == "day" and len(totals) > DAY_BUCKETS_MAX:
        bucket = "month"
        counts = service.counts(bucket, since=f.since, until=f.until)
        totals = {}
        for series in counts:
            for point in series["points"]:
                totals[point["t"]] = totals.get(point["t"], 0) + point["count"]
    keys = sorted(totals)
    if bucket == "day" and keys:
        first, last = date.fromisoformat(keys[0]), date.fromisoformat(keys[-1])
        if f.since:
            first = min(first, f.since.astimezone(UTC).date())
        if f.until:
            last = max(last, (f.until - timedelta(microseconds=1)).astimezone(UTC).date())
        if (last - first).days <= DAY_BUCKETS_MAX:
            keys = [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]
    top = max(totals.values(), default=0)
    rows = [
        {
            "label": _bucket_label(lang, bucket, key),
            "count": totals.get(key, 0),
            "share": 0 if not top else round(100 * totals.get(key, 0) / top, 1),
        }
        for key in keys
    ]
    busiest = max(rows, key=lambda r: r["count"], default=None)
    return {
        "bucket": bucket,
        "rows": rows,
        "total": sum(totals.values()),
        "busiest": busiest,
        "types": [
            {"word": _type_word(lang, s["type"]), "count": sum(p["count"] for p in s["points"])}
            for s in counts
        ],
    }


def _party(orgs: Mapping[str, Any], lang: str, org_id: str | None) -> str | None:
    org = orgs.get(org_id or "")
    if org is None:
        return org_id
    title = org.title_en if lang == "en" else org.title_zh
    return str(title or org.title_zh or org.title_en or org.name)


async def console(request: Request) -> Response:
    """The ledger search, its counts over time, exports and saved filters."""
    if (redirect := _signed_in(request)) is not None:
        return redirect
    raw = {k: request.query_params.get(k, "") for k in FORM_KEYS}
    return await _show(request, raw, request.query_params.get("after", ""))


async def _show(
    request: Request,
    raw: dict[str, str],
    after_raw: str,
    *,
    save_name: str = "",
    save_error: str | None = None,
    status: int | None = None,
) -> Response:
    lang = _language(request)
    today = datetime.now(SITE_TIMEZONE).date()
    month_since, month_until = _month_range(today)

    def work(session: Session, principal: Principal) -> tuple[dict[str, Any], int]:
        service = AuditService(session, principal)
        service.require_regulator()
        types = service.types()
        context: dict[str, Any] = {
            "values": raw,
            "types": sorted(
                (
                    {"code": t, "word": _type_word(lang, t)}
                    for t in set(types) | {raw["type"]} - {""}
                ),
                key=lambda t: t["word"],
            ),
            "organizations": [
                {"name": o.name, "title": _party({str(o.id): o}, lang, str(o.id))}
                for o in service.organizations()
            ],
            "saved": [
                {"id": str(s.id), "name": s.name, "href": "/console/audit?" + s.query}
                for s in SavedFilterService(session, principal).mine()
            ],
            "max_saved": MAX_SAVED,
            "max_name": MAX_NAME,
            "problem": None,
            "entries": [],
            "total": 0,
            "next_href": None,
            "first_href": None,
            "chart": None,
            "export_query": _query(raw),
            "month_query": _query({**raw, "since": month_since, "until": month_until}),
            "month": format_skeleton("yMMMM", today, locale=BABEL_LOCALES.get(lang, "zh_Hans_CN")),
            "filtered": any(raw.values()),
            "save_name": save_name,
            "save_error": save_error,
            "saved_notice": request.query_params.get("saved"),
        }
        try:
            f = parse_filter(_as_times(raw))
            after = int(after_raw) if after_raw else None
        except BadRequest as exc:
            context["problem"] = _problem(exc)
            return context, 400
        except ValueError:
            context["problem"] = ("after", "page")
            return context, 400
        unknown = service.unknown(f)
        if f.type and not set(f.type) <= set(types) | set(TYPE_WORDS):
            unknown["type"] = next(t for t in f.type if t not in types and t not in TYPE_WORDS)
        if unknown:
            field = next(k for k in ("type", "organization", "actor") if k in unknown)
            context["problem"] = (field, "unknown", unknown[field])
            return context, 422
        items, total, next_key = service.search(f, after=after, limit=PAGE_SIZE)
        orgs, emails = service.names(items)
        context["entries"] = [
            {
                **e,
                "type_word": _type_word(lang, e["type"]),
                "party": _party(orgs, lang, e["org"]),
                "who": emails.get(e["actor"] or "", e["actor"]),
            }
            for e in items
        ]
        context["total"] = total
        if next_key is not None:
            context["next_href"] = "/console/audit?" + _query(raw, after=str(next_key))
        if after is not None:
            context["first_href"] = "/console/audit?" + _query(raw)
        context["chart"] = _series(service, f, lang)
        return context, 200

    try:
        context, found = await in_transaction(request, work)
    except NotAuthenticated:
        return RedirectResponse(login_url(here(request)), status_code=303)
    except ShuduError as exc:
        return error_page(request, exc.status_code, exc.message)
    problem = context.pop("problem")
    if problem is not None:
        field, code = problem[0], problem[1]
        value = problem[2] if len(problem) > 2 else raw.get(field, "")
        context["error_field"] = field
        context["error"] = translate(lang, FILTER_WORDS[(field, code)], value=value)
    return render(request, "console_audit.html", context, status or found)


def _data_items(data: Mapping[str, Any]) -> list[tuple[str, str, bool]]:
    """An entry's data as (key, text, is_code) pairs: nested values as compact JSON."""
    out: list[tuple[str, str, bool]] = []
    for key in sorted(data):
        value = data[key]
        if isinstance(value, (dict, list)):
            out.append((key, orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode(), True))
        elif value is None:
            out.append((key, "—", False))
        else:
            out.append((key, str(value), isinstance(value, bool)))
    return out


async def entry_page(request: Request) -> Response:
    """One entry: every field in words, its leaf hash, and the in-browser proof check."""
    if (redirect := _signed_in(request)) is not None:
        return redirect
    lang = _language(request)
    raw_seq = request.path_params["seq"]
    if not raw_seq.isdigit() or len(raw_seq) > 18:
        return error_page(request, 404, translate(lang, MISSING_ENTRY))
    seq = int(raw_seq)

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        service = AuditService(session, principal)
        service.require_regulator()
        entry = service.get(seq)
        orgs, emails = service.names([entry])
        body = {k: v for k, v in entry.items() if k != "leaf_hash"}
        org = orgs.get(entry["org"] or "")
        return {
            "entry": entry,
            "type_word": _type_word(lang, entry["type"]),
            "org": org,
            "party": _party(orgs, lang, entry["org"]),
            "who": emails.get(entry["actor"] or ""),
            "data_items": _data_items(entry.get("data") or {}),
            "canonical": ledger.canonical(body).decode(),
            "pretty": _pretty(body),
        }

    try:
        context = await in_transaction(request, work)
    except NotAuthenticated:
        return RedirectResponse(login_url(here(request)), status_code=303)
    except NotFound:
        return error_page(request, 404, translate(lang, MISSING_ENTRY))
    except ShuduError as exc:
        return error_page(request, exc.status_code, exc.message)
    context["base_url"] = app_state(request).settings.base_url.rstrip("/")
    return render(request, "console_audit_entry.html", context)


def _pretty(body: Mapping[str, Any]) -> str:
    """The entry indented for reading (what is hashed is the canonical form beside it)."""
    return json.dumps(body, ensure_ascii=False, indent=2, sort_keys=True)


async def export(request: Request) -> Response:
    """The whole ledger (no filter) or the filter's entries with the latest checkpoint, as the
    API's ``/api/v1/audit/export`` streams them, in JSON lines or CSV."""
    if (redirect := _signed_in(request)) is not None:
        return redirect
    lang = _language(request)
    kind = request.query_params.get("format") or "csv"
    if kind not in ("jsonl", "csv"):
        return error_page(request, 400, "format must be jsonl or csv")
    try:
        f = parse_filter(_as_times(request.query_params))
    except BadRequest as exc:
        field, code = _problem(exc)
        message = translate(lang, FILTER_WORDS.get((field, code), FILTER_WORDS[("since", "time")]))
        return error_page(request, 400, message)

    def check(session: Session, principal: Principal) -> Principal:
        AuditService(session, principal).require_regulator()
        return principal

    try:
        principal = await in_transaction(request, check)
    except ShuduError as exc:
        return error_page(request, exc.status_code, exc.message)
    sessions, signer = app_state(request).sessions, audit_runtime(request).signer
    records: Iterator[dict[str, Any]]
    if filter_json(f):
        records = extract_records(sessions, signer, principal, f)
        name = "shudu-audit-extract"
    else:
        records = export_records(sessions, signer)
        name = "shudu-audit"
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    headers = {"Content-Disposition": f'attachment; filename="{name}-{stamp}.{kind}"'}
    if kind == "csv":
        return StreamingResponse(as_csv(records), media_type="text/csv", headers=headers)
    return StreamingResponse(as_jsonl(records), media_type="application/x-ndjson", headers=headers)


async def save_filter(request: Request) -> Response:
    """Save the current filter under a name (POST, CSRF), or delete a saved one."""
    if (redirect := _signed_in(request)) is not None:
        return redirect
    form = await read_form(request)
    lang = _language(request)
    action = form.get("action", "save")
    params = {k: form.get(k, "") for k in FORM_KEYS}
    back = "/console/audit?" + _query(params)

    def work(session: Session, principal: Principal) -> None:
        service = SavedFilterService(session, principal)
        if action == "delete":
            try:
                filter_id = uuid.UUID(form.get("id", ""))
            except ValueError:
                raise NotFound("No such saved filter") from None
            service.delete(filter_id)
        else:
            service.save(form.get("name", ""), params)

    try:
        await in_transaction(request, work)
    except NotAuthenticated:
        return RedirectResponse(login_url("/console/audit"), status_code=303)
    except (ValidationFailed, BadRequest) as exc:
        field, code = _problem(exc)
        if (field, code) in FILTER_WORDS:
            message = translate(lang, FILTER_WORDS[(field, code)], value=params.get(field, ""))
        else:
            message = translate(lang, SAVE_WORDS.get(code, SAVE_WORDS["empty"]), n=_limit(code))
        return await _refused(request, params, form.get("name", ""), message, exc.status_code)
    except ShuduError as exc:
        if exc.status_code == 409:
            message = translate(lang, SAVE_WORDS["taken"])
            return await _refused(request, params, form.get("name", ""), message, 409)
        return error_page(request, exc.status_code, exc.message)
    if action == "delete":
        return RedirectResponse("/console/audit?saved=deleted", status_code=303)
    return RedirectResponse(back + ("&" if "?" in back else "?") + "saved=1", status_code=303)


def _limit(code: str) -> int:
    return MAX_SAVED if code == "limit" else MAX_NAME


async def _refused(
    request: Request, params: dict[str, str], name: str, message: str, status: int
) -> Response:
    """The console again, its filter and the name filled in, with why the save was refused."""
    return await _show(request, params, "", save_name=name, save_error=message, status=status)


async def filters_page(request: Request) -> Response:
    """A GET of the save address (a language switch after a refused save): the console."""
    return RedirectResponse("/console/audit?" + _query(request.query_params), status_code=303)


def routes() -> list[Route]:
    return [
        Route("/console/audit", console, methods=["GET"]),
        Route("/console/audit/filters", save_filter, methods=["POST"]),
        Route("/console/audit/filters", filters_page, methods=["GET"]),
        Route("/console/audit/export", export, methods=["GET"]),
        Route("/console/audit/entries/{seq}", entry_page, methods=["GET"]),
    ]
