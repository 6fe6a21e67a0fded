"""Index upkeep: the per-side documents, vectors and keyword indexes, and the writes that keep them.

`IndexKeeper` owns the state the queries read (`sides`) and every change to it: a full `sync`,
one-document `upsert`/`remove`, encoding what has no vector yet, and saving the vector files. A
caller that already holds a document's vector (the database stores one per posting) passes it in,
and nothing is encoded.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from embeddings.index import VectorIndex
from embeddings.lexical import LexicalIndex
from embeddings.ranking import RankConfig, Ranker
from embeddings.storage import clean_temp_files
from embeddings.terms import learn_vocabulary as learn_terms
from embeddings.types import SIDES, Document, EncoderLike, FloatArray, Side

SYNC_CHUNK = 256  # texts encoded (and, for big syncs, persisted) per step
VOCABULARY_SAMPLE = 20_000  # texts a sync learns technical compounds from (a stride sample past this)


@dataclass(frozen=True)
class SyncReport:
    """What a sync did."""

    side: Side
    encoded: int
    removed: int
    unchanged: int


class SideState:
    """One side's indexed documents, their vectors, keyword index and ranker."""

    def __init__(self, *, vectors: VectorIndex, config: RankConfig) -> None:
        self.docs: dict[int, Document] = {}
        self.vectors = vectors
        self.lexical = LexicalIndex()
        self.ranker = Ranker(vectors=vectors, lexical=self.lexical, config=config)


class IndexKeeper:
    """Loads the two sides from `index_dir` and applies every write to them."""

    def __init__(
        self,
        *,
        encoder: EncoderLike,
        index_dir: Path | None,
        config: RankConfig,
        ann_threshold: int,
        ann: Literal["hnsw", "ivf"],
        autosave: bool,
    ) -> None:
        """Load whatever valid index files exist under `index_dir` (never raises on bad files)."""
        self.encoder, self.index_dir = encoder, index_dir
        self.autosave = autosave and index_dir is not None
        self._write = threading.Lock()
        self.generation = 0  # bumped by every write: what was computed from the index is stale
        self.sides: dict[Side, SideState] = {}
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
            self.sides[side] = SideState(vectors=vec, config=config)

    def sync(
        self,
        *,
        side: Side,
        docs: Iterable[Document],
        known_vectors: Mapping[str, FloatArray] | None = None,
        vectors: Mapping[int, FloatArray] | None = None,
        learn: bool = True,
    ) -> SyncReport:
        """Make `side` hold exactly `docs`: encode new/changed ones that have no given vector
        (`vectors` by document id, for its current text; `known_vectors` by content hash), drop
        removed; then learn the postings' technical compounds, unless `learn` is False (a
        serving process's start-up learns them after it serves: `learn_vocabulary`)."""
        st = self.sides[side]
        current = {d.id: d for d in docs}
        if any(d.side != side for d in current.values()):
            raise ValueError(f"sync({side!r}) got documents of the other side")
        with self._write:
            stored = st.vectors.hashes()
            todo = [d for d in current.values() if stored.get(d.id) != d.content_hash]
            gone = [i for i in stored if i not in current]
            given = _given_vectors(todo, known_vectors or {}, vectors or {})
            reuse = [d for d in todo if d.id in given]
            fresh = [d for d in todo if d.id not in given]
            lexical = LexicalIndex()
            # Tokenising holds the GIL while FAISS's index building releases it: on a big start-up
            # from stored vectors, the keyword index is built beside the vector index, not after it.
            with ThreadPoolExecutor(1, thread_name_prefix="kematch-lexical") as pool:
                keywords = pool.submit(lexical.add_many, ((d.id, d.text) for d in current.values()))
                with st.vectors.lock.write():
                    st.vectors.remove(gone)
                    for start in range(0, len(reuse), SYNC_CHUNK):  # bounded copies
                        chunk = reuse[start : start + SYNC_CHUNK]
                        self._add(st, chunk, np.array([given[d.id] for d in chunk], np.float32))
                keywords.result()  # its error, if any, is raised here
            for start in range(0, len(fresh), SYNC_CHUNK):
                chunk = fresh[start : start + SYNC_CHUNK]
                vecs = self.encode([d.text for d in chunk])
                with st.vectors.lock.write():
                    self._add(st, chunk, vecs)
                if len(fresh) > SYNC_CHUNK:
                    self.save(side)  # an interrupted first sync resumes where it stopped
            with st.vectors.lock.write():
                st.docs, st.lexical, st.ranker.lexical = current, lexical, lexical
                self.generation += 1
            self.save(side)
        if learn:  # last: what it leaves in the heap would otherwise add to the index builds' peaks
            self.learn_vocabulary(side)
        return SyncReport(side, encoded=len(fresh), removed=len(gone), unchanged=len(current) - len(todo))

    def learn_vocabulary(self, side: Side) -> None:
        """Explanations segment with the postings' own technical compounds (a bounded sample)."""
        st = self.sides[side]
        with st.vectors.lock.read():
            docs = list(st.docs.values())
        learn_terms([d.text for d in docs[:: max(1, len(docs) // VOCABULARY_SAMPLE)]])

    def _add(self, st: SideState, docs: list[Document], vecs: FloatArray) -> None:
        if docs:
            ids = np.array([d.id for d in docs], dtype=np.int64)
            st.vectors.add(ids, [d.content_hash for d in docs], vecs.reshape(len(docs), self.encoder.dim))

    def upsert(self, doc: Document, *, vector: FloatArray | None = None) -> None:
        """Add or update one document (encoded only if its text changed and no `vector` is given)."""
        st = self.sides[doc.side]
        with self._write:
            changed = st.vectors.hash_of(doc.id) != doc.content_hash
            vecs: FloatArray | None = None
            if changed:
                vecs = self.encode([doc.text]) if vector is None else _one(vector, self.encoder.dim)
            with st.vectors.lock.write():
                if vecs is not None:
                    st.vectors.add(np.array([doc.id], dtype=np.int64), [doc.content_hash], vecs)
                    st.lexical.add(doc.id, doc.text)
                st.docs[doc.id] = doc
                self.generation += 1
            if changed:
                self.save(doc.side)

    def remove(self, *, side: Side, doc_id: int) -> None:
        """Drop a document (closed, deleted, unpublished); it never appears in results again."""
        st = self.sides[side]
        with self._write:
            if doc_id not in st.vectors and doc_id not in st.docs:
                return  # nothing to drop: a feed replaying a removal writes no files
            with st.vectors.lock.write():
                st.vectors.remove([doc_id])
                st.lexical.remove(doc_id)
                st.docs.pop(doc_id, None)
                self.generation += 1
            self.save(side)

    def encode(self, texts: list[str]) -> FloatArray:
        """Vectors of `texts` as the index stores them (float32, one row per text)."""
        if not texts:
            return np.zeros((0, self.encoder.dim), dtype=np.float32)
        return np.asarray(self.encoder.encode(texts), dtype=np.float32)

    def save(self, side: Side) -> None:
        """Write a side's vector files (when the keeper autosaves)."""
        if self.autosave and self.index_dir is not None:
            st = self.sides[side]
            with st.vectors.lock.read():
                st.vectors.save(directory=self.index_dir, side=side)


def _given_vectors(
    todo: list[Document], by_hash: Mapping[str, FloatArray], by_id: Mapping[int, FloatArray]
) -> dict[int, FloatArray]:
    out: dict[int, FloatArray] = {}
    for d in todo:
        if d.id in by_id:
            out[d.id] = by_id[d.id]
        elif d.content_hash in by_hash:
            out[d.id] = by_hash[d.content_hash]
    return out


def _one(vector: FloatArray, dim: int) -> FloatArray:
    return np.asarray(vector, dtype=np.float32).reshape(1, dim)
