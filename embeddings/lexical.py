"""Chinese-aware lexical scoring: char 1-2-gram TF-IDF over a sparse, updatable index."""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from embeddings.lexical_build import count_terms, idf_of, rows_matrix, weigh, with_columns

# Latin/number terms stay whole: GLP-1, CAR-T, PM2.5, 5G, Ti-6Al-4V.
LATIN = re.compile(r"[a-z0-9]+(?:[-.+/_][a-z0-9]+)*")
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
# Query terms in more than this share of documents carry ~no idf; skipping them keeps
# lexical scoring sparse at 100k docs (measured: no nDCG change on the dev set).
MAX_QUERY_DF = 0.25


def normalize(text: str) -> str:
    """NFKC (full-width to half-width) and lower-case."""
    return unicodedata.normalize("NFKC", text).lower()


def latin_terms(text: str) -> list[str]:
    """Mixed-script terms such as 'glp-1', 'car-t', 'pm2.5' from normalised text."""
    return LATIN.findall(normalize(text))


def tokenize(text: str) -> list[str]:
    """Latin/number terms whole (plus alphabetic parts) and CJK char unigrams + bigrams."""
    norm = normalize(text)
    out: list[str] = []
    for term in LATIN.findall(norm):
        out.append(term)
        parts = re.split(r"[-.+/_]", term)
        if len(parts) > 1:
            out.extend(p for p in parts if len(p) > 1 and p.isalpha())
    for run in CJK.findall(norm):
        out.extend(run)
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


@dataclass(frozen=True)
class LexicalScores:
    """Scores of one query against all documents; dead rows have id -1 and score 0."""

    ids: npt.NDArray[np.int64]
    scores: npt.NDArray[np.float32]
    positions: dict[int, int]

    def lookup(self, ids: npt.NDArray[np.int64]) -> npt.NDArray[np.float32]:
        """Scores of the given doc ids (0 for unknown ids)."""
        pos = self.positions
        return np.array([self.scores[pos[i]] if i in pos else 0.0 for i in ids.tolist()], np.float32)

    def live_scores(self) -> npt.NDArray[np.float32]:
        """Scores of live documents (the background distribution)."""
        return self.scores[self.ids >= 0]


class LexicalIndex:
    """Sublinear TF-IDF cosine over a CSC matrix, with a small delta for live updates.

    Held: the matrix (int32 row numbers and float32 weights, 8 bytes a (document, term) pair),
    the vocabulary, int32 document frequencies and one id -> row map. A row's terms are not kept a
    second time per document: a dropped row's columns are found in the matrix itself.
    """

    def __init__(self, *, compact_every: int = 2000) -> None:
        """Create an empty index; deltas are folded into the matrix every `compact_every` writes."""
        self._vocab: dict[str, int] = {}
        self._df: npt.NDArray[np.int32] = np.zeros(0, dtype=np.int32)
        self._matrix: sp.csc_matrix = sp.csc_matrix((0, 0), dtype=np.float32)
        self._row_ids: npt.NDArray[np.int64] = np.zeros(0, dtype=np.int64)
        self._alive: npt.NDArray[np.bool_] = np.zeros(0, dtype=bool)
        # live id -> matrix row; replaced on writes, never changed in place (LexicalScores share it)
        self._slot: dict[int, int] = {}
        self._delta: dict[int, tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]] = {}
        self._compact_every = compact_every
        self._lock = threading.RLock()

    def __len__(self) -> int:
        """Number of indexed documents."""
        return len(self._slot) + len(self._delta)

    def __contains__(self, doc_id: object) -> bool:
        """Whether a document id is indexed."""
        return doc_id in self._slot or doc_id in self._delta

    @property
    def doc_count(self) -> int:
        """Documents indexed (changes whenever idf may have)."""
        return len(self)

    def _df_of(self, col: int) -> int:
        return int(self._df[col]) if col < len(self._df) else 0

    def idf(self, term: str) -> float:
        """Smoothed idf of a token (high for unseen tokens)."""
        col = self._vocab.get(term)
        df = self._df_of(col) if col is not None else 0
        return math.log((1 + len(self)) / (1 + df)) + 1.0

    def _weights(self, tokens: list[str], *, grow: bool) -> dict[int, float]:
        counts: Counter[int] = Counter()
        for tok in tokens:
            col = self._vocab.get(tok)
            if col is None and grow:
                col = self._vocab.setdefault(tok, len(self._vocab))
            if col is not None:
                counts[col] += 1
        return {c: 1.0 + math.log(n) for c, n in counts.items()}

    def _vector(
        self, tf: dict[int, float], *, max_df: float = 1.0
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        n = len(self)
        limit = max(max_df * n, 100.0)  # never prune on small corpora
        cols = [c for c in tf if max_df >= 1.0 or self._df_of(c) <= limit]
        w = np.array([tf[c] * (math.log((1 + n) / (1 + self._df_of(c))) + 1.0) for c in cols])
        norm = float(np.linalg.norm(w)) or 1.0
        return np.array(cols, dtype=np.int64), (w / norm).astype(np.float32)

    def _count_df(self, cols: npt.NDArray[np.integer[Any]], sign: int) -> None:
        """Add (or with sign -1 take away) one document per listed column occurrence."""
        if len(self._df) < len(self._vocab):
            grow = np.zeros(len(self._vocab) - len(self._df), dtype=np.int32)
            self._df = np.concatenate([self._df, grow])
        if len(cols):
            self._df += (sign * np.bincount(cols, minlength=len(self._df))).astype(np.int32)

    def add_many(self, items: Iterable[tuple[int, str]]) -> None:
        """Index (id, text) pairs (replacing earlier versions; ids unique) and rebuild the matrix.

        `items` is read once, text by text, so a generator keeps no second copy of the texts."""
        with self._lock:
            batch = count_terms(items, vocab=self._vocab, tokenize=tokenize)
            self._drop_many(batch.ids.tolist())
            self._count_df(batch.cols, +1)
            idf = idf_of(self._df, len(self) + len(batch.ids))
            rows, ids = weigh(batch, idf=idf, n_cols=len(self._vocab)), batch.ids
            del batch, idf  # the counts go before the column-major copy is made
            self._compact(new_ids=ids, new=rows.tocsc())

    def add(self, doc_id: int, text: str) -> None:
        """Index or replace one document; visible to the next search."""
        with self._lock:
            self._drop_many([doc_id])
            tf = self._weights(tokenize(text), grow=True)
            self._count_df(np.fromiter(tf, dtype=np.int64, count=len(tf)), +1)
            self._delta[doc_id] = (np.zeros(0, np.int64), np.zeros(0, np.float32))  # idf counts it
            self._delta[doc_id] = self._vector(tf)
            if len(self._delta) >= self._compact_every:
                self._compact()

    def remove(self, doc_id: int) -> None:
        """Forget a document."""
        with self._lock:
            self._drop_many([doc_id])

    def _drop_many(self, doc_ids: Sequence[int]) -> None:
        rows = [self._slot[i] for i in doc_ids if i in self._slot]
        for doc_id in doc_ids:
            old = self._delta.pop(doc_id, None)
            if old is not None:
                self._count_df(old[0], -1)
        if not rows:
            return
        m = self._matrix
        dead = np.zeros(m.shape[0], dtype=bool)
        dead[rows] = True
        entries = np.flatnonzero(dead[m.indices])  # the dropped rows' (row, term) pairs
        self._count_df(np.searchsorted(m.indptr, entries, side="right") - 1, -1)
        self._alive[rows] = False
        gone = set(doc_ids)
        self._slot = {i: r for i, r in self._slot.items() if i not in gone}

    def _compact(
        self, *, new_ids: npt.NDArray[np.int64] | None = None, new: sp.csc_matrix | None = None
    ) -> None:
        """One matrix of the live rows, then the delta (in insertion order), then `new`."""
        n_cols = len(self._vocab)
        parts: list[sp.csc_matrix] = []
        ids: list[npt.NDArray[np.int64]] = []
        live = np.flatnonzero(self._alive)
        if len(live):
            main = self._matrix if len(live) == len(self._alive) else self._matrix[live]
            parts.append(with_columns(main, n_cols))
            ids.append(self._row_ids[live])
        if self._delta:
            parts.append(rows_matrix(self._delta.values(), n_cols=n_cols).tocsc())
            ids.append(np.fromiter(self._delta, dtype=np.int64, count=len(self._delta)))
        if new is not None and new_ids is not None and len(new_ids):
            parts.append(with_columns(new, n_cols))
            ids.append(new_ids)
        if not parts:
            matrix = sp.csc_matrix((0, n_cols), dtype=np.float32)
        else:
            matrix = parts[0] if len(parts) == 1 else sp.vstack(parts, format="csc")
        del parts
        self._matrix = matrix
        self._row_ids = np.concatenate(ids) if ids else np.zeros(0, dtype=np.int64)
        self._alive = np.ones(len(self._row_ids), dtype=bool)
        self._slot = {int(i): k for k, i in enumerate(self._row_ids.tolist())}
        self._delta = {}

    def query_vector(self, text: str) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        """Normalised TF-IDF query vector (very common terms pruned)."""
        with self._lock:
            return self._vector(self._weights(tokenize(text), grow=False), max_df=MAX_QUERY_DF)

    def score_all(self, text: str) -> LexicalScores:
        """Cosine of the query with every indexed document."""
        with self._lock:
            cols, qw = self.query_vector(text)
            m = self._matrix
            keep = cols < m.shape[1]
            rows_parts, vals_parts = [], []
            for c, w in zip(cols[keep].tolist(), qw[keep].tolist(), strict=True):
                a, b = m.indptr[c], m.indptr[c + 1]
                rows_parts.append(m.indices[a:b])
                vals_parts.append(m.data[a:b] * w)
            n = m.shape[0]
            scores = np.zeros(n, dtype=np.float32)
            if rows_parts:
                rows = np.concatenate(rows_parts)
                scores = np.bincount(rows, weights=np.concatenate(vals_parts), minlength=n)
                scores = scores.astype(np.float32)
            ids = np.where(self._alive, self._row_ids, -1)
            scores[~self._alive] = 0.0
            if self._delta:
                qmap = dict(zip(cols.tolist(), qw.tolist(), strict=True))
                extra = sorted(self._delta)
                ids = np.concatenate([ids, np.array(extra, dtype=np.int64)])
                ds = np.array([self._dot(qmap, d) for d in extra], dtype=np.float32)
                scores = np.concatenate([scores, ds])
            return LexicalScores(ids=ids, scores=scores, positions=self._positions(extra=n))

    def _positions(self, *, extra: int) -> dict[int, int]:
        pos = self._slot
        if self._delta:
            pos = dict(pos)
            pos.update({d: extra + k for k, d in enumerate(sorted(self._delta))})
        return pos

    def _dot(self, qmap: dict[int, float], doc_id: int) -> float:
        cols, vals = self._delta[doc_id]
        return float(sum(qmap.get(c, 0.0) * v for c, v in zip(cols.tolist(), vals.tolist(), strict=True)))

    def text_vector(self, text: str) -> dict[int, float]:
        """Normalised TF-IDF vector of any text under this index's idf, as {column: weight}."""
        with self._lock:
            cols, w = self._vector(self._weights(tokenize(text), grow=False))
        return dict(zip(cols.tolist(), w.tolist(), strict=True))

    def similarity(self, a: str, b: str) -> float:
        """Cosine of two texts under this index's idf (for sentence matching)."""
        va, vb = self.text_vector(a), self.text_vector(b)
        return sum(w * vb.get(c, 0.0) for c, w in va.items())
