"""Patent numbers of a result: the check digit of Chinese application numbers, on every way in."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.postings.patents import check_digit, clean_patent_number, split_numbers
from backend.postings.result_model import Result, ResultPublic
from backend.transfer.importer import check_row
from backend.transfer.reader import Row
from backend.vocab import Role
from tests.backend.test_result_pages import csrf, form_post, soup
from tests.factories import login, make_result, make_user, result_data


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("ZL 2019 1 0538271.5", "ZL201910538271.5"),
        ("CN201910538271.5", "CN201910538271.5"),
        ("201910538271.5", "201910538271.5"),
        ("zl２０１９１０５３８２７１．５", "ZL201910538271.5"),  # 全角, lower case
        ("ZL202210067342.X", "ZL202210067342.X"),  # 10 is written X
        ("ZL99112345.X", "ZL99112345.X"),  # the 8-digit form before 2003
        ("CN116284573A", "CN116284573A"),  # publication number: form only
        ("CN 214567890 U", "CN214567890U"),
        ("2021SR0123456", "2021SR0123456"),  # software copyright registration
        ("CNA20191234.5", "CNA20191234.5"),  # plant variety right
    ],
)
def test_valid_numbers_are_stored_compact(typed: str, stored: str) -> None:
    assert clean_patent_number(typed) == stored


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("ZL201910538271.6", "专利号“ZL201910538271.6”的校验位不正确"),
        ("ZL 2023 1 0123456.7", "专利号“ZL 2023 1 0123456.7”的校验位不正确"),
        ("ZL99112345.3", "的校验位不正确"),
        ("ZL201910538271", "缺少校验位"),
        ("ZL201940538271.1", "专利类型位应为 1、2、3、8 或 9"),
        ("ZL199910538271.5", "年份不正确"),
        ("ZL1", "专利号“ZL1”格式不正确"),
        ("专利申请中", "格式不正确"),
    ],
)
def test_wrong_numbers_are_refused_by_name(typed: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        clean_patent_number(typed)


def test_check_digit_weights() -> None:
    # 2,3,4,5,6,7,8,9,2,3,4,5 · 2019 1 0538271 = 203 → 203 mod 11 = 5
    assert check_digit("201910538271") == "5"
    assert check_digit("202210067342") == "X"


def test_one_box_splits_on_lines_and_commas_and_keeps_spaced_numbers_whole() -> None:
    text = "ZL 2019 1 0538271.5\nCN116284573A、2021SR0123456, ZL202210067342.X CN116284573A"
    assert split_numbers(text) == [
        "ZL 2019 1 0538271.5",
        "CN116284573A",
        "2021SR0123456",
        "ZL202210067342.X",
        "CN116284573A",
    ]


def test_api_refuses_a_wrong_check_digit_and_stores_nothing(client: TestClient, session: Session) -> None:
    owner = make_user(session, Role.researcher)
    session.commit()
    login(client, owner)
    response = client.post(
        "/api/results", json=result_data(title="校验位错误", patent_numbers=["ZL201910538271.6"])
    )
    assert response.status_code == 422
    assert "专利号“ZL201910538271.6”的校验位不正确" in response.text
    assert session.exec(select(Result).where(Result.title == "校验位错误")).first() is None


def test_page_shows_the_bad_number_and_keeps_the_form(client: TestClient, session: Session) -> None:
    owner = make_user(session, Role.researcher)
    session.commit()
    login(client, owner)
    data = form_post(title="表单校验位", patent_numbers="ZL201910538271.5\nZL 2023 1 0123456.7")
    response = client.post("/results/new", data=data | {"csrf_token": csrf(client), "action": "draft"})
    assert response.status_code == 422
    page = soup(response)
    assert "专利号“ZL 2023 1 0123456.7”的校验位不正确" in page.get_text()
    assert "ZL 2023 1 0123456.7" in page.select_one("#f-patent_numbers").get_text()
    assert session.exec(select(Result).where(Result.title == "表单校验位")).first() is None


def test_import_row_names_the_bad_number() -> None:
    cells: dict[str, Any] = result_data(patent_numbers="ZL201910538271.5、ZL201910538271.6")
    checked = check_row("results", Row(number=2, cells=cells))
    assert checked.model is None
    assert any("ZL201910538271.6" in str(e) and "校验位不正确" in str(e) for e in checked.errors)


def test_a_number_stored_before_the_rule_still_displays(client: TestClient, session: Session) -> None:
    owner = make_user(session, Role.researcher)
    result = make_result(session, owner)
    result.patent_numbers = ["ZL1"]  # written before the check existed
    session.add(result)
    session.commit()
    assert ResultPublic.model_validate(
        result.model_dump(warnings=False) | {"organisation_name": None}
    ).patent_numbers == ["ZL1"]
    assert "ZL1" in client.get(f"/results/{result.id}").text
