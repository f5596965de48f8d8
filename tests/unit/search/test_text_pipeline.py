"""The shared text pipeline: folding with offsets, segmentation, pinyin and synonym files."""

from __future__ import annotations

from pathlib import Path

from catalog.search import text
from catalog.search.query import parse_terms


def test_fold_reaches_one_script_with_variants_and_phrases() -> None:
    assert text.fold("臺北市空氣品質監測") == "台北市空气品质监测"
    assert text.fold("裏弄 巴士綫路 ＡＱＩ") == "里弄 巴士线路 aqi"


def test_offsets_point_at_the_original_characters() -> None:
    folded, origin = text.fold_with_offsets("㎡臺北")
    assert folded == "m2台北"
    assert origin == [0, 0, 1, 2]


def test_segmentation_splits_glued_words_and_learns_the_catalogs_terms() -> None:
    assert text.segment("地铁客流") == ["地铁", "客流"]
    assert text.segment("城市的交通") == ["城市", "交通"]  # a stop character is dropped
    text.add_user_words(["浦东新区"])
    assert "浦东新区" in text.segment("浦东新区人口")


def test_pinyin_reads_latin_words_as_syllables() -> None:
    assert text.pinyin_syllables("kongqi") == ("kong", "qi")
    assert text.pinyin_syllables("zhiliang") == ("zhi", "liang")
    assert text.pinyin_syllables("kqzl") is None
    assert text.title_pinyin("空气质量") == (["kong", "qi", "zhi", "liang"], ["k", "q", "z", "l"])


def test_plans_offer_pinyin_or_initials_only_for_latin_terms() -> None:
    (clause,) = text.plan(parse_terms("kqzl"))
    assert {p.field for alternative in clause for slot in alternative for p in slot} == {
        "text",
        "initials",
    }
    (clause,) = text.plan(parse_terms("空气"))
    assert {p.field for alternative in clause for slot in alternative for p in slot} == {"text"}


def test_a_sites_synonym_file_extends_the_shipped_groups(tmp_path: Path) -> None:
    extra = tmp_path / "synonyms.txt"
    extra.write_text("# ours\n巴士, 大巴\n单字\n", encoding="utf-8")
    try:
        text.load_synonyms(extra)
        assert "大巴" in text.synonyms("公交")  # merged into the shipped bus group
        assert "公交" in text.synonyms("大巴")
        assert text.synonyms("单字") == ()  # a line of one entry is not a group
    finally:
        text.load_synonyms()
    assert "大巴" not in text.synonyms("公交")


def test_a_synonym_that_holds_the_typed_word_is_left_out() -> None:
    # 公交车 holds 公交: it matches nothing 公交 does not, and its rare bigram 交车 would lift
    # 公交车辆实时到站 above 公交线路及站点信息 for 公交线路站点 (the demo's relevance set).
    (clause,) = text.plan(parse_terms("公交"))
    offered = {p.text for alternative in clause for slot in alternative for p in slot}
    assert {"公交", "巴士", "公共汽车"} <= offered
    assert "公交车" not in offered
    (typed,) = text.plan(parse_terms("公交车"))
    first = typed[0][0]
    assert first[0].text == "公交车"  # what was typed always stays, first
    assert "公交" in {p.text for p in first}
