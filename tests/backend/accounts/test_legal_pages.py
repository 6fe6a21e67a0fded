"""用户协议 and 隐私政策: public pages, with the version each account records."""

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from backend.accounts.terms import TERMS_VERSION


def _text(client: TestClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return BeautifulSoup(response.text, "html.parser").get_text(" ", strip=True)


def test_the_terms_page_says_what_the_platform_does(client: TestClient) -> None:
    text = _text(client, "/terms")
    assert f"版本 {TERMS_VERSION}" in text
    for promise in (
        "邮箱验证之前可以保存草稿",
        "1 小时内有效",
        "“脱敏”的需求",
        "“保密”的需求不出现在列表",
        "匹配度和依据仅供参考",
    ):
        assert promise in text, promise


def test_the_privacy_page_covers_collection_visibility_retention_and_deletion(client: TestClient) -> None:
    text = _text(client, "/privacy")
    assert f"版本 {TERMS_VERSION}" in text
    for heading in ("我们收集的信息", "谁在什么时候能看到", "保存期限", "更正与注销账号"):
        assert heading in text, heading
    assert "经平台运营批准之后" in text and "argon2id" in text and "12 小时" in text
    assert "平台目前没有在线自助注销功能" in text


def test_every_page_footer_links_both(client: TestClient) -> None:
    soup = BeautifulSoup(client.get("/").text, "html.parser")
    assert {a["href"] for a in soup.select("footer a")} >= {"/terms", "/privacy"}
