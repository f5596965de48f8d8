"""Policies in plain words, Chinese (``zh``) and English (``en``).

The same sentences appear in agreements, on offer pages and in denials, so a licensee reads the
term that failed exactly as it was agreed. Unknown terms are shown as they are written, never
dropped (a reader must see everything a policy says).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from licensing.durations import Duration, parse_duration
from licensing.policy import Constraint, Policy, Rule, canonical_json
from licensing.purposes import purpose_label
from licensing.terms import Action, Duty, Operand, Operator

ACTION_LABELS: dict[str, tuple[str, str]] = {
    Action.USE: ("以任何方式使用", "use in any way"),
    Action.READ: ("查询数据记录（含聚合查询）", "read records (including aggregate queries)"),
    Action.AGGREGATE: ("仅进行聚合查询", "run aggregate queries"),
    Action.DOWNLOAD: ("下载文件与导出数据", "download files and exports"),
}


def _pick(language: str, zh: str, en: str) -> str:
    return zh if language == "zh" else en


def _join(values: Iterable[str], language: str) -> str:
    return ("、" if language == "zh" else ", ").join(values)


def _values(c: Constraint) -> list[str]:
    right = c.right_operand
    items = right if isinstance(right, list) else [right]
    return [str(v) for v in items]


def _labels(c: Constraint, language: str) -> str:
    values = _values(c)
    if c.left_operand == Operand.PURPOSE:
        values = [purpose_label(v, language) for v in values]
    return _join(values, language)


def _duration(c: Constraint) -> Duration | None:
    value = c.value
    if isinstance(value, Duration):
        return value
    try:
        return parse_duration(c.right_operand)
    except ValueError:
        return None


_SUBJECTS: dict[str, tuple[str, str]] = {
    Operand.PURPOSE: ("使用目的", "the purpose"),
    Operand.RECIPIENT: ("数据接收方", "the recipient"),
    Operand.SPATIAL: ("数据处理地", "the place of processing"),
}
_EQUALITY_PHRASES: dict[str, tuple[str, str]] = {
    Operator.EQ: ("为", "is"),
    Operator.NEQ: ("不得为", "is not"),
    Operator.IS_ANY_OF: ("为以下之一：", "is one of:"),
    Operator.IS_NONE_OF: ("不得为以下任一：", "is none of:"),
}


def action_label(action: str, language: str) -> str:
    found = ACTION_LABELS.get(action)
    return found[0 if language == "zh" else 1] if found else action


def describe_constraint(c: Constraint, language: str) -> str:
    """One constraint as a clause, e.g. "the purpose is one of: urban planning"."""
    operand, op, lang = c.left_operand, c.operator, language
    listed = _labels(c, lang)
    if operand in _SUBJECTS and op in _EQUALITY_PHRASES:
        zh_subject, en_subject = _SUBJECTS[operand]
        zh_phrase, en_phrase = _EQUALITY_PHRASES[op]
        return _pick(lang, f"{zh_subject}{zh_phrase}{listed}", f"{en_subject} {en_phrase} {listed}")
    if operand == Operand.DATE_TIME:
        when = str(c.right_operand)
        zh, en = {
            "lt": (f"在 {when} 之前", f"before {when}"),
            "lteq": (f"不晚于 {when}", f"no later than {when}"),
            "gt": (f"在 {when} 之后", f"after {when}"),
            "gteq": (f"自 {when} 起", f"from {when} on"),
        }.get(op, (f"时间 {op} {when}", f"time {op} {when}"))
        return _pick(lang, f"使用时间{zh}", f"use happens {en}")
    if operand in (Operand.ELAPSED_TIME, Operand.TIME_INTERVAL):
        d = _duration(c)
        zh_d = d.words("zh") if d else str(c.right_operand)
        en_d = d.words("en") if d else str(c.right_operand)
        if operand == Operand.TIME_INTERVAL:
            return _pick(lang, f"每{zh_d}", f"every {en_d}")
        zh, en = {
            "lt": (f"自协议生效起{zh_d}内", f"within {en_d} of the agreement's start"),
            "lteq": (f"自协议生效起{zh_d}内（含）", f"at most {en_d} after the agreement's start"),
            "gt": (f"自协议生效满{zh_d}之后", f"more than {en_d} after the agreement's start"),
            "gteq": (f"自协议生效满{zh_d}起", f"from {en_d} after the agreement's start on"),
        }.get(op, (f"经过时间 {op} {zh_d}", f"elapsed time {op} {en_d}"))
        return _pick(lang, f"使用时间在{zh}", f"use happens {en}")
    if operand == Operand.FIELDS:
        if op == Operator.IS_NONE_OF:
            return _pick(
                lang, f"不得使用以下字段：{listed}", f"these fields may not be used: {listed}"
            )
        return _pick(
            lang, f"仅可使用以下字段：{listed}", f"only these fields may be used: {listed}"
        )
    if operand == Operand.MASKED_FIELDS:
        return _pick(
            lang, f"以下字段脱敏返回：{listed}", f"these fields are returned masked: {listed}"
        )
    if operand == Operand.ROW_FILTER:
        return _row_filter(c.right_operand, lang)
    if operand in (Operand.CALLS_PER_DAY, Operand.ROWS_PER_MONTH):
        n = c.right_operand
        calls = operand == Operand.CALLS_PER_DAY
        if op == Operator.LT:
            return _pick(
                lang,
                f"每日调用少于 {n} 次" if calls else f"每月获取少于 {n} 行",
                f"fewer than {n} calls per day" if calls else f"fewer than {n} rows per month",
            )
        return _pick(
            lang,
            f"每日调用不超过 {n} 次" if calls else f"每月获取不超过 {n} 行",
            f"at most {n} calls per day" if calls else f"at most {n} rows per month",
        )
    if operand == Operand.AGGREGATE_ONLY:
        k = c.right_operand
        return _pick(
            lang,
            f"仅可获取聚合结果，每组不少于 {k} 行（更小的分组不予返回）",
            f"aggregate results only, in groups of at least {k} rows (smaller groups suppressed)",
        )
    raw = canonical_json(c.as_json()).decode()
    return _pick(lang, f"未知条款 {raw}", f"unknown term {raw}")


def _row_filter(value: object, lang: str) -> str:
    """A row filter in words: each field with the values it may take (a shape this describer
    does not know stays as JSON, never dropped)."""
    if isinstance(value, dict) and value:
        zh_parts, en_parts = [], []
        for name, allowed in value.items():
            values = allowed if isinstance(allowed, list) else [allowed]
            if not all(isinstance(v, str | int | float) for v in values) or not values:
                break
            shown = [str(v) for v in values]
            if len(shown) == 1:
                zh_parts.append(f"{name} 为 {shown[0]}")
                en_parts.append(f"{name} is {shown[0]}")
            else:
                zh_parts.append(f"{name} 为 {'、'.join(shown)} 之一")
                en_parts.append(f"{name} is one of {', '.join(shown)}")
        else:
            return _pick(
                lang,
                f"仅限 {'，且 '.join(zh_parts)} 的数据行",
                f"only rows where {' and '.join(en_parts)}",
            )
    text = canonical_json(value).decode()
    return _pick(lang, f"仅限符合条件 {text} 的数据行", f"only rows matching {text}")


def describe_duty(rule: Rule, language: str) -> str:
    interval = next((c for c in rule.constraints if c.left_operand == Operand.TIME_INTERVAL), None)
    lang = language
    if rule.action == Duty.REPORT_USAGE:
        every_zh = describe_constraint(interval, "zh") if interval else "每季度"
        every_en = describe_constraint(interval, "en") if interval else "every quarter"
        return _pick(
            lang,
            f"{every_zh}提交一次数据使用情况报告（使用情况、成果与效益）",
            f"submit a usage report (use, results and benefit) {every_en}",
        )
    if rule.action == Duty.DELETE:
        return _pick(
            lang,
            "协议终止或期满时删除全部数据及其副本，并出具数据删除证明",
            "delete all data and copies when the agreement ends, and issue a deletion certificate",
        )
    if rule.action == Duty.ATTRIBUTE:
        return _pick(
            lang, "公开发布成果时注明数据来源", "name the data provider where results are published"
        )
    return _pick(lang, f"未知义务 {rule.action}", f"unknown duty {rule.action}")


def describe_rule(rule: Rule, kind: str, language: str) -> str:
    clauses = [describe_constraint(c, language) for c in rule.constraints]
    action = action_label(rule.action, language)
    sep = "；" if language == "zh" else "; "
    if kind == "obligation":
        return describe_duty(rule, language)
    if kind == "prohibition":
        if not clauses:
            return _pick(language, f"禁止：{action}", f"Prohibited: {action}")
        return _pick(
            language,
            f"禁止：在以下情形下{action}——{sep.join(clauses)}",
            f"Prohibited: {action} where {sep.join(clauses)}",
        )
    if not clauses:
        return _pick(language, f"允许：{action}", f"Permitted: {action}")
    return _pick(
        language,
        f"允许：{action}，条件为——{sep.join(clauses)}",
        f"Permitted: {action}, provided that {sep.join(clauses)}",
    )


def describe_policy(policy: Policy, language: str) -> list[str]:
    """Every rule of the policy as a sentence: permissions, then prohibitions, then duties."""
    lines = [describe_rule(r, "permission", language) for r in policy.permission]
    lines += [describe_rule(r, "prohibition", language) for r in policy.prohibition]
    duty = "义务：" if language == "zh" else "Duty: "
    lines += [duty + describe_rule(r, "obligation", language) for r in policy.obligation]
    return lines


def format_instant(value: datetime) -> str:
    return value.isoformat()


def format_value(value: Any, language: str) -> str:
    if value is None:
        return _pick(language, "未提供", "not given")
    if isinstance(value, datetime):
        return format_instant(value)
    if isinstance(value, (set, frozenset, list, tuple)):
        return _join(sorted(str(v) for v in value), language)
    return str(value)
