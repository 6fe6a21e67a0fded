"""A search card's excerpt: the part around the query's shared whole words, marked, escaped."""

from backend.snippet import EXCERPT_CHARS, excerpt

TEXT = (
    "本项目面向陶瓷、玻璃等行业的工业窑炉，开发了烟气余热梯级回收与助燃空气预热系统，"
    "已在三条辊道窑生产线应用，综合节能15%以上。另提供高浓度有机废水的深度处理服务。"
)


def test_marks_whole_shared_words_only() -> None:
    html = str(excerpt(TEXT, "窑炉余热回收"))
    marked = [part.split("</mark>")[0] for part in html.split('title="双方共有的词">')[1:]]
    assert marked == ["窑炉", "余热", "回收"]
    assert "<mark" not in str(excerpt(TEXT, "炉余"))  # a fragment across a word boundary is never marked


def test_starts_near_the_first_match_when_it_lies_beyond_the_excerpt() -> None:
    html = str(excerpt(TEXT, "有机废水"))
    assert html.startswith("…") and "废水</mark>" in html
    assert len(excerpt(TEXT, None)) == EXCERPT_CHARS + 1  # no query: the opening, cut with …


def test_text_is_escaped() -> None:
    html = str(excerpt("<script>alert(1)</script> 窑炉节能", "窑炉"))
    assert "<script>" not in html and "&lt;script&gt;" in html and ">窑炉</mark>" in html


def test_a_compound_query_marks_its_parts_written_as_separate_words() -> None:
    # 废水处理 is one word to the segmenter; a posting writes 有机废水 … 处理 apart.
    html = str(excerpt("高浓度含氮有机废水厌氧-短程硝化/厌氧氨氧化协同处理技术", "废水处理"))
    assert ">废水</mark>" in html and html.count("<mark") == 1  # 处理 is too common to be a reason
