"""Agreement rendering (deterministic, complete, safe) and the agreement hash (sensitive)."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from licensing import (
    AUTHORIZED_OPERATION,
    PURPOSES,
    AgreementInvalid,
    DatasetRef,
    Parties,
    Party,
    Term,
    agreement_hash,
    agreement_template,
    canonical_json,
    describe_policy,
    license_register,
    open_license,
    parse_policy,
    parse_price_plan,
    purpose_label,
    render_agreement,
)
from tests.unit.licensing.policy_cases import constraint, policy

POLICY = parse_policy(
    policy(
        constraint("purpose", "isAnyOf", ["urban_planning", "transport_research"]),
        constraint("shudu:fields", "isAnyOf", ["区", "人数"]),
        constraint("shudu:callsPerDay", "lteq", 1000),
        action="read",
        prohibition=[{"action": "download"}],
        obligation=[
            {
                "action": "shudu:reportUsage",
                "constraint": [constraint("timeInterval", "eq", "P3M")],
            },
            {"action": "delete"},
        ],
    )
)
PLAN = parse_price_plan({"kind": "per_call", "unit_price": "0.05"})
INPUTS: dict[str, Any] = {
    "parties": Parties(
        provider=Party("上海市交通委员会", "11310000002418963X"),
        recipient=Party("示例数据科技有限公司", "91310115MA1H7XXXXX"),
    ),
    "dataset": DatasetRef("traffic-counts", "道路交通流量统计"),
    "policy": POLICY,
    "price_plan": PLAN,
    "term": Term(date(2026, 12, 1), date(2027, 11, 30)),
    "purpose": "urban_planning",
    "scenario": "评估新建道路的通行能力",
    "number": "SD-2026-000123",
}


def render(language: str = "zh", **changes: Any) -> str:
    return render_agreement(AUTHORIZED_OPERATION, language, **{**INPUTS, **changes})


@pytest.mark.parametrize("language", ["zh", "en"])
def test_rendering_is_deterministic(language: str) -> None:
    assert render(language) == render(language)
    # Equal inputs built separately render identically too.
    again = {
        **INPUTS,
        "policy": parse_policy(POLICY.as_json()),
        "term": Term(date(2026, 12, 1), date(2027, 11, 30)),
    }
    assert render_agreement(AUTHORIZED_OPERATION, language, **again) == render(language)


def test_the_chinese_text_has_every_section_and_the_terms() -> None:
    text = render("zh")
    sections = [
        "第一条 协议各方",
        "第二条 数据与范围",
        "第三条 使用目的",
        "第四条 许可使用与限制",
        "第五条 安全保护措施",
        "第六条 使用情况报告",
        "第七条 费用",
        "第八条 期限与终止",
        "第九条 期满删除",
        "第十条 责任",
        "第十一条 审计与监督",
    ]
    positions = [text.index(s) for s in sections]
    assert positions == sorted(positions)
    for expected in (
        "上海市交通委员会",
        "11310000002418963X",
        "示例数据科技有限公司",
        "「道路交通流量统计」（数据集标识：traffic-counts）",
        "城市规划（urban_planning）",
        "评估新建道路的通行能力",
        "仅可使用以下字段：区、人数",
        "每日调用不超过 1000 次",
        "禁止：下载文件与导出数据",
        "每3个月提交一次数据使用情况报告",
        "数据删除证明",
        "按次计费，每次调用 0.05 元",
        "2026年12月1日",
        "2027年11月30日",
        "30 日内",
        "SD-2026-000123",
    ):
        assert expected in text, expected
    assert "$" not in text  # every placeholder filled


def test_the_english_text() -> None:
    text = render("en")
    for expected in (
        "PUBLIC DATA AUTHORIZED OPERATION AGREEMENT",
        "Article 9. Deletion at the end",
        "urban planning (urban_planning)",
        "only these fields may be used: 区, 人数",
        "at most 1000 calls per day",
        "Prohibited: download files and exports",
        "submit a usage report (use, results and benefit) every 3 months",
        "per call: CNY 0.05 for each call",
        "takes effect on 1 December 2026 and expires on 30 November 2027",
    ):
        assert expected in text, expected
    assert "$" not in text


def test_inputs_cannot_forge_clauses() -> None:
    forged = Party("示例公司\n第十三条 甲方放弃一切权利\x00", "x")
    text = render(parties=Parties(INPUTS["parties"].provider, forged), scenario="a\r\nb\u2028c")
    assert "\n第十三条" not in text
    assert "示例公司 第十三条 甲方放弃一切权利" in text
    assert "a b c" in text
    assert "\x00" not in text
    # A dollar sign in an input is text, not a placeholder.
    assert "$provider" in render(dataset=DatasetRef("d", "$provider"))


def test_unknown_template_language_and_bad_terms_are_refused() -> None:
    with pytest.raises(AgreementInvalid, match=r"unknown template 'nda-1\.0'"):
        render_agreement("nda-1.0", "zh", **INPUTS)
    with pytest.raises(AgreementInvalid) as caught:
        render(
            "fr",
            term=Term(date(2027, 1, 1), date(2026, 1, 1), deletion_days=0),
            dataset=DatasetRef("d", "  "),
        )
    assert [p for p, _ in caught.value.problems] == [
        "language",
        "term.end",
        "term.deletion_days",
        "dataset.title",
    ]


def test_the_hash_is_sha256_over_the_documented_canonical_form() -> None:
    text = render("zh")
    body = text.encode()
    expected = hashlib.sha256(
        b"shudu-agreement/1\n"
        + len(body).to_bytes(8, "big")
        + body
        + canonical_json(POLICY.as_json())
    ).hexdigest()
    assert agreement_hash(text, POLICY) == expected
    assert len(expected) == 64


def test_the_hash_is_sensitive_to_every_input() -> None:
    text = render("zh")
    base = agreement_hash(text, POLICY)
    changed_texts = [
        text + " ",
        text.replace("1000", "1001", 1),
        text.replace("。", ".", 1),
        render("en"),
        render(number="SD-2026-000124"),
        render(term=Term(date(2026, 12, 1), date(2027, 11, 29))),
        render(purpose="transport_research"),
        render(price_plan=parse_price_plan({"kind": "per_call", "unit_price": "0.06"})),
    ]
    hashes = {agreement_hash(t, POLICY) for t in changed_texts}
    assert base not in hashes
    assert len(hashes) == len(changed_texts)
    other_policy = parse_policy({**POLICY.as_json(), "uid": "urn:x"})
    assert agreement_hash(text, other_policy) != base
    # Moving bytes from the end of the text to the policy cannot collide (length prefix).
    assert agreement_hash(text, POLICY) != agreement_hash(text[:-1], POLICY)


def test_the_hash_ignores_key_order_and_spacing_of_the_policy_json() -> None:
    text = render("zh")
    as_json = POLICY.as_json()
    reordered = {k: as_json[k] for k in reversed(list(as_json))}
    assert agreement_hash(text, reordered) == agreement_hash(text, POLICY)
    assert agreement_hash(text, parse_policy(canonical_json(as_json))) == agreement_hash(
        text, POLICY
    )


def test_rendering_with_a_changed_policy_changes_the_text() -> None:
    narrower = parse_policy(policy(constraint("shudu:callsPerDay", "lteq", 10), action="read"))
    assert render(policy=narrower) != render()
    assert "每日调用不超过 10 次" in render(policy=narrower)
    assert replace(INPUTS["term"], deletion_days=15).deletion_days == 15
    assert "15 日内" in render(term=replace(INPUTS["term"], deletion_days=15))


def test_register_lists_open_licenses_and_the_agreement_template() -> None:
    entries = license_register()
    ids = [e.id for e in entries]
    assert ids == [
        "CC-BY-4.0",
        "CC-BY-SA-4.0",
        "CC0-1.0",
        "ODC-BY-1.0",
        "ODbL-1.0",
        "PDDL-1.0",
        AUTHORIZED_OPERATION,
    ]
    assert {e.kind for e in entries[:-1]} == {"open"}
    assert entries[-1].kind == "agreement"
    assert entries[-1].title("zh") == "公共数据授权运营协议"
    assert entries[-1].title("en") == "Public Data Authorized Operation Agreement"
    cc_by = open_license("CC-BY-4.0")
    assert cc_by is not None
    assert cc_by.attribution
    assert open_license("MIT") is None
    assert agreement_template(AUTHORIZED_OPERATION).languages == ("zh", "en")


def test_purpose_taxonomy() -> None:
    assert {"credit_assessment", "urban_planning", "transport_research", "academic_research",
            "public_service"} <= set(PURPOSES)  # fmt: skip
    for code, purpose in PURPOSES.items():
        assert code == purpose.code
        assert code.isascii()
        assert purpose.zh
        assert purpose.en
        assert purpose.label("zh") == purpose.zh
    assert len({p.zh for p in PURPOSES.values()}) == len(PURPOSES)
    assert purpose_label("credit_assessment", "zh") == "信用评估"
    assert purpose_label("unheard_of", "en") == "unheard_of"


def test_a_policy_in_words_for_an_offer_page() -> None:
    assert describe_policy(POLICY, "en") == [
        "Permitted: read records (including aggregate queries), provided that the purpose is one"
        " of: urban planning, transport research; only these fields may be used: 区, 人数;"
        " at most 1000 calls per day",
        "Prohibited: download files and exports",
        "Duty: submit a usage report (use, results and benefit) every 3 months",
        "Duty: delete all data and copies when the agreement ends, and issue a deletion"
        " certificate",
    ]
    assert describe_policy(POLICY, "zh")[1:] == [
        "禁止：下载文件与导出数据",
        "义务：每3个月提交一次数据使用情况报告（使用情况、成果与效益）",
        "义务：协议终止或期满时删除全部数据及其副本，并出具数据删除证明",
    ]


def test_a_row_filter_is_described_in_words() -> None:
    from licensing.describe import describe_constraint
    from licensing.policy import Constraint

    rows = Constraint("shudu:rowFilter", "eq", {"district": ["Pudong", "Xuhui"], "kind": "food"})
    assert describe_constraint(rows, "zh") == (
        "仅限 district 为 Pudong、Xuhui 之一，且 kind 为 food 的数据行"
    )
    assert describe_constraint(rows, "en") == (
        "only rows where district is one of Pudong, Xuhui and kind is food"
    )
    odd = Constraint("shudu:rowFilter", "eq", {"amount": {"gte": 3}})
    assert '{"amount":{"gte":3}}' in describe_constraint(odd, "zh")  # kept, never dropped


@pytest.mark.parametrize("language", ["zh", "en"])
def test_review_conditions_become_clauses_of_the_agreement(language: str) -> None:
    conditions = ["数据仅存储于境内机房", "Results are published only in aggregate"]
    text = render(language, conditions=conditions)
    clause = text.split("5.4", 1)[1].split("\n\n", 1)[0]
    assert "(1) 数据仅存储于境内机房" in clause
    assert "(2) Results are published only in aggregate" in clause
    # Without conditions the clause says so; the conditions change the text, so the hash.
    assert ("（无）" if language == "zh" else "(none)") in render(language).split("5.4", 1)[1]
    assert agreement_hash(text, POLICY) != agreement_hash(render(language), POLICY)
    # A line break inside a condition cannot open a clause of its own.
    forged = render(language, conditions=["ok\n第十三条 乙方无需删除数据"])
    assert "\n第十三条" not in forged


def test_a_superseded_template_still_renders_but_takes_no_conditions() -> None:
    old = "shudu-authorized-operation-1.0"
    assert "5.4" not in render_agreement(old, "zh", **INPUTS)
    with pytest.raises(AgreementInvalid) as refused:
        render_agreement(old, "zh", **INPUTS, conditions=["x"])
    assert "conditions" in str(refused.value.problems)
    assert old not in [e.id for e in license_register()]
