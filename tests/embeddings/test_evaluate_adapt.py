"""`python -m embeddings.evaluate --adapt`: adaptation sees the corpus texts only, never queries or judgements."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from embeddings import evaluate
from tests.embeddings.adapt_kit import POSTINGS

MODEL = Path("data/models/multilingual-e5-small").resolve()


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


@pytest.mark.slow
def test_adaptation_runs_before_queries_and_judgements_exist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus, queries, qrels = tmp_path / "corpus.jsonl", tmp_path / "queries.jsonl", tmp_path / "qrels.tsv"
    _write_jsonl(corpus, [{"id": f"d{i}", "text": t} for i, t in enumerate(POSTINGS)])
    seen: dict[str, Any] = {}

    def fake_adapt(*, base_dir: Path, texts: Any, out_dir: Path, **_: Any) -> dict[str, Any]:
        # The queries and judgements do not exist yet: had evaluate read them first, it failed.
        seen["texts"] = [t.body for t in texts]
        seen["queries_existed"], seen["qrels_existed"] = queries.exists(), qrels.exists()
        _write_jsonl(
            queries, [{"id": "q0", "text": "退役电池回收镍钴锂"}, {"id": "q1", "text": "电池低温容量衰减"}]
        )
        qrels.write_text("q0\t0\td0\t1\nq1\t0\td1\t1\n", encoding="utf-8")
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        out_dir.symlink_to(base_dir)  # stands in for the adapted model: the test is about the order
        return {}

    monkeypatch.setattr(evaluate, "adapt", fake_adapt)
    argv = ["--corpus", str(corpus), "--queries", str(queries), "--qrels", str(qrels), "--mode", "hybrid"]
    argv += ["--adapt", "--json", "--model-dir", str(MODEL), "--cache-dir", str(tmp_path / "cache")]
    assert evaluate.main(argv) == 0

    assert seen["texts"] == POSTINGS
    assert not seen["queries_existed"] and not seen["qrels_existed"]
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["n_queries"] == 2 and result["ndcg@10"] > 0.5
    # cached by corpus: a second run adapts nothing
    monkeypatch.setattr(evaluate, "adapt", lambda **_: pytest.fail("adapted twice on the same corpus"))
    assert evaluate.main(argv) == 0
