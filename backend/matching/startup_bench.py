"""How long a worker takes to start on a big database: python -m backend.matching.startup_bench --results 100000.

Builds a SQLite database (alembic head) holding N published results with their stored vectors,
then starts a fresh process on it that does exactly what the app does at start-up
(`start_matching`: load the model, read the feed's position, build the index from the stored
vectors, warm up, follow the feed) and answers a search and a match. It prints the wall time from
launching that process until the answers are in, its phases, the texts encoded by the start-up
sync (0 expected) and the process's peak memory.

The texts are the evaluation corpus's abstracts (shared/eval), numbered to make N distinct
postings. Their vectors: a sample is encoded for real and the rest are small perturbations of
those (cosine ~0.9, `embeddings.bench_corpus.perturb_vectors`, as `embeddings.bench` uses):
encoding 100,000 texts would take hours on a laptop, and what start-up costs does not depend on which unit vectors it reads.
"""

import argparse
import json
import logging
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.bench_corpus import perturb_vectors

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "eval" / "corpus_paper_problem.jsonl"
ENCODED_SAMPLE = 256  # texts encoded for real; the other vectors are perturbations of these
INSERT_BATCH = 5_000


def _texts() -> list[str]:
    lines = CORPUS.read_text(encoding="utf-8").splitlines() if CORPUS.is_file() else []
    texts = [json.loads(line)["text"] for line in lines if line.strip()]
    return texts or ["采用石墨烯包覆硅碳复合负极，循环1000次容量保持率92%，零下20摄氏度仍可正常充放电。"]


def _vectors(encoder: Any, texts: list[str], n: int) -> np.ndarray:
    base = np.asarray(encoder.encode(texts[:ENCODED_SAMPLE]), dtype=np.float32)
    return perturb_vectors(base, n, seed=7)


def _env(workdir: Path) -> dict[str, str]:
    return {
        "KEMATCH_DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
        "KEMATCH_INDEX_DIR": str(workdir / "index"),
        "KEMATCH_DATA_DIR": str(workdir / "data"),
        "KEMATCH_FILES_DIR": str(workdir / "files"),
        "KEMATCH_MATCHING_ENABLED": "true",
        "HF_HUB_OFFLINE": "1",
    }


def prepare(workdir: Path, n: int) -> None:
    """The database: migrated, one organisation and user, `n` published results and their vectors."""
    os.environ.update(_env(workdir))
    from alembic.config import Config
    from sqlalchemy import insert

    from alembic import command
    from backend.accounts.models import Organisation, User
    from backend.db import get_engine, utcnow
    from backend.matching.documents import result_document
    from backend.matching.feed_models import PostingVector
    from backend.matching.lifecycle import build_engine
    from backend.matching.vectors import to_bytes
    from backend.postings.result_model import Result

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, "head")
    encoder = build_engine().encoder  # the model the worker will load: its id is the vectors'
    texts = _texts()
    vectors = _vectors(encoder, texts, n)
    db, now = get_engine(), utcnow()
    with db.begin() as conn:
        org = conn.execute(
            insert(Organisation).values(name="基准测试大学", kind="university", region="湖北省")
        )
        assert org.inserted_primary_key is not None
        org_id = org.inserted_primary_key[0]
        user = conn.execute(
            insert(User).values(
                name="基准",
                email="bench@example.cn",
                role="researcher",
                organisation_id=org_id,
                password_hash="x",
            )
        )
        assert user.inserted_primary_key is not None
        owner_id = user.inserted_primary_key[0]
    for start in range(0, n, INSERT_BATCH):
        rows = [
            _result_row(i, texts[i % len(texts)], org_id, owner_id, now)
            for i in range(start, min(n, start + INSERT_BATCH))
        ]
        with db.begin() as conn:
            conn.execute(insert(Result), rows)
            docs = [result_document(Result(**row)) for row in rows]
            conn.execute(
                insert(PostingVector),
                [
                    {
                        "side": "result",
                        "posting_id": doc.id,
                        "model_id": encoder.model_id,
                        "content_hash": doc.content_hash,
                        "vector": to_bytes(vectors[doc.id - 1]),
                        "updated_at": now,
                    }
                    for doc in docs
                ],
            )


def _result_row(i: int, text: str, org_id: int, owner_id: int, now: Any) -> dict[str, Any]:
    title = re.split(r"[，。,.；;]", text, maxsplit=1)[0][:60] or "成果"
    return {
        "id": i + 1,
        "title": f"{title}（{i + 1}）",
        "summary": text[:6000],
        "advantages": "",
        "field": "advanced_manufacturing",
        "keywords": [],
        "team": "基准团队",
        "form": "invention_patent",
        "ip_status": "granted",
        "patent_numbers": [],
        "trl": 5,
        "modes": ["transfer"],
        "price_negotiable": True,
        "price": None,
        "region": "湖北省",
        "contact_name": "基准",
        "contact_phone": "02712345678",
        "contact_email": "",
        "organisation_id": org_id,
        "owner_id": owner_id,
        "status": "published",
        "published_at": now,
        "review_note": "",
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }


def start_and_serve() -> None:
    """In the fresh process: the app's start-up, then one search and one match; JSON on stdout."""
    reports: list[str] = []

    class _Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            reports.append(record.getMessage())

    logging.getLogger("kematch.matching").addHandler(_Keep())
    logging.getLogger("kematch.matching").setLevel(logging.INFO)
    t0 = time.perf_counter()
    from backend import engine as process_engine
    from backend.matching.lifecycle import start_matching, stop_following

    t1 = time.perf_counter()
    start_matching()
    t2 = time.perf_counter()
    engine = process_engine.current()
    assert engine is not None
    hits = engine.search(text="飞行器姿态控制 非线性", side="result", k=10)
    matched = engine.match_result(result=1, k=10)
    t3 = time.perf_counter()
    stop_following()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        json.dumps(
            {
                "imports_s": round(t1 - t0, 2),
                "start_matching_s": round(t2 - t1, 2),
                "first_queries_s": round(t3 - t2, 2),
                "indexed": engine.count(side="result"),
                "hits": len(hits),
                "matched": len(matched),
                "sync_reports": [r for r in reports if " encoded, " in r],
                "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),  # ≈ the wall time on an idle machine
                "peak_rss_mb": round(usage.ru_maxrss / 1024),
            },
            ensure_ascii=False,
        )
    )


def measure(workdir: Path) -> dict[str, Any]:
    """Launch a worker process on the prepared database; its report plus the total wall time."""
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "backend.matching.startup_bench", "--serve"],
        env=os.environ | _env(workdir) | {"PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    report: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    report["launch_to_served_s"] = round(time.perf_counter() - started, 2)
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=int, default=100_000, help="published results with stored vectors")
    parser.add_argument(
        "--workdir",
        type=Path,
        help="keep the database here and reuse it next time (default: a temporary folder)",
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)  # the measured process
    args = parser.parse_args()
    if args.serve:
        start_and_serve()
        return 0
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="kematch-startup-"))
    workdir.mkdir(parents=True, exist_ok=True)
    if (workdir / "bench.db").exists():
        print(f"reusing the database in {workdir}")
    else:
        began = time.perf_counter()
        prepare(workdir, args.results)
        print(f"prepared {args.results} results with stored vectors in {time.perf_counter() - began:.1f} s")
    shutil.rmtree(workdir / "index", ignore_errors=True)
    first = measure(workdir)  # no index files yet: every vector comes from the database
    print("start-up, no index files:", json.dumps(first, ensure_ascii=False))
    again = measure(workdir)  # a restart: the index files the first one saved are current
    print("restart, index files current:", json.dumps(again, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
