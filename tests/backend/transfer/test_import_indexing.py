"""The encoding of imported postings (and of an index rebuild) on the operators' import pages."""

import time
from collections.abc import Iterator
from dataclasses import replace

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session

from backend.accounts.models import User
from backend.matching import progress
from backend.matching.lifecycle import use_engine
from backend.matching.progress import IndexingProgress
from backend.transfer.models import ImportJob
from embeddings.encoder import Encoder
from embeddings.engine import MatchEngine
from tests.backend.transfer.kit import api_import, csv_bytes, headers, result_row


@pytest.fixture(autouse=True)
def _no_progress_record() -> Iterator[None]:
    progress.progress_path().unlink(missing_ok=True)
    yield
    progress.progress_path().unlink(missing_ok=True)


def _text(html: str, selector: str) -> str:
    node = BeautifulSoup(html, "html.parser").select_one(selector)
    assert node is not None, selector
    return " ".join(node.get_text().split())


def test_published_import_shows_its_encoding_rate_and_time_left(
    client: TestClient,
    session: Session,
    operator: User,
    university: User,
    real_encoder: Encoder,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[IndexingProgress] = []
    record = progress.publish

    def spy(p: IndexingProgress) -> None:
        seen.append(p)
        record(p)

    monkeypatch.setattr(progress, "publish", spy)
    engine = MatchEngine(encoder=real_encoder, index_dir=None)
    use_engine(engine)
    try:
        titles = ["锂电池负极材料低温性能提升", "工业视觉表面缺陷检测系统", "农药残留快速降解菌剂"]
        rows = [result_row(title=t) for t in titles]
        response = api_import(
            client,
            kind="results",
            org_id=university.organisation_id,
            data=csv_bytes(headers("results"), rows),
            filename="r.csv",
        )
        assert response.status_code == 202, response.text
        job_id = response.json()["job_id"]
    finally:
        use_engine(None)
    assert engine.count(side="result") == 3
    # While encoding, the job's record carried the rate and the time left, as the page shows them.
    running = [p for p in seen if p.job_id == job_id and p.running and p.done]
    assert running and running[0].texts_per_s > 0 and running[0].total == 3
    assert "条/秒" in running[0].summary and "剩余约" in running[0].summary
    page = client.get(f"/ops/import/{job_id}")
    assert _text(page.text, "#job-status") == "已完成"
    assert _text(page.text, "#job-indexing") == "已编码 3 / 3 条，已完成"
    report = client.get(f"/api/ops/import/{job_id}").json()
    assert report["finished"] and report["indexing"]["state"] == "done"


def test_a_job_being_encoded_shows_rate_and_time_left_and_keeps_polling(
    client: TestClient, session: Session, operator: User
) -> None:
    assert operator.id is not None
    job = ImportJob(
        kind="results", filename="r.csv", policy="valid_only", publish=True, actor_id=operator.id,
        owner_id=operator.id, status="indexing", total=500, processed=500, imported=500,
        message="共 500 行：导入 500 行，有误 0 行",
    )  # fmt: skip
    session.add(job)
    session.flush()
    assert job.id is not None
    label = f"导入任务 #{job.id}"
    progress.publish(IndexingProgress(label, job.id, 120, 500, 40.0, 9.5, "running", time.time()))
    page = client.get(f"/ops/import/{job.id}")
    html = BeautifulSoup(page.text, "html.parser")
    assert _text(page.text, "#job-status") == "编码入索引"
    assert _text(page.text, "#job-indexing") == "已编码 120 / 500 条，40.0 条/秒，剩余约 10 秒"
    bar = html.select_one("#index-bar")
    assert bar is not None and (bar["value"], bar["max"]) == ("120", "500")
    assert html.select_one("[data-poll-job]") is not None  # the page follows it until it is done
    assert "共 500 行：导入 500 行" in _text(page.text, ".transfer-summary")  # the rows are stored
    report = client.get(f"/api/ops/import/{job.id}").json()
    assert not report["finished"] and report["status_label"] == "编码入索引"
    assert report["indexing"]["summary"] == "已编码 120 / 500 条，40.0 条/秒，剩余约 10 秒"


def test_import_page_shows_a_running_rebuild_but_not_one_left_by_a_stopped_process(
    client: TestClient, operator: User
) -> None:
    rebuild = IndexingProgress("索引重建", None, 2000, 153771, 80.3, 1890.0, "running", time.time())
    progress.publish(rebuild)
    shown = _text(client.get("/ops/import").text, "#index-progress")
    assert shown.startswith("索引重建：已编码 2000 / 153771 条，80.3 条/秒，剩余约 1890 秒")
    progress.publish(replace(rebuild, updated_at=time.time() - 10 * progress.STALE_S))
    html = BeautifulSoup(client.get("/ops/import").text, "html.parser")
    assert html.select_one("#index-progress") is None
    progress.publish(replace(rebuild, done=153771, seconds_left=0.0, state="done"))
    assert BeautifulSoup(client.get("/ops/import").text, "html.parser").select_one("#index-progress") is None
