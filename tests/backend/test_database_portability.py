"""What SQLite and PostgreSQL do differently, pinned so both answer the same (`make test` and `make test-pg`).

Each test here failed on PostgreSQL before its fix: times stored in the server's zone, a
case-sensitive LIKE, NULLs sorted first in a descending order, a NUL character refused.
"""

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import Session, select

from backend.audit.models import AuditEntry
from backend.vocab import Role
from tests.factories import login, make_need, make_user


def test_a_stored_time_reads_back_as_the_same_utc_instant(session: Session) -> None:
    # The throwaway PostgreSQL server runs in Asia/Shanghai, as a deployment in China would.
    written = datetime(2026, 6, 1, 1, 30, tzinfo=UTC)
    session.add(AuditEntry(action="probe", entity="need", entity_id=1, created_at=written))
    session.flush()
    session.expire_all()
    stored = session.exec(select(AuditEntry).where(AuditEntry.action == "probe")).one().created_at
    assert stored.replace(tzinfo=stored.tzinfo or UTC) == written
    # The database's own view of the value agrees (no zone shift hidden by a symmetric read).
    raw = session.execute(text("SELECT created_at FROM audit_entry WHERE action = 'probe'")).scalar_one()
    assert str(raw).startswith("2026-06-01 01:30")


def test_word_search_ignores_letter_case_and_treats_wildcards_as_text(
    client: TestClient, session: Session
) -> None:
    owner = make_user(session, Role.enterprise)
    upper = make_need(session, owner, title="AI视觉质检系统的工业现场适配")
    percent = make_need(session, owner, title="纯度提升至99%以上的分离工艺")
    other = make_need(session, owner, title="纯度提升至99X以上的分离工艺")
    session.commit()

    def ids(q: str) -> set[int]:
        return {item["id"] for item in client.get("/api/needs", params={"q": q}).json()["items"]}

    assert upper.id in ids("ai视觉")
    assert upper.id in ids("Ai")
    found = ids("99%")
    assert percent.id in found and other.id not in found
    assert other.id not in ids("99_")


def test_search_with_a_nul_character_answers_like_a_space(client: TestClient, session: Session) -> None:
    owner = make_user(session, Role.enterprise)
    need = make_need(session, owner, title="发酵罐在线染菌预警技术")
    session.commit()
    response = client.get("/api/needs", params={"q": "发酵罐\x00染菌"})
    assert response.status_code == 200
    assert need.id in {item["id"] for item in response.json()["items"]}


def test_newest_first_lists_unpublished_postings_last(client: TestClient, session: Session) -> None:
    owner = make_user(session, Role.enterprise)
    published = make_need(session, owner, title="已发布的需求排在前面的检验")
    draft = make_need(session, owner, publish=False, title="草稿需求没有发布时间的检验")
    session.commit()
    login(client, owner)
    items = client.get("/api/needs", params={"order": "newest"}).json()["items"]
    order = [item["id"] for item in items if item["id"] in {published.id, draft.id}]
    assert order == [published.id, draft.id]
