"""Vectors in the database and the change feed: one encoding per text, every worker follows.

Worker A is the process's engine (the write path encodes with it); worker B is another engine
with a follower of its own on the same database, as another process would have. Both count the
texts their encoders were given.
"""

import time
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from backend.accounts.models import User
from backend.matching.feed import last_seq
from backend.matching.feed_models import IndexChange, PostingVector
from backend.matching.follower import FeedFollower
from backend.matching.lifecycle import sync_engine
from backend.matching.published import document_if_listed
from backend.postings import needs, results
from backend.postings.need_model import Need, NeedUpdate
from backend.postings.result_model import Result
from backend.vocab import Role
from embeddings.engine import MatchEngine
from tests.backend.matching.feed_kit import (
    assert_index_equals_database,
    db,
    new_worker,
    stored_vectors,
    texts_encoded,
    writer,
)
from tests.factories import make_need, make_result, make_user

__all__ = ["db", "writer"]  # the fixtures this module uses


def _operator(db: Engine) -> int:
    """An operator: what it posts is listed at once, and its edits keep the listing published."""
    with Session(db) as session:
        user = make_user(session, Role.operator)
        session.commit()
        assert user.id is not None
        return user.id


def _post(db: Engine, owner_id: int, side: str, **overrides: Any) -> int:
    with Session(db, expire_on_commit=False) as session:
        owner = session.get_one(User, owner_id)
        make = make_need if side == "need" else make_result
        item = make(session, owner, **overrides)
        session.commit()
        assert item.id is not None
        return item.id


def _edit_need(db: Engine, owner_id: int, need_id: int, **changes: Any) -> None:
    with Session(db) as session:
        owner, need = session.get_one(User, owner_id), session.get_one(Need, need_id)
        needs.update(session=session, need=need, changes=NeedUpdate(**changes), user=owner)
        session.commit()


def _close(db: Engine, owner_id: int, side: str, item_id: int) -> None:
    with Session(db) as session:
        owner = session.get_one(User, owner_id)
        if side == "need":
            needs.close(session=session, need=session.get_one(Need, item_id), user=owner)
        else:
            results.close(session=session, result=session.get_one(Result, item_id), user=owner)
        session.commit()


def _document(db: Engine, side: str, item_id: int) -> Any:
    with Session(db) as session:
        return document_if_listed(session, side, item_id)


def test_a_write_stores_one_vector_that_another_worker_applies_without_encoding(
    db: Engine, writer: MatchEngine
) -> None:
    op = _operator(db)
    need_id = _post(db, op, "need", title="发酵罐批次差异大、容易染菌")
    result_id = _post(db, op, "result")
    need_doc, result_doc = _document(db, "need", need_id), _document(db, "result", result_id)
    assert sorted(texts_encoded(writer)) == sorted([need_doc.text, result_doc.text])  # once each
    rows = stored_vectors(db)
    assert set(rows) == {("need", need_id), ("result", result_id)}
    assert rows[("need", need_id)].content_hash == need_doc.content_hash
    assert rows[("need", need_id)].model_id == writer.encoder.model_id

    other = new_worker()
    follower = FeedFollower(engine=other, db=db, position=0)
    assert follower.catch_up() >= 2
    assert other.document(side="need", doc_id=need_id) == need_doc
    assert [h.id for h in other.match_need(need=need_id, k=1)] == [result_id]
    assert texts_encoded(other) == []  # the stored vectors, never encoded again

    _edit_need(db, op, need_id, title="高温发酵罐在线灭菌改造")
    _edit_need(db, op, need_id, budget_max=200)  # profile only: the text, and its vector, stay
    edited = _document(db, "need", need_id)
    assert texts_encoded(writer).count(edited.text) == 1 and len(texts_encoded(writer)) == 3
    follower.catch_up()
    assert other.document(side="need", doc_id=need_id) == edited
    assert texts_encoded(other) == []
    assert stored_vectors(db)[("need", need_id)].content_hash == edited.content_hash

    _close(db, op, "need", need_id)
    assert ("need", need_id) not in stored_vectors(db)
    follower.catch_up()
    assert other.document(side="need", doc_id=need_id) is None
    assert texts_encoded(other) == []
    assert need_id not in [h.id for h in other.search(text="高温发酵罐在线灭菌", side="need", k=10)]


def test_another_workers_follower_thread_picks_up_a_new_posting(db: Engine, writer: MatchEngine) -> None:
    other = new_worker()
    follower = FeedFollower.at_feed_end(engine=other, db=db, interval=0.1)
    follower.start()
    try:
        need_id = _post(db, _operator(db), "need")
        deadline = time.monotonic() + 30  # a bound so a broken follower fails instead of hanging
        while other.document(side="need", doc_id=need_id) is None and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        follower.stop()
    assert other.document(side="need", doc_id=need_id) == _document(db, "need", need_id)
    assert texts_encoded(other) == []


def test_a_follower_that_was_stopped_converges_to_the_database(db: Engine, writer: MatchEngine) -> None:
    op = _operator(db)
    first = [_post(db, op, "result", title=f"成果{n}号：高效换热器翅片结构") for n in range(5)]
    other = new_worker()
    follower = FeedFollower(engine=other, db=db, position=0)
    follower.catch_up()
    stopped_at = follower.position
    need_ids: list[int] = []
    for n in range(100):  # 100 writes while it is stopped: creates, edits and closes
        if n % 4 == 3 and need_ids:
            _edit_need(db, op, need_ids[-1], title=f"需求{n}：改进后的污水脱氮工艺")
        elif n % 4 == 2 and need_ids:
            _close(db, op, "need", need_ids.pop(0))
        elif n % 10 == 1:
            _close(db, op, "result", first.pop())
        else:
            need_ids.append(_post(db, op, "need", title=f"需求{n}：印染污水深度脱氮"))
    with Session(db) as session:
        assert last_seq(session=session) >= stopped_at + 100
    follower.catch_up()  # restarted: resumes from where it stopped
    assert_index_equals_database(other, db)
    assert texts_encoded(other) == []


def test_start_up_loads_stored_vectors_and_encodes_only_what_is_missing(
    db: Engine, writer: MatchEngine
) -> None:
    op = _operator(db)
    ids = [_post(db, op, "need", title=f"需求{n}：锅炉烟气余热回收") for n in range(3)]
    ids.append(_post(db, op, "result"))
    restarted = new_worker()
    reports = sync_engine(restarted, db)
    assert [r.encoded for r in reports] == [0, 0] and texts_encoded(restarted) == []
    assert_index_equals_database(restarted, db)

    with Session(db) as session:  # a posting whose vector was never stored (written without the model)
        session.delete(session.get_one(PostingVector, ("need", ids[0])))
        session.commit()
        before = last_seq(session=session)
    again = new_worker()
    reports = sync_engine(again, db)
    assert [r.encoded for r in reports] == [1, 0]
    assert texts_encoded(again) == [_document(db, "need", ids[0]).text]
    assert_index_equals_database(again, db)  # and stored for every other worker
    with Session(db) as session:
        told = session.exec(select(IndexChange).where(col(IndexChange.seq) > before)).all()
    assert [(c.side, c.posting_id, c.op) for c in told] == [("need", ids[0], "upsert")]


def test_on_postgresql_a_notification_wakes_the_follower_before_its_poll(
    db: Engine, writer: MatchEngine
) -> None:
    if db.dialect.name != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's; SQLite's followers poll")
    other = new_worker()
    follower = FeedFollower.at_feed_end(engine=other, db=db, interval=600)  # the poll never comes
    follower.start()
    try:
        assert follower.following.wait(timeout=60)  # caught up and listening: only NOTIFY wakes it now
        need_id = _post(db, _operator(db), "need")
        deadline = time.monotonic() + 60  # a bound so a broken follower fails instead of hanging
        while other.document(side="need", doc_id=need_id) is None and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        follower.stop()
    assert other.document(side="need", doc_id=need_id) == _document(db, "need", need_id)
