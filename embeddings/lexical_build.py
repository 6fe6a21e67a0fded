"""Building the lexical index in bulk: term counts into flat int32 arrays, then weighted rows.

A bulk build never holds a Python object per (document, term) pair: each document's tokens are
counted, appended to two flat arrays (column, count) and dropped, so 100,000 abstracts (≈ 21 M
pairs) cost 8 bytes a pair while counting and the weighted rows 4 bytes more, not a dict each.
The weights are exactly those of `LexicalIndex._vector` (same logs, same per-row norm), so a bulk
build and one-by-one adds of the same texts score alike.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

I32 = npt.NDArray[np.int32]
WEIGH_ROWS = 4096  # rows weighed per step (bounds the float64 scratch)


@dataclass(frozen=True)
class Counts:
    """Term counts of a batch of documents, row by row (CSR layout without weights)."""

    ids: npt.NDArray[np.int64]
    indptr: npt.NDArray[np.int64]
    cols: I32
    counts: I32


def count_terms(
    items: Iterable[tuple[int, str]], *, vocab: dict[str, int], tokenize: Callable[[str], list[str]]
) -> Counts:
    """Count each text's terms (growing `vocab`); columns in first-occurrence order, as `add` does."""
    ids: array[int] = array("q")
    lengths: array[int] = array("q", [0])
    cols: array[int] = array("i")
    counts: array[int] = array("i")
    seen: set[int] = set()
    for doc_id, text in items:
        if doc_id in seen:
            raise ValueError(f"document {doc_id} given twice in one batch")
        seen.add(doc_id)
        tf = Counter(tokenize(text))
        cols.extend([vocab.setdefault(t, len(vocab)) for t in tf])
        counts.extend(tf.values())
        ids.append(doc_id)
        lengths.append(len(tf))
    return Counts(
        ids=np.frombuffer(ids, dtype=np.int64) if ids else np.zeros(0, np.int64),
        indptr=np.cumsum(np.frombuffer(lengths, dtype=np.int64)),
        cols=np.frombuffer(cols, dtype=np.int32) if cols else np.zeros(0, np.int32),
        counts=np.frombuffer(counts, dtype=np.int32) if counts else np.zeros(0, np.int32),
    )


def idf_of(df: npt.NDArray[np.int32], n: int) -> npt.NDArray[np.float64]:
    """Smoothed idf per column, each value from `math.log` as `LexicalIndex.idf` computes it."""
    values, inverse = np.unique(df, return_inverse=True)
    table = np.array([math.log((1 + n) / (1 + int(d))) + 1.0 for d in values.tolist()], np.float64)
    out: npt.NDArray[np.float64] = table[inverse]
    return out


def weigh(batch: Counts, *, idf: npt.NDArray[np.float64], n_cols: int) -> sp.csr_matrix:
    """Sublinear tf × idf rows, each L2-normalised, as a float32 CSR matrix (n rows × n_cols)."""
    top = int(batch.counts.max()) if len(batch.counts) else 1
    tf = np.array([1.0 + math.log(k) if k else 0.0 for k in range(top + 1)], np.float64)
    data = np.empty(len(batch.cols), dtype=np.float32)
    ptr = batch.indptr
    for first in range(0, len(batch.ids), WEIGH_ROWS):
        last = min(first + WEIGH_ROWS, len(batch.ids))
        base = int(ptr[first])
        w = tf[batch.counts[base : ptr[last]]] * idf[batch.cols[base : ptr[last]]]
        for r in range(first, last):
            a, b = int(ptr[r]) - base, int(ptr[r + 1]) - base
            row = np.array(w[a:b])  # its own buffer, as `_vector` norms a fresh array
            norm = float(np.linalg.norm(row)) or 1.0
            data[base + a : base + b] = row / norm
    return sp.csr_matrix((data, batch.cols, ptr), shape=(len(batch.ids), n_cols))


def rows_matrix(
    rows: Iterable[tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]], *, n_cols: int
) -> sp.csr_matrix:
    """Weighted rows (columns, weights) kept one by one, as a CSR matrix in the same order."""
    cols, vals = [], []
    for c, v in rows:
        cols.append(c)
        vals.append(v)
    indptr = np.concatenate([[0], np.cumsum([len(c) for c in cols], dtype=np.int64)])
    data = np.concatenate(vals) if vals else np.zeros(0, np.float32)
    indices = np.concatenate(cols).astype(np.int32) if cols else np.zeros(0, np.int32)
    return sp.csr_matrix((data, indices, indptr), shape=(len(cols), n_cols))


def with_columns(m: sp.csc_matrix, n_cols: int) -> sp.csc_matrix:
    """`m` widened to `n_cols` empty-extended columns (the vocabulary only grows)."""
    extra = n_cols - m.shape[1]
    if extra <= 0:
        return m
    indptr = np.concatenate([m.indptr, np.full(extra, m.indptr[-1], dtype=m.indptr.dtype)])
    return sp.csc_matrix((m.data, m.indices, indptr), shape=(m.shape[0], n_cols))
