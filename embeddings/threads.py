"""Thread pools for query-time work.

A query is one vector: a 1×384 FAISS search and a few small numpy products. With their default
thread pools, numpy's OpenBLAS and FAISS's OpenMP wake a thread per core for that and leave them
spinning afterwards, which takes the two cores away from the model encoding the next query
(measured at 10k results: need → results p50 68 → 26 ms, p95 139 → 40 ms once both are limited
to one thread). The encoder keeps PyTorch's own pool, which is a separate library.
"""

from __future__ import annotations

import threading

import faiss
from threadpoolctl import threadpool_limits

_done = False
_lock = threading.Lock()


def single_threaded_search() -> None:
    """Limit OpenBLAS (numpy's and FAISS's copies) and FAISS's OpenMP to one thread, once."""
    global _done
    with _lock:
        if _done:
            return
        threadpool_limits(limits={"openblas": 1})
        faiss.omp_set_num_threads(1)
        _done = True
