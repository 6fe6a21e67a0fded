"""Child processes the kill tests SIGKILL mid-write: `python -m tests.faults.child sync|import ...`.

Each prints PAUSED (and sleeps) at the chosen point, so the parent kills it exactly there; the
site comes from the KEMATCH_* environment, as for the real app.
"""

import os
import sys
import time
from datetime import date
from typing import Any, BinaryIO

from backend.transfer.columns import columns_for
from backend.transfer.reader import Row
from tests.factories import need_data


def pause(what: str) -> None:
    print(f"PAUSED {what}", flush=True)
    time.sleep(600)


class _HalfWriter:
    """A file whose first write stops halfway: the process is killed with the file half written."""

    def __init__(self, f: BinaryIO) -> None:
        self._f = f

    def write(self, data: bytes) -> int:
        self._f.write(data[: len(data) // 2])
        self._f.flush()
        os.fsync(self._f.fileno())
        pause(f"writing {len(data)} bytes")
        return 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._f, name)

    def __enter__(self) -> "_HalfWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self._f.close()


def sync(pause_at_write: int) -> None:
    """`make index`'s sync with a fake model, stopping inside the n-th index file write."""
    from backend.matching import cli, lifecycle
    from tests.embeddings.kit import FakeEncoder

    lifecycle.load_encoder = lambda _path: FakeEncoder()  # type: ignore[assignment]
    real_fdopen = os.fdopen
    writes = 0

    def fdopen(fd: int, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        nonlocal writes
        f = real_fdopen(fd, mode, *args, **kwargs)
        if "w" in mode:
            writes += 1
            if writes == pause_at_write:
                return _HalfWriter(f)
        return f

    os.fdopen = fdopen
    sys.argv = ["cli", "sync"]
    cli.main()


def need_rows(count: int, start: int = 0) -> list[Row]:
    """`count` valid rows of a needs file, as the reader hands them to the worker."""
    rows = []
    for n in range(start, start + count):
        data = need_data(title=f"批量导入需求{n:04d}")
        data["valid_until"] = date.fromisoformat(data["valid_until"])
        cells = {c.field: c.show(data[c.field]) if c.field in data else "" for c in columns_for("needs")}
        rows.append(Row(number=n + 2, cells=cells))
    return rows


def run_import(job_id: int, count: int, chunk: int, pause_in_chunk: int) -> None:
    """Run an import job (its `count` rows stored with it) in this process; stop inside the n-th
    chunk's transaction (0: never)."""
    from backend.transfer import worker

    worker.CHUNK = chunk
    real_record, real_store = worker._record, worker._store
    chunks = 0

    def record(job: Any, checked: Any, ids: list[int]) -> None:
        nonlocal chunks
        real_record(job, checked, ids)
        if ids:  # valid-rows mode: this chunk's rows are flushed, not yet committed
            chunks += 1
            if chunks == pause_in_chunk:
                pause(f"chunk {chunks}")

    def store(session: Any, job: Any, models: list[Any]) -> list[int]:
        ids = real_store(session, job, models)
        if job.policy == "all_or_nothing" and pause_in_chunk:
            pause(f"storing {len(ids)} rows at once")
        return ids

    real_hold = worker.hold
    holds = 0

    def hold(**kwargs: Any) -> Any:
        nonlocal holds
        holds += 1
        if holds == 1:  # the claim is committed: a kill from here leaves the job this process's
            print("STARTED", flush=True)
        return real_hold(**kwargs)

    worker._record, worker._store, worker.hold = record, store, hold  # type: ignore[assignment]
    worker.run_job(job_id=job_id, scope=worker.own_session)  # the job's rows are in the database
    print("DONE", flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "sync":
        sync(int(sys.argv[2]))
    else:
        run_import(*(int(a) for a in sys.argv[2:6]))
