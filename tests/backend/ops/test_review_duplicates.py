"""Duplicate candidates at the review desk and on the writer's page: 以重复退回, 合并, visibility."""

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.audit.models import AuditEntry
from backend.postings.need_model import Need
from backend.postings.quality_models import DuplicateCandidate
from backend.postings.result_model import Result
from backend.vocab import PostingStatus, Role
from tests.backend.ops.review_kit import (
    QUEUE,
    csrf,
    flash,
    last_notification_id,
    notifications_after,
    pending_need,
    pending_result,
    soup,
    status_of,
)
from tests.factories import login, make_need, make_result, make_user


def _candidate(
    session: Session, side: str, new_id: int | None, old_id: int | None, sim: float = 0.93
) -> None:
    assert new_id is not None and old_id is not None
    session.add(
        DuplicateCandidate(side=side, posting_id=new_id, other_id=old_id, similarity=sim, content_hash="x")
    )
    session.commit()


def _row(response: object, kind: str, item_id: int | None) -> BeautifulSoup:
    row = soup(response).select_one(f".review-row[data-kind={kind}][data-id='{item_id}']")
    assert row is not None
    return row


def test_the_queue_shows_each_candidate_with_return_and_merge(client: TestClient, session: Session) -> None:
    owner = make_user(session, Role.enterprise)
    existing = make_need(session, owner, title="已发布的发酵染菌需求")
    new = pending_need(session, owner, title="再次提交的发酵染菌需求")
    _candidate(session, "need", new.id, existing.id)
    login(client, make_user(session, Role.operator))
    row = _row(client.get(QUEUE), "need", new.id)
    box = row.select_one(".review-duplicates")
    assert box is not None and "可能与已有需求重复" in box.get_text()
    link = box.select_one(f"a[href='/needs/{existing.id}']")
    assert link is not None and link.get_text(strip=True) == "已发布的发酵染菌需求"
    assert "相似度 93%" in box.get_text() and "合并：关闭这条新提交" in box.get_text()
    buttons = [b.get_text(strip=True) for b in box.select("button")]
    assert buttons == ["以重复退回", "合并"]


def test_return_as_duplicate_names_the_existing_posting_to_its_owner(
    client: TestClient, session: Session
) -> None:
    owner = make_user(session, Role.researcher)
    existing = make_result(session, owner, title="已发布的拉曼发酵监测成果")
    new = pending_result(session, make_user(session, Role.researcher), title="重新录入的拉曼发酵监测成果")
    _candidate(session, "result", new.id, existing.id)
    login(client, make_user(session, Role.operator))
    before = last_notification_id(session)
    answer = client.post(
        f"/ops/reviews/result/{new.id}/return-duplicate",
        data={"csrf_token": csrf(client), "other": existing.id, "version": new.version, "next": QUEUE},
        follow_redirects=True,
    )
    assert "已以重复退回" in flash(answer, "success")
    assert status_of(session, Result, new.id) == PostingStatus.returned
    returned = session.get(Result, new.id)
    assert returned is not None and f"/results/{existing.id}" in returned.review_note
    assert "已发布的拉曼发酵监测成果" in returned.review_note
    [note] = notifications_after(session, before)
    assert "退回修改" in note.title and "已发布的拉曼发酵监测成果" in note.body


def test_merge_closes_the_new_posting_as_a_duplicate_with_an_audit_entry(
    client: TestClient, session: Session
) -> None:
    owner = make_user(session, Role.enterprise)
    existing = make_need(session, owner, title="保留的那条需求")
    new = pending_need(session, owner, title="被合并的那条需求")
    _candidate(session, "need", new.id, existing.id)
    operator = make_user(session, Role.operator)
    login(client, operator)
    before = last_notification_id(session)
    answer = client.post(
        f"/ops/reviews/need/{new.id}/merge",
        data={"csrf_token": csrf(client), "other": existing.id, "version": new.version, "next": QUEUE},
        follow_redirects=True,
    )
    assert "已合并" in flash(answer, "success")
    assert status_of(session, Need, new.id) == PostingStatus.closed
    assert status_of(session, Need, existing.id) == PostingStatus.published
    merged = session.exec(
        select(AuditEntry).where(AuditEntry.action == "merge", AuditEntry.entity_id == new.id)
    ).one()
    assert merged.actor_id == operator.id and merged.summary == f"作为重复合并入需求 #{existing.id}"
    [note] = notifications_after(session, before)
    assert "保留的那条需求" in note.body
    assert ("need", "被合并的那条需求") not in [
        (str(r["data-kind"]), r.select_one("h3 a").get_text(strip=True))
        for r in soup(client.get(QUEUE)).select(".review-row")
    ]


def test_merge_keeps_the_version_check_and_refuses_an_unpublished_target(
    client: TestClient, session: Session
) -> None:
    owner = make_user(session, Role.enterprise)
    existing = make_need(session, owner, title="已发布的目标")
    draft = make_need(session, owner, publish=False, title="草稿目标")
    new = pending_need(session, owner, title="待合并的需求")
    login(client, make_user(session, Role.operator))
    stale = client.post(
        f"/ops/reviews/need/{new.id}/merge",
        data={"csrf_token": csrf(client), "other": existing.id, "version": new.version + 1},
    )
    assert stale.status_code == 409 and "重新审核" in stale.text
    refused = client.post(
        f"/ops/reviews/need/{new.id}/merge",
        data={"csrf_token": csrf(client), "other": draft.id, "version": new.version},
        follow_redirects=True,
    )
    assert "未在发布中" in flash(refused, "error")
    assert status_of(session, Need, new.id) == PostingStatus.pending


def test_the_writer_sees_the_warning_with_links_only_to_what_they_may_open(
    client: TestClient, session: Session
) -> None:
    writer = make_user(session, Role.researcher)
    public = make_result(session, make_user(session, Role.researcher), title="别人已发布的成果")
    hidden = make_result(session, make_user(session, Role.researcher), publish=False, title="别人的草稿成果")
    new = pending_result(session, writer, title="我新提交的成果")
    _candidate(session, "result", new.id, public.id, 0.91)
    _candidate(session, "result", new.id, hidden.id, 0.95)
    login(client, writer)
    page = soup(client.get(f"/results/{new.id}"))
    warning = page.select_one(".duplicate-warning")
    assert warning is not None and "可能与已有成果重复" in warning.get_text()
    assert [a["href"] for a in warning.select("a")] == [f"/results/{public.id}"]
    assert "别人的草稿成果" not in page.get_text()
    api = client.get(f"/api/results/{new.id}/duplicates").json()
    assert [(d["id"], d["similarity"]) for d in api] == [(public.id, 0.91)]
    # Someone else viewing the (published) posting is not told.
    client.cookies.clear()
    assert soup(client.get(f"/results/{public.id}")).select_one(".duplicate-warning") is None


def test_the_review_api_lists_candidates_and_merges_or_returns_as_duplicate(
    client: TestClient, session: Session
) -> None:
    owner = make_user(session, Role.enterprise)
    existing = make_need(session, owner, title="接口里已发布的需求")
    merged = pending_need(session, owner, title="接口合并的需求")
    returned = pending_need(session, owner, title="接口以重复退回的需求")
    _candidate(session, "need", merged.id, existing.id)
    _candidate(session, "need", returned.id, existing.id)
    login(client, make_user(session, Role.operator))
    queue = {item["id"]: item for item in client.get("/api/ops/reviews").json()["items"]}
    assert [(d["id"], d["url"]) for d in queue[merged.id]["duplicates"]] == [
        (existing.id, f"/needs/{existing.id}")
    ]
    stale = client.post(
        f"/api/ops/reviews/need/{merged.id}/merge",
        json={"version": merged.version + 1, "other_id": existing.id},
    )
    assert stale.status_code == 409
    done = client.post(
        f"/api/ops/reviews/need/{merged.id}/merge", json={"version": merged.version, "other_id": existing.id}
    )
    assert done.status_code == 200 and done.json()["status"] == "closed"
    back = client.post(
        f"/api/ops/reviews/need/{returned.id}/return-duplicate",
        json={"version": returned.version, "other_id": existing.id},
    )
    assert back.status_code == 200 and back.json()["status"] == "returned"
    assert "接口里已发布的需求" in back.json()["review_note"]


def test_the_edit_form_repeats_the_warning_for_the_writer(client: TestClient, session: Session) -> None:
    owner = make_user(session, Role.enterprise)
    existing = make_need(session, owner, title="编辑页提示的已有需求")
    new = pending_need(session, owner, title="编辑页提示的新需求")
    _candidate(session, "need", new.id, existing.id)
    login(client, owner)
    form = soup(client.get(f"/needs/{new.id}/edit"))
    warning = form.select_one(".duplicate-warning")
    assert warning is not None and "可能与已有需求重复" in warning.get_text()
    assert [a["href"] for a in warning.select("a")] == [f"/needs/{existing.id}"]
    assert soup(client.get("/needs/new")).select_one(".duplicate-warning") is None
