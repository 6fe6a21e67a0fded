"""The matching engine the web app calls: need<->result ranking, search, explain (writes: upkeep.py)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Literal

import numpy as np

from embeddings.duplicates import Similar
from embeddings.explain import Explanation, explain
from embeddings.fit import Filters, assess, fit_points, passes
from embeddings.matches import Breakdown, Match
from embeddings.ranking import RankConfig, Ranker, calibrate, split_points
from embeddings.threads import single_threaded_search
from embeddings.types import SIDES, Document, EncoderLike, FloatArray, Side, other_side
from embeddings.upkeep import IndexKeeper, SyncReport

__all__ = ["WARM_UP_QUERY", "Breakdown", "Match", "MatchEngine", "SyncReport"]


WARM_UP_QUERY = "节能降耗 新材料"  # the one text `warm_up` encodes (no document is re-encoded)


class MatchEngine:
    """Hybrid need<->result matcher over two persistent per-side indexes (kept by `IndexKeeper`)."""

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
        self._keeper = IndexKeeper(
            encoder=encoder,
            index_dir=index_dir,
            config=self.config,
            ann_threshold=ann_threshold,
            ann=ann,
            autosave=autosave,
        )
        self._sides = self._keeper.sides

    # --- writes (see embeddings/upkeep.py) ----------------------------------------
    def sync(
        self,
        *,
        side: Side,
        docs: Iterable[Document],
        known_vectors: Mapping[str, FloatArray] | None = None,
        vectors: Mapping[int, FloatArray] | None = None,
        learn_vocabulary: bool = True,
    ) -> SyncReport:
        """Make `side` hold exactly `docs`: encode new/changed ones without a given vector
        (`vectors` by document id, `known_vectors` by content hash), drop removed; learn the
        postings' technical compounds now, or (False) when `learn_vocabulary` is called."""
        return self._keeper.sync(
            side=side, docs=docs, known_vectors=known_vectors, vectors=vectors, learn=learn_vocabulary
        )

    def learn_vocabulary(self) -> None:
        """Teach the explanations' segmenter both sides' technical compounds (slow on big sides)."""
        for side in SIDES:
            self._keeper.learn_vocabulary(side)

    def upsert(self, doc: Document, *, vector: FloatArray | None = None) -> None:
        """Add or update one document; visible to the next query. Encodes only if the text
        changed and no `vector` (the text's stored vector) is given."""
        self._keeper.upsert(doc, vector=vector)

    def remove(self, *, side: Side, doc_id: int) -> None:
        """Drop a document (closed, deleted, unpublished); it never appears in results again."""
        self._keeper.remove(side=side, doc_id=doc_id)

    @property
    def generation(self) -> int:
        """A number that grows with every write this engine applies (sync, upsert, remove):
        anything computed from the index under an older number may be stale."""
        return self._keeper.generation

    def encode(self, texts: list[str]) -> FloatArray:
        """The vectors `upsert`/`sync` would store for `texts` (to keep them elsewhere)."""
        return self._keeper.encode(texts)

    def vector(self, *, side: Side, doc_id: int, content_hash: str | None = None) -> FloatArray | None:
        """The indexed vector of a document, if any (and, given `content_hash`, of that very text)."""
        st = self._sides[side]
        with st.vectors.lock.read():
            held = st.vectors.hash_of(doc_id)
            if held is None or (content_hash is not None and held != content_hash):
                return None
            found: FloatArray = st.vectors.vectors(np.array([doc_id], dtype=np.int64))[0]
            return found

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

    def pair_features(self, *, need: Document | int, result: int) -> tuple[float, FloatArray] | None:
        """One indexed pair's uncorrected fused z and its re-ranker features (to learn from); None
        if the result is not indexed."""
        query = self._resolve("need", need)
        rel = self._sides["result"].ranker.pair(
            query_vector=self._query_vector(query),
            query_text=query.text,
            target_id=result,
            with_features=True,
        )
        if not len(rel.ids) or rel.features is None:
            return None
        base = rel.fused if rel.base is None else rel.base
        return float(base[0]), rel.features[0]

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
        fresh: FloatArray = self._keeper.encode([doc.text])[0]
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
    return replace(cfg, candidates=cfg.candidates * factor)
