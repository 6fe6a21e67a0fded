"""The home search box answers ordinary phrases on both sides: ranked, scored, highlighted, honest.

(Other browser tests post needs about fermentation on the same server, so no phrase here is
about fermentation: their copies would rightly rank first.)

Typed as a new user would, from the home page, on the demo data. Where a demo posting answers
the phrase, it is the first hit and the words it shares with the phrase are marked. Where none
answers it well (乳房炎: no dairy posting; 陶瓷窑炉节能: no kiln result), the list still shows the
nearest postings, each with its score and strength, under a notice that nothing fits well.
"""

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# (side as the box names it, phrase, start of the relevant demo posting's title)
ANSWERED = [
    ("找成果", "废水处理", "高浓度含氮有机废水"),
    ("找成果", "细胞冻存", "仿生冰晶调控型低DMSO细胞冻存保护剂"),
    ("找成果", "奶牛克隆", "牛体细胞核移植克隆胚胎"),
    ("找成果", "光伏板回收", "退役晶硅光伏组件"),
    ("找成果", "刀具磨损", "多传感器融合的难加工材料刀具磨损"),
    ("找需求", "废水氨氮", "稀土分离车间废水氨氮高"),
    ("找需求", "储能电池耐低温", "光伏电站配的储能冬天不好用"),
    ("找需求", "机器人焊接", "钢结构焊接招不到焊工"),
    ("找需求", "稻瘟病", "杂交稻在山区一遇稻瘟病就减产"),
    ("找需求", "干细胞冻存", "脐带干细胞冻了再复苏活率低"),
]
# Phrases the demo data has no good answer for: the best there is, labelled, and the notice.
UNANSWERED = [
    ("找成果", "乳房炎"),
    ("找成果", "陶瓷窑炉节能"),
    ("找成果", "降低能耗"),
    ("找成果", "窑炉"),
    ("找需求", "乳房炎"),
]


def _search(page: Page, side: str, phrase: str) -> None:
    page.goto("/")
    page.select_option("#search-side", label=side)
    page.fill("#search-q", phrase)
    page.get_by_role("button", name="搜索").click()
    path = "/results" if side == "找成果" else "/needs"
    expect(page).to_have_url(re.compile(rf"{path}\?.*q="))
    expect(page.locator("#list-count")).to_be_visible()


def _cards_are_scored(page: Page) -> None:
    cards = page.locator(".card-list article")
    assert cards.count() >= 3, "a sensible phrase never comes back empty"
    for i in range(3):
        score = cards.nth(i).locator(".search-score")
        expect(score.locator(".score-num")).to_have_text(re.compile(r"^\d{1,3}$"))
        expect(score.locator(".strength")).to_have_text(re.compile("强匹配|较好|弱相关|不相关"))
    nums = [int(cards.nth(i).locator(".score-num").inner_text()) for i in range(3)]
    assert nums == sorted(nums, reverse=True), "ranked best first"


@pytest.mark.parametrize(("side", "phrase", "title"), ANSWERED)
def test_a_phrase_with_an_answer_finds_it_first_with_its_words_marked(
    page: Page, side: str, phrase: str, title: str
) -> None:
    _search(page, side, phrase)
    _cards_are_scored(page)
    first = page.locator(".card-list article").first
    expect(first.locator("h3")).to_contain_text(title)
    assert first.locator("mark").count() >= 1, "the words the posting shares with the phrase are marked"
    expect(page.locator(".scale-note")).to_contain_text("80 分以上为强匹配")


@pytest.mark.parametrize(("side", "phrase"), UNANSWERED)
def test_a_phrase_without_a_good_answer_says_so_and_still_lists_the_nearest(
    page: Page, side: str, phrase: str
) -> None:
    _search(page, side, phrase)
    notice = page.locator(".weak-notice")
    expect(notice).to_contain_text(f"没有找到与“{phrase}”匹配度较高的")
    _cards_are_scored(page)
    expect(notice.get_by_role("link", name=re.compile("发布"))).to_be_visible()
