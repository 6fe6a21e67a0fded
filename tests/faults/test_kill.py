"""A process SIGKILLed mid-write: no half file or half chunk is ever visible, and the next start is right."""

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func
from sqlmodel import select

from backend.accounts.models import User
from backend.engine import current as matching_engine
from backend.postings.need_model import Need
from backend.postings.result_model import Result
from backend.transfer.models import ImportJob
from backend.transfer.payload import store_rows
from backend.vocab import OrgKind, PostingStatus, Role
from embeddings.engine import WARM_UP_QUERY
from tests.embeddings.kit import FakeEncoder
from tests.factories import login, make_org, make_result, make_user
from tests.faults.child import need_rows
from tests.faults.conftest import ROOT, Server, Site
from tests.faults.corpus import ranked_result_ids, seed

MATERIALS = [
    "石墨烯",
    "碳化硅",
    "钙钛矿",
    "聚乳酸",
    "钛合金",
    "氮化镓",
    "纳米纤维素",
    "稀土永磁",
    "锂硫",
    "陶瓷基",
]
USES = ["电池", "涂层", "传感器", "薄膜", "催化剂", "3D打印", "散热", "过滤膜", "光伏", "储氢"]
STEPS = ["低温制备", "连续化生产", "表面改性", "回收再利用", "在线检测", "规模化"]


def _child(args: list[str], site: Site) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.faults.child", *args],
        cwd=ROOT,
        env=site.child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _kill_when(child: subprocess.Popen[str], marker: str, timeout: float = 120) -> str:
    """Wait for the child to print `marker`, then SIGKILL it; returns the line."""
    assert child.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = child.stdout.readline()
        if line.startswith(marker):
            child.send_signal(signal.SIGKILL)
            child.wait(30)
            return line
        if not line and child.poll() is not None:
            break
    child.kill()
    raise AssertionError(f"child never printed {marker!r}: {child.stderr.read() if child.stderr else ''}")


def _visible_files_parse(index_dir: Path) -> list[str]:
    """Problems with any index file under its real name (temp files start with a dot)."""
    problems = []
    for path in index_dir.iterdir() if index_dir.is_dir() else []:
        if path.name.startswith("."):
            continue
        try:
            if path.suffix == ".json":
                json.loads(path.read_bytes())
            elif path.suffix == ".npy":
                np.load(path, allow_pickle=False)
        except Exception as exc:
            problems.append(f"{path.name}: {exc}")
    return problems


def _watch(index_dir: Path, stop: threading.Event, problems: list[str]) -> None:
    while not stop.is_set():
        problems.extend(_visible_files_parse(index_dir))
        time.sleep(0.002)


def _many_results(site: Site, count: int) -> None:
    with site.session() as db:
        researcher = make_user(db, Role.researcher)
        for n in range(count):
            m, u, s = MATERIALS[n % 10], USES[(n // 10) % 10], STEPS[n % 6]
            make_result(
                db,
                researcher,
                title=f"{m}{u}{s}技术（{n}）",
                summary=f"本成果面向{u}应用，采用{m}材料与{s}工艺，第{n}号样品性能稳定。",
                keywords=[m, u],
            )
        db.commit()


# Each save writes vectors, meta and manifest; 300+ results are synced in two chunks, so the
# sync saves after the first chunk (writes 4-6 of the result side) and at the end.
@pytest.mark.slow
@pytest.mark.parametrize("pause_at_write", [1, 2, 3, 4, 5, 6, 8])
def test_index_sync_killed_mid_write(
    pause_at_write: int, site: Site, server: Server, fake_encoder: FakeEncoder
) -> None:
    with site.session() as db:
        s = seed(db)
    _many_results(site, 300)
    site.index_dir.mkdir()
    problems: list[str] = []
    stop = threading.Event()
    watcher = threading.Thread(target=_watch, args=(site.index_dir, stop, problems), daemon=True)
    watcher.start()
    try:
        _kill_when(_child(["sync", str(pause_at_write)], site), "PAUSED")
    finally:
        stop.set()
        watcher.join()

    assert problems == []  # never a half-written file under a real name, while running or after
    assert [p for p in site.index_dir.iterdir() if p.name.startswith(".")]  # the kill hit a write

    with server(fake_encoder) as client:
        engine = matching_engine()
        assert engine is not None
        with site.session() as db:
            listed = db.exec(select(func.count()).where(Result.status == PostingStatus.published)).one()
        assert engine.count(side="result") == listed
        assert ranked_result_ids(client, s.need_id)[0] == s.solver_id
        assert _visible_files_parse(site.index_dir) == []
        assert [p.name for p in site.index_dir.iterdir() if p.name.startswith(".")] == []  # temp cleaned
    # What the next start left on disk is whole and current: a third start encodes nothing.
    again = FakeEncoder()
    with server(again) as client:
        assert ranked_result_ids(client, s.need_id)[0] == s.solver_id
    # Only the queries: the start-up warm-up probe and the need's search; no document re-encoded.
    assert all(t.startswith("单抗") or t == WARM_UP_QUERY for t in again.texts)


CHUNK, ROWS = 20, 200


def _import_job(site: Site, policy: str) -> tuple[int, int]:
    with site.session() as db:
        operator = make_user(db, Role.operator)
        org = make_org(db, kind=OrgKind.enterprise)
        job = ImportJob(
            kind="needs",
            policy=policy,
            actor_id=operator.id,  # type: ignore[arg-type]
            owner_id=operator.id,  # type: ignore[arg-type]
            organisation_id=org.id,
            total=ROWS,
        )
        db.add(job)
        db.flush()
        assert job.id is not None and operator.id is not None
        store_rows(session=db, job_id=job.id, rows=need_rows(ROWS))  # as an upload stores them
        db.commit()
        return job.id, operator.id


def _state(site: Site, job_id: int) -> tuple[ImportJob, set[int]]:
    with site.session() as db:
        job = db.get(ImportJob, job_id)
        assert job is not None
        return job, set(db.exec(select(Need.id)))


def _after_restart(site: Site, server: Server, job_id: int, operator_id: int) -> dict[str, object]:
    """Start the app again: the job its killed worker left is carried on; its report once ended."""
    with server() as client, site.session() as db:
        operator = db.get(User, operator_id)
        assert operator is not None
        login(client, operator)
        deadline = time.monotonic() + 120
        while True:
            response = client.get(f"/api/ops/import/{job_id}")
            assert response.status_code == 200
            if response.json()["finished"] or time.monotonic() > deadline:
                return dict(response.json())
            time.sleep(0.2)


def _exactly_once(site: Site, job_id: int) -> None:
    """Every row of the file is stored once: none lost with the killed worker, none doubled."""
    job, need_ids = _state(site, job_id)
    assert len(need_ids) == job.imported == len(job.created_ids) == ROWS
    assert set(job.created_ids) == need_ids
    with site.session() as db:
        titles = list(db.exec(select(Need.title)))
    assert sorted(titles) == sorted(r.cells["title"] for r in need_rows(ROWS))


def test_import_valid_rows_killed_in_a_chunk_keeps_the_chunks_before(site: Site, server: Server) -> None:
    job_id, operator_id = _import_job(site, "valid_only")
    _kill_when(_child(["import", str(job_id), str(ROWS), str(CHUNK), "3"], site), "PAUSED")
    job, need_ids = _state(site, job_id)
    assert len(need_ids) == job.imported == len(job.created_ids) == job.processed == 2 * CHUNK
    assert set(job.created_ids) == need_ids
    assert job.status == "running"
    report = _after_restart(site, server, job_id, operator_id)
    assert report["status"] == "done" and report["finished"]  # carried on from the third chunk
    _exactly_once(site, job_id)


def test_import_all_or_nothing_killed_stores_nothing_then_all_once(site: Site, server: Server) -> None:
    job_id, operator_id = _import_job(site, "all_or_nothing")
    _kill_when(_child(["import", str(job_id), str(ROWS), str(CHUNK), "1"], site), "PAUSED")
    job, need_ids = _state(site, job_id)
    assert need_ids == set() and job.imported == 0 and job.status == "importing"
    report = _after_restart(site, server, job_id, operator_id)
    assert report["status"] == "done" and report["imported"] == ROWS
    _exactly_once(site, job_id)


def _kill_after(child: subprocess.Popen[str], seconds: float) -> None:
    assert child.stdout is not None
    assert child.stdout.readline().startswith("STARTED")
    time.sleep(seconds)
    os.kill(child.pid, signal.SIGKILL)
    child.wait(30)


@pytest.mark.parametrize("seed_", [1, 2, 3])
def test_import_killed_at_random_moments_holds_exactly_whole_chunks(
    seed_: int, site: Site, server: Server
) -> None:
    job_id, operator_id = _import_job(site, "valid_only")
    child = _child(["import", str(job_id), str(ROWS), str(CHUNK), "0"], site)
    _kill_after(child, random.Random(seed_).uniform(0.05, 1.5))
    job, need_ids = _state(site, job_id)
    # The database holds exactly what the job's report says, in whole chunks.
    assert len(need_ids) == job.imported == len(job.created_ids) == job.processed
    assert set(job.created_ids) == need_ids
    assert job.imported % CHUNK == 0
    report = _after_restart(site, server, job_id, operator_id)
    assert report["status"] == "done" and report["imported"] == ROWS
    _exactly_once(site, job_id)
