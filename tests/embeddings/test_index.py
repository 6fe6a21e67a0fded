"""Vector index: exact/HNSW search, tombstones, persistence and recovery from bad files."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np

from embeddings.index import VectorIndex


def _vecs(n: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(20, dim))
    x = centers[rng.integers(0, 20, n)] + 0.5 * rng.normal(size=(n, dim))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def _filled(n: int = 200, **kw: int) -> tuple[VectorIndex, np.ndarray]:
    ix = VectorIndex(dim=32, model_id="m1", **kw)
    v = _vecs(n)
    ix.add(np.arange(n, dtype=np.int64) + 1000, [f"h{i}" for i in range(n)], v)
    return ix, v


def test_exact_search_remove_and_replace() -> None:
    ix, v = _filled()
    _, ids = ix.search(v[:5], k=1)
    assert ids[:, 0].tolist() == [1000, 1001, 1002, 1003, 1004]
    ix.remove([1000])
    _, ids = ix.search(v[:1], k=50)
    assert 1000 not in ids[0] and len(ix) == 199
    ix.add(np.array([1001], dtype=np.int64), ["new"], v[7:8])  # edit: new vector
    _, ids = ix.search(v[7:8], k=2)
    assert set(ids[0].tolist()) == {1001, 1007}
    assert ix.hashes()[1001] == "new"


def test_hnsw_above_threshold_has_high_recall() -> None:
    ix, _ = _filled(3000, ann_threshold=1000)
    assert ix.approximate
    q = _vecs(100, seed=1)
    _, got = ix.search(q, k=10)
    want = ix.exact_search(q, k=10)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(got.tolist(), want.tolist(), strict=True)])
    assert recall >= 0.98
    ix.remove([int(i) for i in got[:, 0]])
    _, again = ix.search(q, k=10)
    assert not set(got[:, 0].tolist()) & set(again.ravel().tolist())


def test_ivf_option_search_and_remove() -> None:
    ix, v = _filled(3000, ann_threshold=1000)
    ivf = VectorIndex(dim=32, model_id="m1", ann_threshold=1000, ann="ivf")
    ivf.add(ix.ids(), [f"h{i}" for i in range(3000)], ix.vectors(ix.ids()))
    assert ivf.approximate
    _, ids = ivf.search(v[:20], k=1)
    assert ids[:, 0].tolist() == list(range(1000, 1020))
    ivf.remove([1000])
    assert 1000 not in ivf.search(v[:1], k=10)[1][0]


def test_save_load_roundtrip(tmp_path: Path) -> None:
    ix, v = _filled(1500, ann_threshold=1000)
    ix.save(directory=tmp_path, side="result")
    back = VectorIndex.load(directory=tmp_path, side="result", dim=32, model_id="m1", ann_threshold=1000)
    assert back.approximate and back.hashes() == ix.hashes()
    assert back.search(v[:3], k=1)[1][:, 0].tolist() == [1000, 1001, 1002]


def test_load_survives_missing_stale_and_corrupt_files(tmp_path: Path) -> None:
    ix, v = _filled()
    assert len(VectorIndex.load(directory=tmp_path, side="need", dim=32, model_id="m1")) == 0  # missing
    ix.save(directory=tmp_path, side="need")
    assert len(VectorIndex.load(directory=tmp_path, side="need", dim=32, model_id="m2")) == 0  # other model
    manifest = tmp_path / "need.manifest.json"
    m = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**m, "ids_checksum": "x", "count": 3}))  # stale manifest: rebuild
    back = VectorIndex.load(directory=tmp_path, side="need", dim=32, model_id="m1")
    assert len(back) == 200 and back.search(v[:1], k=1)[1][0, 0] == 1000
    manifest.write_bytes(b"\x00garbage")
    assert len(VectorIndex.load(directory=tmp_path, side="need", dim=32, model_id="m1")) == 200
    vec_file = tmp_path / "need.vectors.npy"
    vec_file.write_bytes(vec_file.read_bytes()[:1000])  # truncated
    assert len(VectorIndex.load(directory=tmp_path, side="need", dim=32, model_id="m1")) == 0
    (tmp_path / "need.meta.json").write_bytes(b"{not json")
    assert len(VectorIndex.load(directory=tmp_path, side="need", dim=32, model_id="m1")) == 0


def test_concurrent_reads_during_writes() -> None:
    ix, v = _filled(500)
    errors: list[BaseException] = []

    def reader() -> None:
        try:
            for _ in range(200):
                with ix.lock.read():
                    _, ids = ix.search(v[:2], k=5)
                assert (ids >= 1000).all()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    for i in range(100):
        with ix.lock.write():
            ix.add(np.array([5000 + i], dtype=np.int64), ["h"], v[i : i + 1])
            ix.remove([1000 + i])
    for t in threads:
        t.join()
    assert not errors and len(ix) == 500
