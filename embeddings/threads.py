"""Thread pools for query-time work.

A query is one vector: a 1×384 FAISS search and a few small numpy products. With their default
thread pools, OpenBLAS (numpy's copy and FAISS's) and FAISS's OpenMP wake a thread per core for
that and leave them spinning afterwards, which takes the two cores away from the model encoding
the next query (measured at 10k results: need → results p50 68 → 26 ms, p95 139 → 40 ms once both
are limited to one thread). The encoder keeps PyTorch's own pool, a separate library.

OpenBLAS reads its thread count when it is loaded, so `embeddings/__init__.py` sets
OPENBLAS_NUM_THREADS before numpy is imported; FAISS's OpenMP pool is limited here.
"""

from __future__ import annotations

import faiss


def single_threaded_search() -> None:
    """Limit FAISS's OpenMP pool to one thread (idempotent)."""
    faiss.omp_set_num_threads(1)
