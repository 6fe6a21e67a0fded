"""HTML pages of results: lists, detail, the post/edit form and lifecycle actions."""

from typing import Any

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.audit.models import AuditEntry
from backend.postings import results as results
from backend.postings.result_model import Result
from backend.vocab import PostingStatus, Role
from tests.factories import login, make_result, make_user, result_data


def soup(response: Any) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def csrf(client: TestClient) -> str:
    token = soup(client.get("/results")).select_one("input[name=csrf_token]")
    assert token is not None
    return str(token["value"])


def titles(response: Any) -> list[str]:
    return [a.get_text(strip=True) for a in soup(response).select(".posting-card h3 a")]


def form_post(**overrides: Any) -> dict[str, Any]:
    """result_data() as the HTML form posts it."""
    data = result_data(**overrides)
    data["keywords"] = "、".join(data["keywords"]) if isinstance(data["keywords"], list) else data["keywords"]
    if isinstance(data["patent_numbers"], list):
        data["patent_numbers"] = "\n".join(data["patent_numbers"])
    if data.pop("price_negotiable"):
        data["price_negotiable"] = "1"
    return data


def test_list_filters_and_pages(client: TestClient, session: Session) -> None:
    owner = make_user(session, Role.researcher)
    make_result(session, owner, title="拉曼发酵控制", trl=3, region="湖北省")
    make_result(
        session,
        owner,
        title="高强度隔膜",
        field="new_materials",
        trl=7,
        region="浙江省",
        modes=["transfer"],
        summary="一种高强度锂电池隔膜材料，穿刺强度提升一倍，已完成中试。",
    )
    for i in range(21):
        make_result(session, owner, title=f"航天成果{i:02d}", field="aerospace")
    session.commit()  # a refused request rolls the shared session back

    assert titles(client.get("/results?field=new_materials")) == ["高强度隔膜"]
    assert titles(client.get("/results?region=浙江省")) == ["高强度隔膜"]
    assert titles(client.get("/results?trl_max=3&trl_min=3")) == ["拉曼发酵控制"]
    assert titles(client.get("/results?mode=transfer")) == ["高强度隔膜"]
    assert titles(client.get("/results?q=隔膜")) == ["高强度隔膜"]
    first = client.get("/results?field=aerospace&order=trl")
    assert len(titles(first)) == 20
    assert "共 21 条" in soup(first).get_text()
    next_link = soup(first).select_one("nav.pager a[rel=next]")
    assert (
        next_link is not None and "order=trl" in next_link["href"] and "field=aerospace" in next_link["href"]
    )
    assert len(titles(client.get(next_link["href"]))) == 1


def test_bad_trl_range_is_explained(client: TestClient, session: Session) -> None:
    response = client.get("/results?trl_min=8&trl_max=2")
    assert response.status_code == 200
    assert "成熟度下限不能高于上限" in soup(response).select_one(".form-errors").get_text()


def test_detail_shows_fields_and_hides_contacts_from_outsiders(client: TestClient, session: Session) -> None:
    owner = make_user(session, Role.researcher)
    result = make_result(session, owner, trl=4, price=80, patent_numbers=["ZL202110345678.3"])
    session.commit()  # a refused request rolls the shared session back
    page = soup(client.get(f"/results/{result.id}"))
    facts = page.select_one(".facts").get_text()
    for text in (
        "TRL 4（原理样机）",
        "80 万元",
        "发明专利",
        "已授权",
        "ZL202110345678.3",
        "李明教授团队",
        "普通许可",
    ):
        assert text in facts
    assert "027-87541234" not in page.get_text()
    assert "联系方式在对接经平台批准后可见" in page.get_text()
    login(client, make_user(session, Role.enterprise))
    assert "027-87541234" not in client.get(f"/results/{result.id}").text
    login(client, make_user(session, Role.operator))
    assert "027-87541234" in client.get(f"/results/{result.id}").text


def test_draft_result_only_for_owner_org_and_operator(client: TestClient, session: Session) -> None:
    owner = make_user(session, Role.researcher)
    draft = make_result(session, owner, publish=False, title="未发布成果")
    session.commit()  # a refused request rolls the shared session back
    assert client.get(f"/results/{draft.id}").status_code == 404
    assert "未发布成果" not in titles(client.get("/results"))
    login(client, make_user(session, Role.researcher))
    assert client.get(f"/results/{draft.id}").status_code == 404
    login(client, owner)
    assert client.get(f"/results/{draft.id}").status_code == 200
    assert titles(client.get("/results?mine=1")) == ["未发布成果"]


def test_create_via_form(client: TestClient, session: Session) -> None:
    owner = make_user(session, Role.researcher)
    session.commit()
    login(client, owner)
    data = form_post(
        title="表单成果", patent_numbers="ZL 2019 1 0538271.5, CN116284573A\nzl201910538271.5、2021SR0123456"
    )
    response = client.post(
        "/results/new", data=data | {"csrf_token": csrf(client), "action": "publish"}, follow_redirects=False
    )
    assert response.status_code == 303
    result = session.exec(select(Result).where(Result.title == "表单成果")).one()
    assert response.headers["location"] == f"/results/{result.id}"
    assert result.patent_numbers == ["ZL201910538271.5", "CN116284573A", "2021SR0123456"]
    # A researcher's 发布 submits the result for an operator's review.
    assert result.status == PostingStatus.pending and result.published_at is None
    actions = session.exec(
        select(AuditEntry.action).where(AuditEntry.entity == "result", AuditEntry.entity_id == result.id)
    ).all()
    assert list(actions) == ["create", "submit"]
    assert "成果已提交审核" in client.get(response.headers["location"]).text  # flash message


def test_form_errors_keep_values_and_store_nothing(client: TestClient, session: Session) -> None:
    login(client, make_user(session, Role.researcher))
    data = form_post(summary="太短了", price="", form="software_copyright", trl="3")
    data["modes"] = ["equity"]
    response = client.post("/results/new", data=data | {"csrf_token": csrf(client)})
    assert response.status_code == 422
    page = soup(response)
    assert "至少填写 20 个字" in page.select_one("#summary-error").get_text()
    assert "面议" in page.select_one("#price-error").get_text()
    assert page.select_one("#f-summary").get_text() == "太短了"
    assert page.select_one("#f-form option[selected]")["value"] == "software_copyright"
    assert page.select_one("#f-trl option[selected]")["value"] == "3"
    assert [b["value"] for b in page.select("input[name=modes][checked]")] == ["equity"]
    assert session.exec(select(Result)).all() == []


def test_researcher_of_another_organisation_cannot_edit(client: TestClient, session: Session) -> None:
    result = make_result(session, make_user(session, Role.researcher), title="甲校成果")
    session.commit()  # a refused request rolls the shared session back
    login(client, make_user(session, Role.researcher))
    assert client.get(f"/results/{result.id}/edit").status_code == 403
    response = client.post(
        f"/results/{result.id}/edit", data=form_post(title="乙校改的") | {"csrf_token": csrf(client)}
    )
    assert response.status_code == 403
    session.expire_all()
    assert session.get(Result, result.id).title == "甲校成果"  # type: ignore[union-attr]


def test_enterprise_cannot_post_results(client: TestClient, session: Session) -> None:
    login(client, make_user(session, Role.enterprise))
    assert client.get("/results/new").status_code == 403


def test_edit_prefills_and_rejected_edit_changes_nothing(client: TestClient, session: Session) -> None:
    owner = make_user(session, Role.researcher)
    result = make_result(session, owner, patent_numbers=["ZL201910538271.5", "CN116284573A"], price=80)
    session.commit()
    login(client, owner)
    page = soup(client.get(f"/results/{result.id}/edit"))
    assert page.select_one("#f-patent_numbers").get_text() == "ZL201910538271.5\nCN116284573A"
    assert page.select_one("#f-price")["value"] == "80"
    assert page.select_one("#f-ip_status option[selected]")["value"] == "granted"
    assert page.select_one("button[value=save]") is not None  # published: no "save draft"
    bad = client.post(
        f"/results/{result.id}/edit",
        data=form_post(title="x" * 81) | {"csrf_token": csrf(client), "action": "save"},
    )
    assert bad.status_code == 422
    session.expire_all()
    assert session.get(Result, result.id).title == result_data()["title"]  # type: ignore[union-attr]
    ok = client.post(
        f"/results/{result.id}/edit",
        data=form_post(title="新名称", price="120") | {"csrf_token": csrf(client), "action": "save"},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    session.expire_all()
    stored = session.get(Result, result.id)
    assert stored is not None and stored.title == "新名称" and stored.price == 120


def test_publish_close_delete_and_csrf(client: TestClient, session: Session) -> None:
    owner = make_user(session, Role.researcher)
    result = make_result(session, owner, publish=False)
    session.commit()
    login(client, owner)
    assert client.post(f"/results/{result.id}/publish").status_code == 403  # no token
    session.expire_all()
    assert session.get(Result, result.id).status == PostingStatus.draft  # type: ignore[union-attr]
    token = csrf(client)
    client.post(f"/results/{result.id}/publish", data={"csrf_token": token})
    session.expire_all()
    assert session.get(Result, result.id).status == PostingStatus.pending  # type: ignore[union-attr]
    results.approve(session=session, result=result, operator=make_user(session, Role.operator))
    session.commit()
    assert session.get(Result, result.id).status == PostingStatus.published  # type: ignore[union-attr]
    client.post(f"/results/{result.id}/close", data={"csrf_token": token})
    session.expire_all()
    assert session.get(Result, result.id).status == PostingStatus.closed  # type: ignore[union-attr]
    again = client.post(f"/results/{result.id}/publish", data={"csrf_token": token})
    assert again.status_code == 200 and soup(again).select_one(".flash-error") is not None
    edit = client.get(f"/results/{result.id}/edit", follow_redirects=False)
    assert edit.status_code == 303  # closed: back to the detail page with a message
    response = client.post(f"/results/{result.id}/delete", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/results?mine=1"
    session.expire_all()
    assert session.get(Result, result.id) is None
