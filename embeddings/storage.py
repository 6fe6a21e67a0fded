"""Files behind the vector index: atomic writes, checksums, validated reads; and a readers-writer lock."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
import secrets
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import faiss as _faiss
import numpy as np
import numpy.typing as npt

from embeddings.types import FloatArray, Side

faiss: Any = _faiss  # the SWIG bindings are only partly typed
IntArray = npt.NDArray[np.int64]
log = logging.getLogger(__name__)

# A temp file names its writer: `.{name}.tmp-{pid}-{run}-…`. `run` tells this process from an
# earlier one with the same pid (a container's app is often pid 7 at every restart).
_RUN = secrets.token_hex(4)
_TEMP = re.compile(r"^\..+\.tmp-(?P<pid>\d+)-(?P<run>[0-9a-f]+)-")
# mkstemp's names before the tag existed; a writer is never that slow, so an hour-old one is dead.
_UNTAGGED = re.compile(r"^\.(need|result)\.(vectors\.npy|meta\.json|faiss|manifest\.json)\.[a-z0-9_]{8}$")
UNTAGGED_AGE_S = 3600


class RWLock:
    """Many concurrent readers or one writer."""

    def __init__(self) -> None:
        """Create an unlocked lock."""
        self._cond = threading.Condition()
        self._readers = 0

    @contextmanager
    def read(self) -> Iterator[None]:
        """Hold a shared lock."""
        with self._cond:
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def write(self) -> Iterator[None]:
        """Hold the exclusive lock."""
        with self._cond:
            self._cond.wait_for(lambda: self._readers == 0)
            yield


def atomic_write(path: Path, data: bytes) -> None:
    """Write via a temp file in the same directory and os.replace."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.tmp-{os.getpid()}-{_RUN}-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's process: alive
        return True
    return True


def _orphaned(entry: Path) -> bool:
    tagged = _TEMP.match(entry.name)
    if tagged:
        pid = int(tagged["pid"])
        if pid == os.getpid():
            return tagged["run"] != _RUN
        return not _alive(pid)
    if _UNTAGGED.match(entry.name):
        return time.time() - entry.stat().st_mtime > UNTAGGED_AGE_S
    return False


def clean_temp_files(directory: Path) -> list[Path]:
    """Remove the temp files of writers that died mid-write (kill -9); a live writer's are kept."""
    removed: list[Path] = []
    for entry in directory.iterdir() if directory.is_dir() else ():
        try:
            if entry.is_file() and _orphaned(entry):
                entry.unlink()
                removed.append(entry)
        except FileNotFoundError:  # its writer finished (or another start cleaned it) meanwhile
            continue
    if removed:
        log.warning("index %s: removed %d temp file(s) left by a killed writer", directory, len(removed))
    return removed


def sha(data: bytes) -> str:
    """Hex SHA-256."""
    return hashlib.sha256(data).hexdigest()


def ids_checksum(ids: IntArray) -> str:
    """Order-independent checksum of a set of ids."""
    return sha(np.sort(ids.astype(np.int64)).tobytes())[:16]


def manifest_kind(index: Any) -> str:
    """'ivf', 'hnsw' or 'flat' for a FAISS index."""
    if isinstance(index, faiss.IndexIVF):
        return "ivf"
    return "hnsw" if isinstance(index, faiss.IndexHNSW) else "flat"


def npy_bytes(arr: FloatArray) -> bytes:
    """The .npy serialisation of an array."""
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=False)
    return buf.getvalue()


def read_vectors(
    directory: Path, side: Side, *, dim: int, model_id: str
) -> tuple[IntArray, list[str], FloatArray]:
    """Stored ids, content hashes and vectors; raises on anything missing, stale or inconsistent."""
    meta = json.loads((directory / f"{side}.meta.json").read_bytes())
    if meta["model_id"] != model_id or meta["dim"] != dim:
        raise ValueError(f"stale: model {meta['model_id']!r} dim {meta['dim']}")
    raw = (directory / f"{side}.vectors.npy").read_bytes()
    if sha(raw) != meta["vectors_sha256"]:
        raise ValueError("vectors checksum mismatch")
    vecs = np.load(io.BytesIO(raw), allow_pickle=False)
    ids = np.array(meta["ids"], dtype=np.int64)
    hashes = [str(h) for h in meta["hashes"]]
    if vecs.shape != (len(ids), dim) or len(hashes) != len(ids) or len(set(ids.tolist())) != len(ids):
        raise ValueError("inconsistent shapes")
    return ids, hashes, np.ascontiguousarray(vecs, dtype=np.float32)


def read_faiss(directory: Path, side: Side, *, ids: IntArray, dim: int, model_id: str) -> Any:
    """The saved ANN index if the manifest agrees with `ids`; None for flat; raises otherwise."""
    manifest = json.loads((directory / f"{side}.manifest.json").read_bytes())
    ok = manifest["model_id"] == model_id and manifest["dim"] == dim
    ok = ok and manifest["count"] == len(ids) and manifest["ids_checksum"] == ids_checksum(ids)
    if not ok:
        raise ValueError("manifest disagrees with stored vectors")
    if manifest["kind"] == "flat":
        return None
    raw = (directory / f"{side}.faiss").read_bytes()
    if sha(raw) != manifest["faiss_sha256"]:
        raise ValueError("faiss checksum mismatch")
    index = faiss.deserialize_index(np.frombuffer(raw, dtype=np.uint8))
    if isinstance(index, faiss.IndexIVF):
        index.make_direct_map()
    if index.ntotal != len(ids) or index.d != dim:
        raise ValueError("faiss index size mismatch")
    return index
