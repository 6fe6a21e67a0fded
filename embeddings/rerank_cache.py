"""First-stage candidates of a dev set, cached on disk so re-ranking experiments re-train cheaply.

For every query the engine's first stage (dense top-N ∪ lexical top-N, z-scored and fused) is run
once through the product's `Ranker`; what the re-ranker's features need (the candidates' channel
scores, the query vector, the corpus vectors in corpus order) goes into one `.npz` under
`data/cache/rerank/`, keyed by the model id, the files' contents and the first-stage settings.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from embeddings.engine import MatchEngine
from embeddings.evaluate import cache_dir_for, read_jsonl, read_qrels
from embeddings.ranking import RankConfig
from embeddings.types import Document, EncoderLike, FloatArray, Side

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class DevSet:
    """A dev set's texts, judgements and cached first stage (row k of each array = query k)."""

    name: str
    corpus_ids: list[str]
    corpus_texts: list[str]
    query_ids: list[str]
    query_texts: list[str]
    qrels: dict[str, dict[str, int]]
    doc_vectors: FloatArray  # corpus order
    query_vectors: FloatArray
    cand: list[IntArray]  # corpus row numbers of each query's first-stage candidates
    dense: list[FloatArray]
    lexical: list[FloatArray]
    z_dense: list[FloatArray]
    z_lexical: list[FloatArray]
    fused: list[FloatArray]

    def grades(self, q: int) -> FloatArray:
        """Relevance grade of each candidate of query q (0 = not judged relevant)."""
        rel = self.qrels.get(self.query_ids[q], {})
        return np.array([rel.get(self.corpus_ids[i], 0) for i in self.cand[q].tolist()], np.float32)


def _key(paths: list[Path], model_id: str, config: RankConfig) -> str:
    h = hashlib.sha256(model_id.encode())
    h.update(repr(config).encode())
    for p in paths:
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def load_dev_set(
    *,
    name: str,
    corpus: Path,
    queries: Path,
    qrels: Path,
    encoder: EncoderLike,
    cache_root: Path,
    config: RankConfig | None = None,
) -> DevSet:
    """The dev set with its first stage, computed through the engine once and then read from disk."""
    cfg = config or RankConfig()
    corpus_rows, query_rows = read_jsonl(corpus), read_jsonl(queries)
    key = _key([corpus, queries], encoder.model_id, cfg)
    path = cache_root / "rerank" / f"{name}-{key}.npz"
    if not path.exists():
        _compute(path, corpus, corpus_rows, query_rows, encoder, cache_root, cfg)
    with np.load(path) as z:
        arrays: dict[str, Any] = {k: z[k] for k in z.files}
    bounds = arrays["bounds"]
    parts = {
        f: [arrays[f][bounds[q] : bounds[q + 1]] for q in range(len(query_rows))]
        for f in ("cand", "dense", "lexical", "z_dense", "z_lexical", "fused")
    }
    return DevSet(
        name=name,
        corpus_ids=[str(r["id"]) for r in corpus_rows],
        corpus_texts=[str(r["text"]) for r in corpus_rows],
        query_ids=[str(r["id"]) for r in query_rows],
        query_texts=[str(r["text"]) for r in query_rows],
        qrels=read_qrels(qrels),
        doc_vectors=arrays["doc_vectors"],
        query_vectors=arrays["query_vectors"],
        **parts,
    )


def _compute(
    path: Path,
    corpus: Path,
    corpus_rows: list[dict[str, Any]],
    query_rows: list[dict[str, Any]],
    encoder: EncoderLike,
    cache_root: Path,
    cfg: RankConfig,
) -> None:
    index_dir = cache_dir_for(cache_root=cache_root, model_id=encoder.model_id, corpus=corpus)
    engine = MatchEngine(encoder=encoder, index_dir=index_dir, config=cfg)
    docs = [Document.result(id=i, title="", summary=str(r["text"])) for i, r in enumerate(corpus_rows)]
    needs = [Document.need(id=i, title="", problem=str(r["text"])) for i, r in enumerate(query_rows)]
    engine.sync(side="result", docs=docs)
    engine.sync(side="need", docs=needs)
    doc_vecs = _vectors(engine, "result", len(docs))
    q_vecs = _vectors(engine, "need", len(needs))
    ranker = engine._sides["result"].ranker
    out: dict[str, list[Any]] = {f: [] for f in ("cand", "dense", "lexical", "z_dense", "z_lexical", "fused")}
    bounds = [0]
    for q, need in enumerate(needs):
        rel = ranker.relevance(query_vector=q_vecs[q], query_text=need.text)
        for f in out:
            out[f].append(getattr(rel, "ids" if f == "cand" else f))
        bounds.append(bounds[-1] + len(rel.ids))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    arrays: dict[str, Any] = {f: np.concatenate(v) for f, v in out.items()}
    arrays.update(bounds=np.array(bounds, np.int64), doc_vectors=doc_vecs, query_vectors=q_vecs)
    np.savez(tmp, **arrays)
    tmp.replace(path)


def _vectors(engine: MatchEngine, side: Side, n: int) -> FloatArray:
    """The indexed vectors of documents 0..n-1 of a side, in that order."""
    rows = [engine.vector(side=side, doc_id=i) for i in range(n)]
    if any(v is None for v in rows):
        raise RuntimeError(f"{side} vectors missing after sync")
    return np.stack([v for v in rows if v is not None]).astype(np.float32)
