"""Missing, stale or corrupt index files: the app starts anyway and serves the right matches (real model)."""

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from sqlmodel import select

from backend.engine import current as matching_engine
from backend.postings.result_model import Result
from backend.vocab import PostingStatus, Role
from embeddings.encoder import Encoder
from embeddings.index import VectorIndex
from tests.factories import make_result, make_user
from tests.faults.conftest import Server, Site
from tests.faults.corpus import SOLVER, ranked_result_ids, seed

pytestmark = pytest.mark.slow


def _rewrite_json(path: Path, **changes: object) -> None:
    data = json.loads(path.read_bytes())
    data.update(changes)
    path.write_text(json.dumps(data))


def _missing_dir(d: Path) -> None:
    shutil.rmtree(d)


def _missing_vectors(d: Path) -> None:
    (d / "result.vectors.npy").unlink()


def _missing_manifests(d: Path) -> None:
    for side in ("need", "result"):
        (d / f"{side}.manifest.json").unlink()
        (d / f"{side}.meta.json").unlink()


def _truncated_vectors(d: Path) -> None:
    path = d / "result.vectors.npy"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _truncated_meta(d: Path) -> None:
    path = d / "result.meta.json"
    path.write_bytes(path.read_bytes()[:40])


def _garbage(d: Path) -> None:
    for name in ("result.vectors.npy", "result.meta.json", "need.manifest.json"):
        (d / name).write_bytes(os.urandom(333))


def _zero_length(d: Path) -> None:
    for path in d.iterdir():
        path.write_bytes(b"")


def _other_model(d: Path) -> None:
    # Files written by another model (say, before a model upgrade): same dimension, other vectors.
    for side in ("need", "result"):
        _rewrite_json(d / f"{side}.meta.json", model_id="some-other-model")
        _rewrite_json(d / f"{side}.manifest.json", model_id="some-other-model")


def _other_id_set(d: Path) -> None:
    # A manifest that describes another id set than the stored vectors.
    _rewrite_json(d / "result.manifest.json", count=99, ids_checksum="0123456789abcdef")


def _shuffled_labels(d: Path) -> None:
    # Vectors consistent with their checksum but filed under the wrong ids: hashes must catch it.
    meta = json.loads((d / "result.meta.json").read_bytes())
    meta["ids"] = meta["ids"][::-1]
    (d / "result.meta.json").write_text(json.dumps(meta))


def _random_vectors(d: Path) -> None:
    # Well-formed files (valid checksums) with nonsense vectors under the ids of other postings.
    meta = json.loads((d / "result.meta.json").read_bytes())
    vectors = np.load(d / "result.vectors.npy")
    rng = np.random.default_rng(7)
    noise = rng.standard_normal(vectors.shape).astype(np.float32)
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    from embeddings.storage import npy_bytes, sha

    raw = npy_bytes(noise)
    (d / "result.vectors.npy").write_bytes(raw)
    meta["vectors_sha256"] = sha(raw)
    meta["ids"] = [i + 1000 for i in meta["ids"]]
    (d / "result.meta.json").write_text(json.dumps(meta))


DAMAGE: dict[str, Callable[[Path], None]] = {
    "missing directory": _missing_dir,
    "missing vectors": _missing_vectors,
    "missing meta and manifests": _missing_manifests,
    "truncated vectors": _truncated_vectors,
    "truncated meta": _truncated_meta,
    "garbage bytes": _garbage,
    "zero-length files": _zero_length,
    "other model id": _other_model,
    "manifest of another id set": _other_id_set,
    "vectors under the wrong ids": _shuffled_labels,
    "another installation's vectors": _random_vectors,
}


@pytest.mark.parametrize("damage", DAMAGE, ids=list(DAMAGE))
def test_app_starts_on_damaged_index_and_serves_right_matches(
    damage: str, site: Site, server: Server, real_encoder: Encoder
) -> None:
    with site.session() as db:
        s = seed(db)
    with server(real_encoder) as client:
        before = ranked_result_ids(client, s.need_id)
    assert before[0] == s.solver_id
    assert sorted((site.index_dir).iterdir())  # the first start wrote the index

    DAMAGE[damage](site.index_dir)

    with server(real_encoder) as client:
        after = ranked_result_ids(client, s.need_id)
        engine = matching_engine()
        assert engine is not None and engine.count(side="result") == 3
    assert after == before
    # The repaired index is on disk again: the next start loads it whole, encoding nothing.
    for side, count in (("need", 1), ("result", 3)):
        stored = VectorIndex.load(
            directory=site.index_dir, side=side, dim=real_encoder.dim, model_id=real_encoder.model_id
        )
        assert len(stored) == count


def test_database_changed_while_the_app_was_down(site: Site, server: Server, real_encoder: Encoder) -> None:
    """A stale index (say, after a restore): closed postings vanish, new ones are matched."""
    with site.session() as db:
        s = seed(db)
    with server(real_encoder) as client:
        assert ranked_result_ids(client, s.need_id)[0] == s.solver_id

    with site.session() as db:
        solver = db.get(Result, s.solver_id)
        assert solver is not None
        solver.status = PostingStatus.closed
        db.add(solver)
        researcher = make_user(db, Role.researcher)
        successor = make_result(db, researcher, **(SOLVER | {"title": "新一代耐碱亲和层析介质"}))
        db.commit()
        successor_id = successor.id

    with server(real_encoder) as client:
        ranked = ranked_result_ids(client, s.need_id)
    assert s.solver_id not in ranked
    assert ranked[0] == successor_id
    with site.session() as db:
        listed = set(db.exec(select(Result.id).where(Result.status == PostingStatus.published)))
    assert set(ranked) == listed
