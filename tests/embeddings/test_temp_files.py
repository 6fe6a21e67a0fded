"""A writer killed mid-save (kill -9) leaves a temp file in the index folder: the next start removes it.

A live writer's temp file (another process saving right now) is kept, so a start never breaks a save.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from embeddings import storage
from embeddings.engine import MatchEngine
from tests.embeddings.kit import NEEDS, FakeEncoder

ROOT = Path(__file__).resolve().parents[2]
# Saves `need.vectors.npy` and stops halfway through writing its temp file.
_CHILD = """
import os, sys, time
from pathlib import Path
from embeddings import storage
real = os.fdopen
def half(fd, mode="r", *args, **kwargs):
    f = real(fd, mode, *args, **kwargs)
    f.write(b"half a file"); f.flush()
    print("PAUSED", flush=True)
    time.sleep(600)
os.fdopen = half
storage.atomic_write(Path(sys.argv[1]) / "need.vectors.npy", b"x" * 100)
"""


@contextmanager
def _writer_paused_mid_save(index_dir: Path) -> Iterator[subprocess.Popen[str]]:
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(index_dir)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "PAUSED"
        yield child
    finally:
        child.kill()
        child.wait()


def _hidden(index_dir: Path) -> list[str]:
    return sorted(p.name for p in index_dir.iterdir() if p.name.startswith("."))


def _start(index_dir: Path) -> MatchEngine:
    return MatchEngine(encoder=FakeEncoder(), index_dir=index_dir)


def test_a_killed_writers_temp_file_is_removed_at_the_next_start(tmp_path: Path) -> None:
    saved = _start(tmp_path)
    saved.sync(side="need", docs=NEEDS)  # whole index files on disk
    files = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with _writer_paused_mid_save(tmp_path) as child:
        (temp,) = _hidden(tmp_path)
        _start(tmp_path)
        assert _hidden(tmp_path) == [temp]  # the writer is alive: its save is left alone
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    engine = _start(tmp_path)
    assert _hidden(tmp_path) == []
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == files  # the real files untouched
    assert engine.count(side="need") == len(NEEDS)


def test_an_earlier_process_with_this_pid_left_it(tmp_path: Path) -> None:
    # A container's app often gets the same pid at every restart.
    earlier = tmp_path / f".need.meta.json.tmp-{os.getpid()}-deadbeef-abc123"
    mine = tmp_path / f".need.meta.json.tmp-{os.getpid()}-{storage._RUN}-abc123"
    earlier.write_bytes(b"{")
    mine.write_bytes(b"{")
    _start(tmp_path)
    assert _hidden(tmp_path) == [mine.name]


def test_untagged_temp_files_of_older_versions_go_once_they_are_old(tmp_path: Path) -> None:
    old, fresh = tmp_path / ".result.faiss.k2j4_x9a", tmp_path / ".result.vectors.npy.q8w7e6r5"
    for p in (old, fresh):
        p.write_bytes(b"partial")
    hours_ago = time.time() - storage.UNTAGGED_AGE_S - 60
    os.utime(old, (hours_ago, hours_ago))
    other = tmp_path / ".keep-me"  # not one of the index's temp files
    other.write_bytes(b"")
    _start(tmp_path)
    assert _hidden(tmp_path) == sorted([fresh.name, other.name])
