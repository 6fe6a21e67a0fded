"""HTML pages of needs: lists, detail visibility, the post/edit form and lifecycle actions."""

from typing import Any

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from backend.accounts.models import Organisation
from backend.audit.models import AuditEntry
from backend.postings import needs as needs
from backend.postings.need_model import Need
from backend.vocab import PostingStatus, Role
from tests.factories import login, make_need, make_user, need_data


def soup(response: Any) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def csrf(client: TestClient) -> str:
    """The signed-in session's CSRF token, as the pages embed it."""
    token = soup(client.get("/needs")).select_one("input[name=csrf_token]")
    assert token is not None
    return str(token["value"])


def titles(response: Any) -> list[str]:
    return [a.get_text(strip=True) for a in soup(response).select(".posting-card h3 a")]


def form_post(**overrides: Any) -> dict[str, Any]:
    """need_data() as the HTML form posts it."""
    data = need_data(**overrides)
    data["keywords"] = "、".join(data["keywords"]) if isinstance(data["keywords"], list) else data["keywords"]
    if data.pop("budget_negotiable"):
        data["budget_negotiable"] = "1"
    return data


# ---- lists -------------------------------------------------------------------


def test_list_filters_by_field_region_trl_mode_and_text(client: TestClient, session: Session) -> None:
    owner = make_user(session, Role.enterprise)
    make_need(session, owner, title="生物发酵需求", field="biomedicine", region="湖北省", trl_wanted=6)
    make_need(
        session,
        owner,
        title="新材料涂层需求",
        field="new_materials",
        region="浙江省",
        trl_wanted=3,
        modes=["equity"],
        problem="需要一种耐高温涂层材料，用于窑炉内壁防护。",
        keywords=["涂层"],
    )
    make_need(
        session,
        owner,
        title="电池隔膜需求",
        field="new_materials",
        region="湖北省",
        trl_wanted=8,
        modes=["transfer"],
        problem="锂电池隔膜穿刺强度不够，希望提升安全性。",
        keywords=["隔膜"],
    )

    session.commit()  # a refused request rolls the shared session back
    assert sorted(titles(client.get("/needs?field=new_materials"))) == ["新材料涂层需求", "电池隔膜需求"]
    assert sorted(titles(client.get("/needs?region=湖北省"))) == ["生物发酵需求", "电池隔膜需求"]
    assert titles(client.get("/needs?trl_min=4&trl_max=7")) == ["生物发酵需求"]
    assert titles(client.get("/needs?mode=equity")) == ["新材料涂层需求"]
    assert titles(client.get("/needs?q=隔膜")) == ["电池隔膜需求"]
    page = soup(client.get("/needs?field=new_materials&region=浙江省"))
    assert "共 1 条" in page.select_one(".list-count").get_text()
    # The filter form shows the chosen values.
    assert page.select_one("#flt-field option[selected]")["value"] == "new_materials"
    assert page.select_one("#flt-region option[selected]")["value"] == "浙江省"


def test_list_paginates_twenty_per_page_and_links_keep_filters(client: TestClient, session: Session) -> None:
    owner = make_user(session, Role.enterprise)
    for i in range(23):
        make_need(session, owner, title=f"分页需求{i:02d}", field="aerospace")
    make_need(session, owner, title="别的领域", field="new_energy")

    session.commit()  # a refused request rolls the shared session back
    first = client.get("/needs?field=aerospace")
    assert len(titles(first)) == 20
    assert "共 23 条" in soup(first).select_one(".list-count").get_text()
    pager = soup(first).select_one("nav.pager")
    assert pager is not None
    page2 = pager.find("a", string="2")
    assert page2 is not None and "field=aerospace" in page2["href"] and "page=2" in page2["href"]
    second = client.get(page2["href"])
    assert len(titles(second)) == 3
    assert set(titles(first)).isdisjoint(titles(second))


def test_bad_filter_values_show_a_chinese_message_not_an_error(client: TestClient, session: Session) -> None:
    make_need(session, make_user(session, Role.enterprise), title="仍然列出")
    session.commit()  # a refused request rolls the shared session back
    response = client.get("/needs?trl_min=abc&field=nonsense&page=x")
    assert response.status_code == 200
    errors = soup(response).select_one(".form-errors").get_text()
    assert "成熟度下限" in errors and "技术领域" in errors and "页码" in errors
    assert "仍然列出" in titles(response)


def test_secret_need_is_absent_from_lists_and_404_for_outsiders(client: TestClient, session: Session) -> None:
    owner = make_user(session, Role.enterprise)
    secret = make_need(session, owner, title="保密的需求", confidentiality="secret")
    session.commit()  # a refused request rolls the shared session back
    assert "保密的需求" not in titles(client.get("/needs"))
    assert client.get(f"/needs/{secret.id}").status_code == 404
    login(client, make_user(session, Role.enterprise))
    assert "保密的需求" not in titles(client.get("/needs"))
    assert client.get(f"/needs/{secret.id}").status_code == 404
    login(client, make_user(session, Role.operator))
    assert client.get(f"/needs/{secret.id}").status_code == 200


def test_mine_switch_lists_only_own_needs_including_drafts(client: TestClient, session: Session) -> None:
    me = make_user(session, Role.enterprise)
    make_need(session, me, title="我的草稿", publish=False)
    make_need(session, make_user(session, Role.enterprise), title="别人的需求")
    session.commit()  # a refused request rolls the shared session back
    assert client.get("/needs?mine=1", follow_redirects=False).status_code == 303  # anonymous → login
    login(client, me)
    assert titles(client.get("/needs?mine=1")) == ["我的草稿"]
    assert titles(client.get("/needs?mine=1&status=published")) == []


# ---- detail ------------------------------------------------------------------


def test_desensitized_need_hides_enterprise_and_contacts_from_other_enterprises(
    client: TestClient, session: Session
) -> None:
    owner = make_user(session, Role.enterprise)
    need = make_need(session, owner, confidentiality="desensitized", contact_phone="13912345678")
    org_name = _org_name(session, owner.organisation_id)

    session.commit()  # a refused request rolls the shared session back
    login(client, make_user(session, Role.enterprise))
    text = client.get(f"/needs/{need.id}").text
    assert org_name not in text and "企业信息已脱敏" in text
    assert "13912345678" not in text and "联系方式在对接经平台批准后可见" in text

    for insider in (owner, make_user(session, Role.operator)):
        login(client, insider)
        text = client.get(f"/needs/{need.id}").text
        assert org_name in text and "13912345678" in text
        assert "保密级别" in text


def _org_name(session: Session, organisation_id: int) -> str:
    org = session.get(Organisation, organisation_id)
    assert org is not None
    return org.name


def test_public_need_detail_shows_fields_but_not_contacts_to_anonymous(
    client: TestClient, session: Session
) -> None:
    owner = make_user(session, Role.enterprise)
    need = make_need(session, owner, trl_wanted=6, budget_min=50, budget_max=100)
    session.commit()  # a refused request rolls the shared session back
    page = soup(client.get(f"/needs/{need.id}"))
    facts = page.select_one(".facts").get_text()
    assert "TRL 6（中试 / 系统样机）" in facts
    assert "50–100 万元" in facts and "转让" in facts and "生物与新医药" in facts
    assert _org_name(session, owner.organisation_id) in facts
    assert "13871234567" not in page.get_text()
    assert "联系方式在对接经平台批准后可见" in page.get_text()
    assert not page.select(".actions")  # no owner actions for the public
    assert "拟解决的技术难题" in page.get_text() and "现有 20 吨发酵罐" in page.get_text()


def test_draft_visible_only_to_owner_org_and_operator(client: TestClient, session: Session) -> None:
    owner = make_user(session, Role.enterprise)
    colleague = make_user(session, Role.enterprise, organisation_id=owner.organisation_id)
    draft = make_need(session, owner, publish=False)
    session.commit()  # a refused request rolls the shared session back
    assert client.get(f"/needs/{draft.id}").status_code == 404
    login(client, make_user(session, Role.enterprise))
    assert client.get(f"/needs/{draft.id}").status_code == 404
    for viewer in (colleague, make_user(session, Role.operator)):
        login(client, viewer)
        page = soup(client.get(f"/needs/{draft.id}"))
        assert page.select_one(".tag-status").get_text() == "草稿"
        assert page.select_one(f"form[action='/needs/{draft.id}/publish']") is not None


# ---- forms -------------------------------------------------------------------


def test_create_via_form_stores_need_and_audit_entry(client: TestClient, session: Session) -> None:
    owner = make_user(session, Role.enterprise)
    session.commit()  # a refused request rolls the shared session back
    login(client, owner)
    assert client.get("/needs/new").status_code == 200
    data = form_post(title="表单发布的需求", keywords="发酵、染菌，灭菌")
    response = client.post(
        "/needs/new", data=data | {"csrf_token": csrf(client), "action": "publish"}, follow_redirects=False
    )
    assert response.status_code == 303
    need = session.exec(select(Need).where(Need.title == "表单发布的需求")).one()
    assert response.headers["location"] == f"/needs/{need.id}"
    # An enterprise's 发布 submits the need for review: it waits, unlisted, for an operator.
    assert need.status == PostingStatus.pending and need.organisation_id == owner.organisation_id
    assert need.published_at is None
    assert need.keywords == ["发酵", "染菌", "灭菌"]
    actions = session.exec(
        select(AuditEntry.action).where(AuditEntry.entity == "need", AuditEntry.entity_id == need.id)
    ).all()
    assert list(actions) == ["create", "submit"]
    assert "需求已提交审核" in client.get(response.headers["location"]).text  # flash message


def test_draft_button_saves_a_draft(client: TestClient, session: Session) -> None:
    session.commit()  # a refused request rolls the shared session back
    login(client, make_user(session, Role.enterprise))
    client.post(
        "/needs/new", data=form_post(title="草稿需求") | {"csrf_token": csrf(client), "action": "draft"}
    )
    assert session.exec(select(Need).where(Need.title == "草稿需求")).one().status == PostingStatus.draft


def test_form_errors_return_422_with_messages_and_keep_typed_values(
    client: TestClient, session: Session
) -> None:
    session.commit()  # a refused request rolls the shared session back
    login(client, make_user(session, Role.enterprise))
    data = form_post(
        title="好",
        problem="太短",
        budget_min="abc",
        trl_wanted="7",
        field="new_energy",
        keywords="储能、电池",
        confidentiality="desensitized",
    )
    data["modes"] = ["equity", "commissioned"]
    response = client.post("/needs/new", data=data | {"csrf_token": csrf(client), "action": "publish"})
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one(".form-errors") is not None
    assert "至少填写 2 个字" in page.select_one("#title-error").get_text()
    assert "至少填写 10 个字" in page.select_one("#problem-error").get_text()
    assert "请填写数字" in page.select_one("#budget_min-error").get_text()
    assert page.select_one("#f-title")["value"] == "好"
    assert page.select_one("#f-problem").get_text() == "太短"
    assert page.select_one("#f-budget_min")["value"] == "abc"
    assert page.select_one("#f-keywords")["value"] == "储能、电池"
    assert page.select_one("#f-trl_wanted option[selected]")["value"] == "7"
    assert page.select_one("#f-field option[selected]")["value"] == "new_energy"
    checked = {box["value"] for box in page.select("input[name=modes][checked]")}
    assert checked == {"equity", "commissioned"}
    assert page.select_one("input[name=confidentiality][checked]")["value"] == "desensitized"
    assert session.exec(select(Need)).all() == []


def test_over_long_title_and_missing_modes_rejected(client: TestClient, session: Session) -> None:
    session.commit()  # a refused request rolls the shared session back
    login(client, make_user(session, Role.enterprise))
    data = form_post(title="长" * 81, trl_wanted="")
    del data["modes"]
    response = client.post("/needs/new", data=data | {"csrf_token": csrf(client)})
    assert response.status_code == 422
    page = soup(response)
    assert "不能超过 80 个字" in page.select_one("#title-error").get_text()
    assert "请至少选择一项" in page.select_one("#modes-error").get_text()
    assert "此项为必填项" in page.select_one("#trl_wanted-error").get_text()
    assert session.exec(select(Need)).all() == []


def test_edit_form_is_prefilled_and_saves(client: TestClient, session: Session) -> None:
    owner = make_user(session, Role.enterprise)
    need = make_need(session, owner, keywords=["发酵", "染菌"], budget_min=50, budget_max=100)
    session.commit()  # a refused request rolls the shared session back
    login(client, owner)
    page = soup(client.get(f"/needs/{need.id}/edit"))
    assert page.select_one("#f-title")["value"] == need.title
    assert page.select_one("#f-keywords")["value"] == "发酵、染菌"
    assert page.select_one("#f-budget_min")["value"] == "50"
    assert {b["value"] for b in page.select("input[name=modes][checked]")} == {
        "transfer",
        "joint_development",
    }
    assert page.select_one("#f-valid_until")["value"] == need.valid_until.isoformat()
    response = client.post(
        f"/needs/{need.id}/edit",
        data=form_post(title="改过的标题") | {"csrf_token": csrf(client), "action": "save"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    session.refresh(need)
    assert need.title == "改过的标题"


def test_rejected_edit_leaves_need_unchanged(client: TestClient, session: Session) -> None:
    owner = make_user(session, Role.enterprise)
    need = make_need(session, owner, title="原来的标题")
    session.commit()  # a refused request rolls the shared session back
    login(client, owner)
    response = client.post(
        f"/needs/{need.id}/edit",
        data=form_post(title="新标题", problem="短") | {"csrf_token": csrf(client), "action": "save"},
    )
    assert response.status_code == 422
    assert soup(response).select_one("#f-title")["value"] == "新标题"
    session.expire_all()
    assert session.get(Need, need.id).title == "原来的标题"  # type: ignore[union-attr]


def test_other_enterprise_cannot_edit(client: TestClient, session: Session) -> None:
    need = make_need(session, make_user(session, Role.enterprise), title="A 的需求")
    session.commit()  # a refused request rolls the shared session back
    login(client, make_user(session, Role.enterprise))
    assert client.get(f"/needs/{need.id}/edit").status_code == 403
    response = client.post(
        f"/needs/{need.id}/edit", data=form_post(title="B 改的") | {"csrf_token": csrf(client)}
    )
    assert response.status_code == 403
    session.expire_all()
    assert session.get(Need, need.id).title == "A 的需求"  # type: ignore[union-attr]


def test_researcher_cannot_post_needs_and_anonymous_is_sent_to_login(
    client: TestClient, session: Session
) -> None:
    response = client.get("/needs/new", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login?next=")
    login(client, make_user(session, Role.researcher))
    assert client.get("/needs/new").status_code == 403


def test_post_without_csrf_token_is_refused(client: TestClient, session: Session) -> None:
    owner = make_user(session, Role.enterprise)
    need = make_need(session, owner, title="不变的需求")
    session.commit()  # a refused request rolls the shared session back
    login(client, owner)
    assert client.post("/needs/new", data=form_post(title="偷偷发布")).status_code == 403
    assert client.post(f"/needs/{need.id}/edit", data=form_post(title="偷偷修改")).status_code == 403
    assert client.post(f"/needs/{need.id}/close").status_code == 403
    assert client.post(f"/needs/{need.id}/delete", data={"csrf_token": "wrong"}).status_code == 403
    session.expire_all()
    assert session.get(Need, need.id).title == "不变的需求"  # type: ignore[union-attr]
    assert session.get(Need, need.id).status == PostingStatus.published  # type: ignore[union-attr]
    assert session.exec(select(Need).where(col(Need.title) == "偷偷发布")).first() is None


# ---- lifecycle ---------------------------------------------------------------


def test_publish_close_delete_flow(client: TestClient, session: Session) -> None:
    owner = make_user(session, Role.enterprise)
    need = make_need(session, owner, publish=False)
    session.commit()  # a refused request rolls the shared session back
    login(client, owner)
    token = csrf(client)

    response = client.post(f"/needs/{need.id}/publish", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    session.refresh(need)
    assert need.status == PostingStatus.pending
    # Submitting again while it waits is a conflict, shown as a flash message.
    again = client.post(f"/needs/{need.id}/publish", data={"csrf_token": token})
    assert again.status_code == 200
    assert "不能再次发布" in soup(again).select_one(".flash-error").get_text()
    needs.approve(session=session, need=need, operator=make_user(session, Role.operator))
    session.commit()
    assert need.status == PostingStatus.published

    client.post(f"/needs/{need.id}/close", data={"csrf_token": token})
    session.refresh(need)
    assert need.status == PostingStatus.closed
    page = soup(client.get(f"/needs/{need.id}"))
    assert page.select_one(f"form[action='/needs/{need.id}/close']") is None
    assert page.select_one(f"a[href='/needs/{need.id}/edit']") is None

    # Closing twice is a conflict: shown as a flash message, not a 500.
    again = client.post(f"/needs/{need.id}/close", data={"csrf_token": token})
    assert again.status_code == 200
    assert "已是“已关闭”状态" in soup(again).select_one(".flash-error").get_text()

    response = client.post(f"/needs/{need.id}/delete", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    session.expire_all()
    assert session.get(Need, need.id) is None


def test_other_enterprise_cannot_close_or_delete(client: TestClient, session: Session) -> None:
    need = make_need(session, make_user(session, Role.enterprise))
    session.commit()  # a refused request rolls the shared session back
    login(client, make_user(session, Role.enterprise))
    token = csrf(client)
    assert client.post(f"/needs/{need.id}/close", data={"csrf_token": token}).status_code == 403
    assert client.post(f"/needs/{need.id}/delete", data={"csrf_token": token}).status_code == 403
    session.expire_all()
    assert session.get(Need, need.id).status == PostingStatus.published  # type: ignore[union-attr]
