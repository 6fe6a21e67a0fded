"""The matching engine the web app calls: sync/upsert/remove, need<->result ranking, search, explain."""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import numpy as np

from embeddings.duplicates import Similar
from embeddings.explain import Explanation, explain
from embeddings.fit import Filters, FitItem, assess, fit_points, passes
from embeddings.index import VectorIndex
from embeddings.lexical import LexicalIndex
from embeddings.ranking import RankConfig, Ranker, calibrate, split_points
from embeddings.storage import clean_temp_files
from embeddings.terms import learn_vocabulary
from embeddings.threads import single_threaded_search
from embeddings.types import SIDES, Document, EncoderLike, FloatArray, Side, other_side


@dataclass(frozen=True)
class Breakdown:
    """Where a 0-100 score comes from, in points (semantic + lexical = relevance)."""

    relevance: float
    semantic: float
    lexical: float
    fit: dict[str, float]


@dataclass(frozen=True)
class Match:
    """One ranked hit with its score, breakdown and (optionally) explanation."""

    id: int
    score: float
    breakdown: Breakdown
    fit: list[FitItem]
    explanation: Explanation | None = None


@dataclass(frozen=True)
class SyncReport:
    """What a sync did."""

    side: Side
    encoded: int
    removed: int
    unchanged: int


WARM_UP_QUERY = "节能降耗 新材料"  # the one text `warm_up` encodes (no document is re-encoded)
SYNC_CHUNK = 256  # texts encoded (and, for big syncs, persisted) per step
VOCABULARY_SAMPLE = 20_000  # texts a sync learns technical compounds from (a stride sample past this)


class _SideState:
    def __init__(self, *, vectors: VectorIndex, config: RankConfig) -> None:
        self.docs: dict[int, Document] = {}
        self.vectors = vectors
        self.lexical = LexicalIndex()
        self.ranker = Ranker(vectors=vectors, lexical=self.lexical, config=config)


class MatchEngine:
    """Hybrid need<->result matcher over two persistent per-side indexes."""

    def __init__(
        self,
        *,
        encoder: EncoderLike,
        index_dir: Path | None = None,
        config: RankConfig | None = None,
        ann_threshold: int = 50_000,
        ann: Literal["hnsw", "ivf"] = "hnsw",
        autosave: bool = True,
    ) -> None:
        """Load whatever valid index files exist under `index_dir` (never raises on bad files)."""
        single_threaded_search()
        self.encoder, self.index_dir = encoder, index_dir
        self.config = config or RankConfig()
        self.autosave = autosave and index_dir is not None
        self._write = threading.Lock()
        self._sides: dict[Side, _SideState] = {}
        if index_dir is not None:
            clean_temp_files(index_dir)  # what a kill -9 mid-save left; never read, never replaced
        for side in SIDES:
            if index_dir is not None:
                vec = VectorIndex.load(
                    directory=index_dir,
                    side=side,
                    dim=encoder.dim,
                    model_id=encoder.model_id,
                    ann_threshold=ann_threshold,
                    ann=ann,
                )
            else:
                vec = VectorIndex(
                    dim=encoder.dim, model_id=encoder.model_id, ann_threshold=ann_threshold, ann=ann
                )
            self._sides[side] = _SideState(vectors=vec, config=self.config)

    # --- writes ------------------------------------------------------------------
    def sync(
        self, *, side: Side, docs: Iterable[Document], known_vectors: Mapping[str, FloatArray] | None = None
    ) -> SyncReport:
        """Make `side` hold exactly `docs`: encode new/changed (unless in `known_vectors`), drop removed."""
        st = self._sides[side]
        current = {d.id: d for d in docs}
        if any(d.side != side for d in current.values()):
            raise ValueError(f"sync({side!r}) got documents of the other side")
        with self._write:
            stored = st.vectors.hashes()
            todo = [d for d in current.values() if stored.get(d.id) != d.content_hash]
            gone = [i for i in stored if i not in current]
            known = known_vectors or {}
            reuse = [d for d in todo if d.content_hash in known]
            fresh = [d for d in todo if d.content_hash not in known]
            lexical = LexicalIndex()
            lexical.add_many((d.id, d.text) for d in current.values())  # one text alive at a time
            with st.vectors.lock.write():
                st.vectors.remove(gone)
                self._add(st, reuse, np.array([known[d.content_hash] for d in reuse], np.float32))
            for start in range(0, len(fresh), SYNC_CHUNK):
                chunk = fresh[start : start + SYNC_CHUNK]
                vecs = self._encode([d.text for d in chunk])
                with st.vectors.lock.write():
                    self._add(st, chunk, vecs)
                if len(fresh) > SYNC_CHUNK:
                    self._save(side)  # an interrupted first sync resumes where it stopped
            with st.vectors.lock.write():
                st.docs, st.lexical, st.ranker.lexical = current, lexical, lexical
            self._save(side)
        # Explanations segment with the postings' own technical compounds (a bounded sample); learned
        # last: what it leaves behind in the heap would otherwise add to the index builds' peaks.
        learn_vocabulary(
            [d.text for d in list(current.values())[:: max(1, len(current) // VOCABULARY_SAMPLE)]]
        )
        return SyncReport(side, encoded=len(fresh), removed=len(gone), unchanged=len(current) - len(todo))

    def _add(self, st: _SideState, docs: list[Document], vecs: FloatArray) -> None:
        if docs:
            ids = np.array([d.id for d in docs], dtype=np.int64)
            st.vectors.add(ids, [d.content_hash for d in docs], vecs.reshape(len(docs), self.encoder.dim))

    def upsert(self, doc: Document) -> None:
        """Add or update one document; visible to the next query."""
        st = self._sides[doc.side]
        with self._write:
            changed = st.vectors.hash_of(doc.id) != doc.content_hash
            vecs = self._encode([doc.text]) if changed else None
            with st.vectors.lock.write():
                if vecs is not None:
                    st.vectors.add(np.array([doc.id], dtype=np.int64), [doc.content_hash], vecs)
                    st.lexical.add(doc.id, doc.text)
                st.docs[doc.id] = doc
            if changed:
                self._save(doc.side)

    def remove(self, *, side: Side, doc_id: int) -> None:
        """Drop a document (closed, deleted, unpublished); it never appears in results again."""
        st = self._sides[side]
        with self._write:
            with st.vectors.lock.write():
                st.vectors.remove([doc_id])
                st.lexical.remove(doc_id)
                st.docs.pop(doc_id, None)
            self._save(side)

    def _encode(self, texts: list[str]) -> FloatArray:
        if not texts:
            return np.zeros((0, self.encoder.dim), dtype=np.float32)
        return np.asarray(self.encoder.encode(texts), dtype=np.float32)

    def _save(self, side: Side) -> None:
        if self.autosave and self.index_dir is not None:
            st = self._sides[side]
            with st.vectors.lock.read():
                st.vectors.save(directory=self.index_dir, side=side)

    # --- reads -------------------------------------------------------------------
    def document(self, *, side: Side, doc_id: int) -> Document | None:
        """The indexed document, if any."""
        return self._sides[side].docs.get(doc_id)

    def count(self, *, side: Side) -> int:
        """Number of indexed documents of a side."""
        return len(self._sides[side].vectors)

    def match_need(
        self, *, need: Document | int, k: int = 10, filters: Filters | None = None, explain: bool = False
    ) -> list[Match]:
        """Results ranked for a need (an indexed id or a draft Document)."""
        return self._match(self._resolve("need", need), k=k, filters=filters, with_explanations=explain)

    def match_result(
        self, *, result: Document | int, k: int = 10, filters: Filters | None = None, explain: bool = False
    ) -> list[Match]:
        """Needs ranked for a result (an indexed id or a draft Document).

        A pair has one score whichever side asks: for an indexed result, each need found is scored
        as that need's own ranking scores the result (`score_pair`) and the list is ordered by it.
        A draft result is not in the result index, so its preview keeps the result-side score.
        """
        query = self._resolve("result", result)
        hits = self._match(query, k=k, filters=filters, with_explanations=False)
        if self._indexed(query):
            needs = self._sides["need"].docs
            hits = [replace(self._pair(needs[h.id], query.id), id=h.id) for h in hits if h.id in needs]
            hits.sort(key=lambda m: (-m.score, m.id))
        return [self._attach(query, m, "need") for m in hits] if explain else hits

    def warm_up(self) -> None:
        """Run one search and one explained match per side, so the first user is not the one who
        pays for loading the runtime's kernels, the segmenter's dictionary and the caches."""
        for side in SIDES:
            self.search(text=WARM_UP_QUERY, side=side, k=3)
            st = self._sides[side]
            with st.vectors.lock.read():
                first = next(iter(st.docs.values()), None)
            if first is not None:
                self._match(first, k=3, filters=None, with_explanations=True)

    def search(self, *, text: str, side: Side, k: int = 10, filters: Filters | None = None) -> list[Match]:
        """Free-text search over one side (no profile, so no fit points; filters apply)."""
        probe = Document(id=-1, side=other_side(side), body=text)
        return self._match(probe, k=k, filters=filters, with_explanations=False)

    def similar(self, *, doc: Document, k: int = 5, among: Collection[int] | None = None) -> list[Similar]:
        """Indexed documents of `doc`'s own side most like it (the near-duplicate check), best first:
        the `k` nearest by embedding, or every indexed one of `among`; `doc` itself is skipped."""
        st = self._sides[doc.side]
        if not len(st.vectors):
            return []
        qvec = self._query_vector(doc)
        with st.vectors.lock.read():
            if among is None:
                _, found = st.vectors.search(qvec[None, :], k=k + 1)
                ids = [int(i) for i in found[0].tolist() if i >= 0]
            else:
                ids = [i for i in among if i in st.vectors]
            ids = [i for i in ids if i != doc.id and i in st.docs]
            vecs = st.vectors.vectors(np.array(ids, dtype=np.int64))
            texts = [st.docs[i].text for i in ids]
        dense = (vecs @ qvec).tolist() if ids else []
        out = [
            Similar(i, round(float(d), 4), round(st.lexical.similarity(doc.text, t), 4))
            for i, d, t in zip(ids, dense, texts, strict=True)
        ]
        return sorted(out, key=lambda s: (-s.similarity, s.id))[:k]

    def explain(self, *, need: Document | int, result: Document | int, related: bool = True) -> Explanation:
        """Full explanation of one pair; `related` adds model-related terms (encodes a few words)."""
        n, r = self._resolve("need", need), self._resolve("result", result)
        enc = self.encoder if related else None
        return explain(need=n, result=r, lexical=self._sides["result"].lexical, encoder=enc)

    def score_pair(self, *, need: Document | int, result: int) -> Match:
        """One indexed result's score for a need, exactly as `match_need` would rank it, explained.

        This is the pair's score everywhere: `match_result` scores its needs the same way.
        """
        query = self._resolve("need", need)
        return self._attach(query, self._pair(query, result), "result")

    def _pair(self, need: Document, result: int) -> Match:
        st = self._sides["result"]
        rel = st.ranker.pair(query_vector=self._query_vector(need), query_text=need.text, target_id=result)
        scored = self._score(need, rel_ids=rel.ids, rel=rel, target="result", filters=None)
        if not scored:
            raise KeyError(f"result {result} is not indexed")
        return scored[0]

    def _indexed(self, doc: Document) -> bool:
        """Whether `doc` is in its side's index with this very text (not a draft or an edit)."""
        st = self._sides[doc.side]
        with st.vectors.lock.read():
            return doc.id in st.docs and st.vectors.hash_of(doc.id) == doc.content_hash

    def _resolve(self, side: Side, doc: Document | int) -> Document:
        if isinstance(doc, Document):
            return doc
        found = self._sides[side].docs.get(doc)
        if found is None:
            raise KeyError(f"{side} {doc} is not indexed")
        return found

    def _query_vector(self, doc: Document) -> FloatArray:
        st = self._sides[doc.side]
        with st.vectors.lock.read():
            if st.vectors.hash_of(doc.id) == doc.content_hash:
                vec: FloatArray = st.vectors.vectors(np.array([doc.id], dtype=np.int64))[0]
                return vec
        fresh: FloatArray = self._encode([doc.text])[0]
        return fresh

    def _match(
        self, query: Document, *, k: int, filters: Filters | None, with_explanations: bool
    ) -> list[Match]:
        target = other_side(query.side)
        st = self._sides[target]
        qvec = self._query_vector(query)
        out: list[Match] = []
        for widen in (1, 10):
            ranker = st.ranker
            if widen > 1:
                cfg = ranker.config
                ranker = Ranker(vectors=st.vectors, lexical=st.lexical, config=_widen(cfg, widen))
            rel = ranker.relevance(query_vector=qvec, query_text=query.text)
            out = self._score(query, rel_ids=rel.ids, rel=rel, target=target, filters=filters)
            if len(out) >= k or filters is None or len(rel.ids) >= len(st.vectors):
                break
        out = out[:k]
        if with_explanations:
            out = [self._attach(query, m, target) for m in out]
        return out

    def _score(
        self, query: Document, *, rel_ids: object, rel: object, target: Side, filters: Filters | None
    ) -> list[Match]:
        from embeddings.ranking import Relevance

        assert isinstance(rel, Relevance)
        st = self._sides[target]
        points = calibrate(rel.fused, config=self.config)
        ranked: list[tuple[float, float, Match]] = []
        for i, doc_id in enumerate(rel.ids.tolist()):
            doc = st.docs.get(doc_id)
            if doc is None:
                continue
            need, res = (query, doc) if query.side == "need" else (doc, query)
            items = assess(need.profile, res.profile)
            if filters is not None and not passes(
                filters=filters, candidate=doc.profile, items=items, candidate_is_result=target == "result"
            ):
                continue
            rel_pts = float(points[i])
            sem, lex = split_points(
                relevance=rel_pts,
                z_dense=float(rel.z_dense[i]),
                z_lexical=float(rel.z_lexical[i]),
                config=self.config,
            )
            fit = fit_points(relevance=rel_pts, items=items)
            score = min(100.0, max(0.0, rel_pts + sum(fit.values())))
            bd = Breakdown(round(rel_pts, 2), round(sem, 2), round(lex, 2), fit)
            ranked.append((-score, -float(rel.fused[i]), Match(doc_id, round(score, 2), bd, items)))
        ranked.sort(key=lambda t: (t[0], t[1], t[2].id))  # unrounded: 2-decimal scores tie near 100
        return [m for _, _, m in ranked]

    def _attach(self, query: Document, m: Match, target: Side) -> Match:
        doc = self._sides[target].docs[m.id]
        need, res = (query, doc) if query.side == "need" else (doc, query)
        ex = explain(need=need, result=res, lexical=self._sides["result"].lexical, encoder=None)
        return Match(m.id, m.score, m.breakdown, m.fit, ex)


def _widen(cfg: RankConfig, factor: int) -> RankConfig:
    from dataclasses import replace

    return replace(cfg, candidates=cfg.candidates * factor)
