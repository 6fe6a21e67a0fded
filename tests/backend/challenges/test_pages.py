"""The challenge pages: an operator drafts from the unmet list, a researcher 揭榜, the enterprise selects."""

from datetime import timedelta

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.challenges import proposals
from backend.challenges import service as challenges
from backend.challenges.models import Challenge, Proposal
from backend.db import utcnow
from backend.pairings.models import Pairing
from backend.vocab import PairingStatus
from tests.backend.challenges.helpers import make_cast, proposal_input, published
from tests.factories import login


def _csrf(client: TestClient, url: str) -> str:
    field = BeautifulSoup(client.get(url).text, "html.parser").select_one("input[name=csrf_token]")
    assert field is not None
    return str(field["value"])


def _flash(page: str) -> str:
    found = BeautifulSoup(page, "html.parser").select_one(".flash")
    return found.text.strip() if found else ""


def test_from_unmet_need_to_a_selected_team(client: TestClient, session: Session) -> None:
    cast = make_cast(session)
    cast.need.published_at = utcnow() - timedelta(days=40)  # nobody has answered it for 40 days
    session.add(cast.need)
    session.commit()
    login(client, cast.operator)
    unmet = BeautifulSoup(client.get("/ops/unmet").text, "html.parser")
    row = unmet.select_one(f"#unmet-{cast.need.id}")
    assert row is not None and "从未有人表达意向" in row.text
    start = row.select_one("a.button")
    assert start is not None and start["href"] == f"/challenges/new?need_id={cast.need.id}"
    form = BeautifulSoup(client.get(str(start["href"])).text, "html.parser")
    assert cast.need.problem in form.select_one("#f-description").text  # prefilled from the need
    made = client.post(
        str(start["href"]),
        data={
            "csrf_token": _csrf(client, str(start["href"])),
            "title": "揭榜挂帅：发酵染菌",
            "description": cast.need.problem,
            "reward_amount": "60",
            "deadline": (challenges.today() + timedelta(days=10)).isoformat(),
            "criteria": "可行性\n团队",
            "visibility": "public",
            "action": "publish",
        },
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    challenge = session.exec(select(Challenge)).one()
    assert made.headers["location"] == f"/challenges/{challenge.id}"

    login(client, cast.researcher)
    url = f"/challenges/{challenge.id}"
    listing = client.get("/challenges").text
    assert challenge.title in listing and "60 万元" in listing
    sent = client.post(
        f"{url}/proposals",
        data={
            "csrf_token": _csrf(client, url),
            "summary": "在线监测与自适应补料，染菌率降到 1% 以下。",
            "team": "李明教授团队",
            "plan": "三个月中试，六个月上线两台发酵罐。",
            "result_id": str(cast.result.id),
        },
    )
    assert "揭榜方案已提交" in _flash(sent.text)
    assert "我的揭榜方案" in sent.text and "已提交" in sent.text

    login(client, cast.enterprise)
    page = BeautifulSoup(client.get(url).text, "html.parser")
    proposal = session.exec(select(Proposal)).one()
    chosen = page.select_one(f"#proposal-{proposal.id} form[action$='/select']")
    assert chosen is not None
    done = client.post(
        f"{url}/proposals/{proposal.id}/select",
        data={"csrf_token": _csrf(client, url), "note": "方案最完整"},
        follow_redirects=False,
    )
    pairing = session.exec(select(Pairing)).one()
    assert done.headers["location"] == f"/pairings/{pairing.id}"
    assert pairing.status == PairingStatus.pending_review
    again = client.post(f"{url}/proposals/{proposal.id}/select", data={"csrf_token": _csrf(client, url)})
    assert ("已挂帅" in again.text and "不能再操作" in _flash(again.text)) or "不能重复选定" in _flash(
        again.text
    )


def test_refusals_come_back_on_the_page_in_chinese(client: TestClient, session: Session) -> None:
    cast = make_cast(session)
    challenge = published(session, cast)
    session.commit()
    url = f"/challenges/{challenge.id}"
    login(client, cast.enterprise)
    own = client.get(url).text
    assert "我要揭榜" not in own and "揭榜方案（0）" in own
    tried = client.post(
        f"{url}/proposals",
        data={
            "csrf_token": _csrf(client, url),
            "summary": "企业自己提交的方案内容。",
            "team": "企业",
            "plan": "自己做自己的榜单。",
        },
    )
    assert tried.status_code == 403 and "发榜企业不能揭自己的榜" in tried.text
    assert session.exec(select(Proposal)).all() == []

    challenge.deadline = challenges.today() - timedelta(days=1)
    session.add(challenge)
    session.commit()
    login(client, cast.researcher)
    late = client.get(url).text
    assert "已截止 · 评审中" in late and "我要揭榜" not in late
    tried = client.post(
        f"{url}/proposals",
        data={
            "csrf_token": _csrf(client, url),
            "summary": "截止以后才提交的方案。",
            "team": "团队",
            "plan": "截止以后的计划。",
        },
    )
    assert f"揭榜已于 {challenge.deadline} 截止" in _flash(tried.text)


def test_a_form_with_problems_says_which(client: TestClient, session: Session) -> None:
    cast = make_cast(session)
    login(client, cast.enterprise)
    url = f"/challenges/new?need_id={cast.need.id}"
    answer = client.post(url, data={"csrf_token": _csrf(client, url), "title": "榜", "description": "短"})
    assert answer.status_code == 422
    errors = BeautifulSoup(answer.text, "html.parser").select_one(".form-errors")
    assert errors is not None and "榜单标题" in errors.text and "揭榜截止日期" in errors.text
    assert session.exec(select(Challenge)).all() == []


def test_dashboard_shows_the_challenge_figures_beside_the_funnel(
    client: TestClient, session: Session
) -> None:
    cast = make_cast(session)
    won, lost = published(session, cast), published(session, cast)
    mine = proposals.submit(
        session=session, challenge=won, user=cast.researcher, data=proposal_input(cast.result)
    )
    proposals.select_team(session=session, challenge=won, proposal=mine, user=cast.operator)
    challenges.close(session=session, challenge=lost, user=cast.operator, note="无人揭榜")
    session.commit()
    login(client, cast.operator)
    page = BeautifulSoup(client.get("/ops/dashboard").text, "html.parser")
    box = page.select_one(".challenge-figures")
    assert box is not None
    facts = {dt.text: dd.text.split() for dt, dd in zip(box.select("dt"), box.select("dd"), strict=True)}
    assert facts["发布榜单"][0] == "2" and facts["平均每榜方案"][0] == "0.5"
    assert facts["揭榜成功率"][0] == "50%"
    assert box.select_one("a[href='/ops/unmet']") is not None


def test_a_published_challenge_is_not_edited(client: TestClient, session: Session) -> None:
    cast = make_cast(session)
    challenge = published(session, cast)
    session.commit()
    login(client, cast.operator)
    answer = client.get(f"/challenges/{challenge.id}/edit")
    assert answer.url.path == f"/challenges/{challenge.id}"
    assert "榜单已发布，不能再修改" in _flash(answer.text)
