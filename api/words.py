"""Codes as words: the catalog's enumerations as page text, so a page never shows a code.

Each table maps a stored code to its Chinese word (a message id, see ``api.i18n``); pages
call ``word(kind, code)``. A code with no word shows as itself, and a test fails on it.
"""

from __future__ import annotations

from api.i18n import N_

WORDS: dict[str, dict[str, str]] = {
    "frequency": {
        "realtime": N_("实时"),
        "daily": N_("每日"),
        "weekly": N_("每周"),
        "monthly": N_("每月"),
        "quarterly": N_("每季度"),
        "annual": N_("每年"),
        "irregular": N_("不定期"),
    },
    "open_level": {
        "open": N_("无条件开放"),
        "conditional": N_("有条件开放"),
        "closed": N_("非开放"),
    },
    "grade": {
        "general": N_("一般数据"),
        "important": N_("重要数据"),
        "core": N_("核心数据"),
    },
    "state": {
        "draft": N_("草稿"),
        "published": N_("已发布"),
        "withdrawn": N_("已撤回"),
    },
    "application_state": {
        "draft": N_("草稿"),
        "submitted": N_("已提交"),
        "provider_review": N_("提供方审核中"),
        "compliance_review": N_("合规审核中"),
        "approved": N_("审核通过"),
        "rejected": N_("已驳回"),
        "agreement_pending": N_("待签署协议"),
        "active": N_("已生效"),
        "withdrawn": N_("已撤回"),
    },
    "entitlement_state": {
        "active": N_("有效"),
        "suspended": N_("已暂停"),
        "revoked": N_("已撤销"),
        "expired": N_("已过期"),
    },
    "org_kind": {
        "department": N_("政府部门"),
        "enterprise": N_("企业"),
        "exchange": N_("数据交易机构"),
        "regulator": N_("监管机构"),
    },
    "role": {
        "admin": N_("管理员"),
        "publisher": N_("发布员"),
        "member": N_("成员"),
        "reviewer": N_("合规审核员"),
        "regulator": N_("监管员"),
    },
    "org_status": {
        "pending": N_("待审核"),
        "approved": N_("已通过"),
        "rejected": N_("未通过"),
    },
    "join_status": {
        "pending": N_("待处理"),
        "approved": N_("已同意"),
        "rejected": N_("已拒绝"),
    },
    "resource_kind": {
        "upload": N_("文件"),
        "link": N_("链接"),
        "api": N_("接口"),
    },
    "field_type": {
        "integer": N_("整数"),
        "decimal": N_("数值"),
        "boolean": N_("是/否"),
        "date": N_("日期"),
        "datetime": N_("日期时间"),
        "text": N_("文本"),
    },
}


def word_for(kind: str, code: str | None) -> str | None:
    """The Chinese word for ``code`` of ``kind``; None when there is none."""
    if code is None:
        return None
    return WORDS.get(kind, {}).get(str(code))
