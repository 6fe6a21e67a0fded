"""Disk full while saving: index files (ENOSPC) and the database (SQLite "database or disk is full",
PostgreSQL "No space left on device")."""

import errno
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, text
from sqlmodel import select

from backend.accounts.models import User
from backend.db import get_engine
from backend.engine import current as matching_engine
from backend.postings.need_model import Need
from backend.postings.result_model import Result
from backend.vocab import PostingStatus
from embeddings import index as vector_index
from embeddings.index import VectorIndex
from tests.embeddings.kit import FakeEncoder
from tests.factories import login, need_data, result_data
from tests.faults.conftest import Server, Site
from tests.faults.corpus import SOLVER, ranked_result_ids, seed

FULL = "存储空间不足"


def _sign_in(client: TestClient, site: Site, user_id: int) -> None:
    with site.session() as db:
        user = db.get(User, user_id)
        assert user is not None
    login(client, user)


def _published(model: Any) -> set[int]:
    with get_engine().connect() as conn:
        rows = conn.execute(select(model.id).where(model.status == PostingStatus.published))
        return {r[0] for r in rows}


def _indexed(side: str) -> set[int]:
    """The ids the running index holds (checked against its own count: no extra ids hide there)."""
    engine = matching_engine()
    assert engine is not None
    with get_engine().connect() as conn:
        model = Need if side == "need" else Result
        every = {r[0] for r in conn.execute(select(model.id))}
    held = {i for i in every if engine.document(side=side, doc_id=i) is not None}  # type: ignore[arg-type]
    assert engine.count(side=side) == len(held)  # type: ignore[arg-type]
    return held


def _on_disk(index_dir: Path, side: str) -> set[int]:
    enc = FakeEncoder()
    stored = VectorIndex.load(directory=index_dir, side=side, dim=enc.dim, model_id=enc.model_id)
    return {int(i) for i in stored.ids()}


def test_index_files_cannot_be_written(
    site: Site, server: Server, fake_encoder: FakeEncoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The write is committed and served; the files stay the last good version; a restart repairs them."""
    with site.session() as db:
        s = seed(db)
    with server(fake_encoder) as client:
        _sign_in(client, site, s.operator_id)
        assert ranked_result_ids(client, s.need_id)[0] == s.solver_id
        files_before = _on_disk(site.index_dir, "result")

        def no_space(path: Path, data: bytes) -> None:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))

        monkeypatch.setattr(vector_index, "atomic_write", no_space)
        better = result_data(**(SOLVER | {"title": "耐碱亲和层析填料（第二代）"}))
        response = client.post("/api/results?publish=true", json=better)
        assert response.status_code == 201, response.text  # committed: a retry would duplicate it
        new_id = response.json()["id"]
        closed = client.post(f"/api/results/{s.other_ids[0]}/close", json={"note": "已转让"})
        assert closed.status_code == 200, closed.text

        # In memory the index follows the database; on disk the last good files are untouched.
        assert _indexed("result") == _published(Result) == set(s.other_ids[1:]) | {s.solver_id, new_id}
        ranked = ranked_result_ids(client, s.need_id)
        assert set(ranked) == _published(Result) and new_id in ranked[:2]
        assert _on_disk(site.index_dir, "result") == files_before
        assert not [p for p in site.index_dir.iterdir() if p.name.startswith(".")]

        monkeypatch.undo()  # space freed: the next save writes the whole current state
        assert client.post(f"/api/results/{s.other_ids[1]}/close", json={"note": "已转让"}).status_code == 200
        assert _on_disk(site.index_dir, "result") == _published(Result)
        served = ranked_result_ids(client, s.need_id)

    with server(FakeEncoder()) as client:  # and a restart serves the same
        assert ranked_result_ids(client, s.need_id) == served


@contextmanager
def database_capped(extra_pages: int) -> Iterator[None]:
    """The database may grow by at most about `extra_pages` pages, then refuses writes as a full disk does."""
    engine = get_engine()
    if engine.dialect.name != "sqlite":
        with postgres_capped(extra_bytes=extra_pages * 8192):
            yield
        return
    with engine.connect() as conn:
        pages = conn.execute(text("PRAGMA page_count")).scalar_one()

    def cap(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute(f"PRAGMA max_page_count={pages + extra_pages}")

    event.listen(engine, "connect", cap)
    engine.dispose()
    try:
        yield
    finally:
        event.remove(engine, "connect", cap)
        engine.dispose()


@contextmanager
def postgres_capped(extra_bytes: int) -> Iterator[None]:
    """PostgreSQL: once the need table (with its indexes and TOAST) has grown by `extra_bytes`, an
    insert fails with the server's own answer to a full disk (SQLSTATE 53100, disk_full)."""
    engine = get_engine()
    with engine.begin() as conn:
        limit = conn.execute(text("SELECT pg_total_relation_size('need')")).scalar_one() + extra_bytes
        conn.execute(
            text(
                "CREATE FUNCTION test_disk_full() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF pg_total_relation_size('need') > {int(limit)} THEN RAISE EXCEPTION "
                "'could not extend file: No space left on device' USING ERRCODE = 'disk_full'; "
                "END IF; RETURN NEW; END $$"
            )
        )
        conn.execute(
            text(
                "CREATE TRIGGER test_disk_full BEFORE INSERT ON need "
                "FOR EACH ROW EXECUTE FUNCTION test_disk_full()"
            )
        )
    try:
        yield
    finally:
        with engine.begin() as conn:
            conn.execute(text("DROP TRIGGER test_disk_full ON need"))
            conn.execute(text("DROP FUNCTION test_disk_full()"))


def _counts() -> dict[str, int]:
    with get_engine().connect() as conn:
        tables = ("need", "result", "audit_entry")
        return {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one() for t in tables}


def test_database_full(site: Site, server: Server, fake_encoder: FakeEncoder) -> None:
    """Saves fail with a clear 503; what was committed stays; the index matches the database."""
    with site.session() as db:
        s = seed(db)
    with server(fake_encoder) as client:
        _sign_in(client, site, s.operator_id)
        accepted: list[int] = []
        refused = None
        with database_capped(extra_pages=6):
            for n in range(200):
                body = need_data(title=f"磁盘将满时的需求{n}", problem="发酵过程染菌问题的详细描述。" * 60)
                response = client.post("/api/needs?publish=true", json=body)
                if response.status_code != 201:
                    refused = response
                    break
                accepted.append(response.json()["id"])
            assert refused is not None, "the capped database never filled up"
            assert refused.status_code == 503
            assert FULL in refused.json()["error"]
            counts_at_failure = _counts()
            page = client.get("/needs/new")  # reading still works
            assert page.status_code == 200
        assert accepted  # some saves succeeded before the disk filled
        with site.session() as db:
            titles = set(db.exec(select(Need.title)))
        assert {f"磁盘将满时的需求{n}" for n in range(len(accepted))} <= titles
        assert f"磁盘将满时的需求{len(accepted)}" not in titles  # nothing half-written
        assert _counts() == counts_at_failure
        assert _indexed("need") == _published(Need)

        # Space again: saving works, and matching serves the right answer.
        retry = client.post("/api/needs?publish=true", json=need_data(title="空间恢复后的需求"))
        assert retry.status_code == 201
        assert _indexed("need") == _published(Need)
        assert ranked_result_ids(client, s.need_id)[0] == s.solver_id
