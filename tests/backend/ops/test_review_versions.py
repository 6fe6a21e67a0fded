"""A review decision names the version the operator read: an edit made after the reading is never
published (or returned) unreviewed. The decision fails with 409 and says why; nothing changes."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, col

from backend.audit.service import history
from backend.errors import Conflict
from backend.postings import lifecycle as lc
from backend.postings.need_model import Need
from backend.postings.result_model import Result
from backend.vocab import PostingStatus, Role
from tests.backend.ops.review_kit import (
    QUEUE,
    csrf,
    last_notification_id,
    notifications_after,
    pending_need,
    pending_result,
    soup,
    status_of,
)
from tests.factories import login, make_user

EDITED_TITLE = "修改后的标题：含未经审核的内容"


def _form_version(client: TestClient, url: str, action: str) -> str:
    """The version carried by the review form an operator sees on `url`."""
    form = soup(client.get(url)).select_one(f"form[action$='/{action}']")
    assert form is not None
    return str(form.select_one("input[name=version]")["value"])


@pytest.mark.parametrize(("action", "extra"), [("approve", {}), ("return", {"note": "请补充指标"})])
def test_a_decision_on_a_need_edited_after_the_reading_is_refused_on_the_page(
    client: TestClient, session: Session, action: str, extra: dict[str, str]
) -> None:
    owner = make_user(session, Role.enterprise)
    need = pending_need(session, owner, title="审核员读到的标题")
    operator = make_user(session, Role.operator)
    session.commit()
    login(client, operator)
    seen = _form_version(client, f"/needs/{need.id}", action)

    login(client, owner)  # the owner edits while the operator reads
    assert client.patch(f"/api/needs/{need.id}", json={"title": EDITED_TITLE}).status_code == 200
    before = last_notification_id(session)

    login(client, operator)
    r = client.post(
        f"/ops/reviews/need/{need.id}/{action}",
        data={"csrf_token": csrf(client), "next": QUEUE, "version": seen} | extra,
        follow_redirects=False,
    )
    assert r.status_code == 409
    page = soup(r)
    notice = page.select_one(".review-stale")
    assert notice is not None and "在您阅读后已被发布方修改" in notice.get_text()
    row = page.select_one(f".review-row[data-id='{need.id}']")  # the queue, with the latest text
    assert row is not None and EDITED_TITLE in row.get_text()
    latest = row.select_one(f"form[action$='/{action}'] input[name=version]")["value"]
    assert latest != seen

    assert status_of(session, Need, need.id) == PostingStatus.pending
    assert [e.action for e in history(session=session, entity="need", entity_id=need.id or 0)][-1] == "edit"
    assert notifications_after(session, before) == []

    r = client.post(  # the latest version, read: the decision goes through
        f"/ops/reviews/need/{need.id}/{action}",
        data={"csrf_token": csrf(client), "version": latest} | extra,
        follow_redirects=False,
    )
    assert r.status_code == 303
    expected = PostingStatus.published if action == "approve" else PostingStatus.returned
    assert status_of(session, Need, need.id) == expected


def test_a_page_decision_without_a_version_is_refused(client: TestClient, session: Session) -> None:
    need = pending_need(session)
    session.commit()
    login(client, make_user(session, Role.operator))
    r = client.post(f"/ops/reviews/need/{need.id}/approve", data={"csrf_token": csrf(client)})
    assert r.status_code == 409 and "未注明您阅读的需求版本" in soup(r).select_one(".review-stale").get_text()
    assert status_of(session, Need, need.id) == PostingStatus.pending


def test_the_api_refuses_a_decision_on_an_edited_result(client: TestClient, session: Session) -> None:
    owner = make_user(session, Role.researcher)
    result = pending_result(session, owner, title="成果原标题")
    operator = make_user(session, Role.operator)
    session.commit()
    login(client, operator)
    (item,) = client.get("/api/ops/reviews").json()["items"]
    assert client.get(f"/api/results/{result.id}").json()["version"] == item["version"]

    login(client, owner)
    assert client.patch(f"/api/results/{result.id}", json={"title": EDITED_TITLE}).status_code == 200

    login(client, operator)
    for action, body in (("approve", {}), ("return", {"note": "请补充数据"})):
        r = client.post(
            f"/api/ops/reviews/result/{result.id}/{action}", json={"version": item["version"]} | body
        )
        assert r.status_code == 409 and "在您阅读后已被发布方修改" in r.json()["error"], r.text
    assert client.post(f"/api/ops/reviews/result/{result.id}/approve", json={}).status_code == 422
    assert status_of(session, Result, result.id) == PostingStatus.pending

    (latest,) = client.get("/api/ops/reviews").json()["items"]
    assert latest["title"] == EDITED_TITLE and latest["version"] == item["version"] + 1
    r = client.post(f"/api/ops/reviews/result/{result.id}/approve", json={"version": latest["version"]})
    assert r.status_code == 200 and r.json()["status"] == "published" and r.json()["title"] == EDITED_TITLE


def test_an_edit_committed_between_the_check_and_the_write_still_wins(session: Session) -> None:
    """The status change itself is conditional on the version (another transaction may edit meanwhile)."""
    need = pending_need(session)
    operator = make_user(session, Role.operator)
    seen = need.version
    session.execute(update(Need).where(col(Need.id) == need.id).values(version=seen + 1, title=EDITED_TITLE))
    with pytest.raises(Conflict):
        lc.approve(session=session, item=need, operator=operator, version=seen)
    assert status_of(session, Need, need.id) == PostingStatus.pending
