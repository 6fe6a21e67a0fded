"""Import jobs: progress chunk by chunk, one encoding batch, the default thread runner."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.accounts.models import User
from backend.matching.lifecycle import use_engine
from backend.postings.need_model import Need
from backend.transfer import worker
from backend.transfer.models import ImportJob
from embeddings.engine import MatchEngine
from tests.backend.transfer.kit import api_import, csv_bytes, headers, job_report, need_row
from tests.embeddings.kit import FakeEncoder


def test_progress_is_recorded_chunk_by_chunk(
    client: TestClient, session: Session, operator: User, enterprise: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(worker, "CHUNK", 3)
    seen: list[tuple[int, int]] = []
    real: Callable[..., Any] = worker._record

    def spy(job: ImportJob, checked: Any, ids: list[int]) -> None:
        real(job, checked, ids)
        seen.append((job.processed, job.imported))

    monkeypatch.setattr(worker, "_record", spy)
    rows = [need_row(title=f"分块导入需求{i}") for i in range(7)] + [need_row(title="")]
    report = job_report(
        client,
        api_import(
            client,
            kind="needs",
            org_id=enterprise.organisation_id,
            data=csv_bytes(headers("needs"), rows),
            filename="p.csv",
        ),
    )
    assert seen == [(3, 3), (6, 6), (8, 7)]
    assert (report["processed"], report["total"], report["imported"], report["status"]) == (8, 8, 7, "done")
    assert [e["row"] for e in report["errors"]] == [9]


def test_published_imports_are_encoded_in_one_batch(
    client: TestClient, session: Session, operator: User, enterprise: User
) -> None:
    encoder = FakeEncoder()
    engine = MatchEngine(encoder=encoder, index_dir=None)
    use_engine(engine)
    try:
        rows = [need_row(title=f"要编码的需求{i}") for i in range(6)]
        report = job_report(
            client,
            api_import(
                client,
                kind="needs",
                org_id=enterprise.organisation_id,
                data=csv_bytes(headers("needs"), rows),
                filename="e.csv",
            ),
        )
    finally:
        use_engine(None)
    assert report["imported"] == 6
    assert encoder.calls == 1 and len(encoder.texts) == 6
    assert engine.count(side="need") == 6


def test_default_runner_imports_in_a_thread_with_its_own_sessions(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.backend.transfer.jobs_kit import queued_job, rows_of
    from tests.databases import drop_database, migrated_engine, new_database_url

    url = new_database_url(tmp_path, "thread")
    engine = migrated_engine(url)
    monkeypatch.setattr(worker, "get_engine", lambda: engine)
    with Session(engine) as db:
        job_id = queued_job(db, rows_of([f"线程导入{i}" for i in range(3)]))
    thread = worker.start_in_thread(job_id)  # the rows come from the database, not the caller
    thread.join(timeout=60)
    with Session(engine) as db:
        done = db.get(ImportJob, job_id)
        assert done is not None
        assert (done.status, done.processed, done.imported) == ("done", 3, 3)
        assert set(db.exec(select(Need.title))) == {f"线程导入{i}" for i in range(3)}
    engine.dispose()
    drop_database(url)
