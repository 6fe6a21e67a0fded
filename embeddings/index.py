"""Per-side vector store: FAISS search, content hashes, atomic persistence, self-repair."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Literal

import faiss as _faiss
import numpy as np
import numpy.typing as npt

from embeddings.storage import (
    RWLock,
    atomic_write,
    ids_checksum,
    manifest_kind,
    npy_bytes,
    read_faiss,
    read_vectors,
    sha,
)
from embeddings.types import FloatArray, Side

log = logging.getLogger(__name__)
faiss: Any = _faiss  # the SWIG bindings are only partly typed
IntArray = npt.NDArray[np.int64]


class VectorIndex:
    """Vectors of one side with their content hashes; exact or HNSW search over slots."""

    def __init__(
        self,
        *,
        dim: int,
        model_id: str,
        ann_threshold: int = 50_000,
        ann: Literal["hnsw", "ivf"] = "hnsw",
        ef_search: int = 128,
        nprobe: int = 64,
    ) -> None:
        """Create an empty store; exact up to `ann_threshold` vectors, then HNSW (or IVF)."""
        self.dim, self.model_id = dim, model_id
        self.ann_threshold, self.ann, self.ef_search, self.nprobe = ann_threshold, ann, ef_search, nprobe
        self.lock = RWLock()
        self._slot_ids: IntArray = np.zeros(0, dtype=np.int64)  # -1 = dead slot
        self._hashes: list[str] = []
        self._slot_of: dict[int, int] = {}
        self._index: Any = faiss.IndexFlatIP(dim)
        self._bitmap: npt.NDArray[np.uint8] | None = None
        self.version = 0  # bumped on every write (caches key on it)

    def __len__(self) -> int:
        """Number of live vectors."""
        return len(self._slot_of)

    @property
    def approximate(self) -> bool:
        """Whether search is approximate (HNSW or IVF)."""
        return not isinstance(self._index, faiss.IndexFlat)

    def hashes(self) -> dict[int, str]:
        """Live id -> content hash."""
        return {i: self._hashes[s] for i, s in self._slot_of.items()}

    def hash_of(self, doc_id: int) -> str | None:
        """Content hash stored for a live id."""
        slot = self._slot_of.get(doc_id)
        return None if slot is None else self._hashes[slot]

    def __contains__(self, doc_id: object) -> bool:
        """Whether an id is live."""
        return doc_id in self._slot_of

    def ids(self) -> IntArray:
        """Live ids."""
        return np.fromiter(self._slot_of.keys(), dtype=np.int64, count=len(self._slot_of))

    def _storage(self) -> FloatArray:
        flat = faiss.downcast_index(self._index.storage) if self.approximate else self._index
        n = flat.ntotal
        if n == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        view: FloatArray = faiss.rev_swig_ptr(flat.get_xb(), n * self.dim)
        return view.reshape(n, self.dim)

    def vectors(self, ids: IntArray) -> FloatArray:
        """Stored vectors of live ids (copy)."""
        slots = [self._slot_of[int(i)] for i in ids]
        if isinstance(self._index, faiss.IndexIVF):
            if not slots:
                return np.zeros((0, self.dim), dtype=np.float32)
            got: FloatArray = self._index.reconstruct_batch(np.array(slots, dtype=np.int64))
            return got
        return np.array(self._storage()[slots], dtype=np.float32)

    def add(self, ids: IntArray, hashes: list[str], vectors: FloatArray) -> None:
        """Add or replace vectors (caller holds the write lock)."""
        if len(ids) == 0:
            return
        self._kill([int(i) for i in ids])
        if (len(self._slot_of) + len(ids) > self.ann_threshold) != self.approximate:
            # Straight into the index of the new size, as `rebuild` would make it, without first
            # filling the old one and copying everything out again (twice the vectors' memory).
            live = self.ids()
            old = [self._hashes[self._slot_of[int(i)]] for i in live]
            vecs = np.concatenate([self.vectors(live), vectors]) if len(live) else vectors
            self._fill(np.concatenate([live, ids.astype(np.int64)]), [*old, *hashes], vecs)
            self.version += 1
            return
        start = len(self._slot_ids)
        self._index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        self._slot_ids = np.concatenate([self._slot_ids, ids.astype(np.int64)])
        self._hashes.extend(hashes)
        self._slot_of.update({int(i): start + k for k, i in enumerate(ids)})
        self._after_write()

    def remove(self, ids: list[int]) -> None:
        """Drop ids (caller holds the write lock); they never appear in search."""
        self._kill(ids)
        self._after_write()

    def _kill(self, ids: list[int]) -> None:
        for i in ids:
            slot = self._slot_of.pop(i, None)
            if slot is not None:
                self._slot_ids[slot] = -1

    def _after_write(self) -> None:
        self.version += 1
        dead = len(self._slot_ids) - len(self._slot_of)
        want_ann = len(self._slot_of) > self.ann_threshold
        if dead > max(1000, len(self._slot_ids) // 10) or want_ann != self.approximate:
            self.rebuild()
        elif dead:
            alive = self._slot_ids >= 0
            self._bitmap = np.packbits(alive, bitorder="little")
        else:
            self._bitmap = None

    def rebuild(self) -> None:
        """Compact live vectors into a fresh index (exact or HNSW by size)."""
        ids = self.ids()
        self._fill(ids, [self._hashes[self._slot_of[int(i)]] for i in ids], self.vectors(ids))

    def _fill(self, ids: IntArray, hashes: list[str], vecs: FloatArray) -> None:
        """A fresh index of the right kind holding exactly these vectors."""
        vecs = np.ascontiguousarray(vecs, dtype=np.float32)
        self._index = self._new_index(len(ids))
        self._slot_ids, self._hashes, self._slot_of = np.zeros(0, np.int64), [], {}
        self._bitmap = None
        if isinstance(self._index, faiss.IndexIVF):
            sample = vecs[np.random.default_rng(0).permutation(len(vecs))[: 40 * self._index.nlist]]
            self._index.train(sample)
            self._index.make_direct_map()
        if len(ids):
            self._index.add(vecs)
            self._slot_ids, self._hashes = ids, hashes
            self._slot_of = {int(i): k for k, i in enumerate(ids)}

    def _new_index(self, n: int) -> Any:
        if n <= self.ann_threshold:
            return faiss.IndexFlatIP(self.dim)
        if self.ann == "ivf":
            nlist = max(16, int(n**0.5))
            return faiss.IndexIVFFlat(
                faiss.IndexFlatIP(self.dim), self.dim, nlist, faiss.METRIC_INNER_PRODUCT
            )
        index = faiss.IndexHNSWFlat(self.dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        return index

    def search(self, queries: FloatArray, *, k: int) -> tuple[FloatArray, IntArray]:
        """Top-k (scores, doc ids) per query row; -1 ids pad short results."""
        k = max(1, min(k, len(self._slot_of)))
        sel = None
        if self._bitmap is not None:
            sel = faiss.IDSelectorBitmap(len(self._slot_ids), faiss.swig_ptr(self._bitmap))
        if isinstance(self._index, faiss.IndexIVF):
            params: Any = faiss.SearchParametersIVF(nprobe=self.nprobe)
            if sel is not None:
                params.sel = sel
        elif self.approximate:
            params = faiss.SearchParametersHNSW(efSearch=max(self.ef_search, k))
            if sel is not None:
                params.sel = sel
        else:
            params = faiss.SearchParameters(sel=sel) if sel is not None else None
        q = np.ascontiguousarray(queries, dtype=np.float32)
        scores, slots = self._index.search(q, k, params=params)
        ids = np.where(slots >= 0, self._slot_ids[np.maximum(slots, 0)], -1)
        return scores, ids

    def exact_search(self, queries: FloatArray, *, k: int, step: int = 8192) -> IntArray:
        """Brute-force top-k doc ids (to measure ANN recall), `step` stored vectors at a time."""
        ids = self.ids()
        best_ids = np.zeros((len(queries), 0), dtype=np.int64)
        best = np.zeros((len(queries), 0), dtype=np.float32)
        for start in range(0, len(ids), step):
            block = ids[start : start + step]
            sims = np.concatenate([best, queries @ self.vectors(block).T], axis=1)
            cand = np.concatenate([best_ids, np.broadcast_to(block, (len(queries), len(block)))], axis=1)
            top = np.argsort(-sims, axis=1, kind="stable")[:, :k]
            best, best_ids = np.take_along_axis(sims, top, axis=1), np.take_along_axis(cand, top, axis=1)
        return best_ids

    # --- persistence -------------------------------------------------------------
    def save(self, *, directory: Path, side: Side) -> None:
        """Write vectors, meta, FAISS (HNSW only) and manifest atomically."""
        directory.mkdir(parents=True, exist_ok=True)
        ids = self.ids()
        vecs = self.vectors(ids)
        hashes = [self._hashes[self._slot_of[int(i)]] for i in ids]
        vec_bytes = npy_bytes(vecs)
        atomic_write(directory / f"{side}.vectors.npy", vec_bytes)
        meta = {"model_id": self.model_id, "dim": self.dim, "ids": ids.tolist(), "hashes": hashes}
        meta["vectors_sha256"] = sha(vec_bytes)
        atomic_write(directory / f"{side}.meta.json", json.dumps(meta).encode())
        manifest: dict[str, Any] = {"model_id": self.model_id, "dim": self.dim, "count": len(ids)}
        manifest["ids_checksum"] = ids_checksum(ids)
        manifest["kind"] = self.ann if self.approximate else "flat"
        if self.approximate:
            if len(self._slot_ids) != len(ids):
                self.rebuild()
            index_bytes = faiss.serialize_index(self._index).tobytes()
            atomic_write(directory / f"{side}.faiss", index_bytes)
            manifest["faiss_sha256"] = sha(index_bytes)
        atomic_write(directory / f"{side}.manifest.json", json.dumps(manifest).encode())

    @classmethod
    def load(
        cls,
        *,
        directory: Path,
        side: Side,
        dim: int,
        model_id: str,
        ann_threshold: int = 50_000,
        ann: Literal["hnsw", "ivf"] = "hnsw",
    ) -> VectorIndex:
        """Load what is valid on disk; anything missing, stale or corrupt is dropped, never raised."""
        store = cls(dim=dim, model_id=model_id, ann_threshold=ann_threshold, ann=ann)
        try:
            ids, hashes, vecs = read_vectors(directory, side, dim=dim, model_id=model_id)
        except FileNotFoundError:
            log.info("index %s: no stored vectors; starting empty", side)
            return store
        except Exception as exc:
            log.warning("index %s: vectors unusable (%s); starting empty", side, exc)
            return store
        try:
            index = read_faiss(directory, side, ids=ids, dim=dim, model_id=model_id)
        except Exception as exc:
            log.info("index %s: FAISS index not reusable (%s); rebuilding", side, exc)
            index = None
        if index is not None and len(ids) > ann_threshold and manifest_kind(index) == ann:
            store._index = index
            store._slot_ids, store._hashes = ids, hashes
            store._slot_of = {int(i): k for k, i in enumerate(ids)}
        else:
            store.add(ids, hashes, vecs)
        return store
