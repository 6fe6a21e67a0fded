"""Which model runs (embeddings.adapt_active) and the check split that decides it (embeddings.adapt_check)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from embeddings import adapt_check
from embeddings.adapt_active import activate, active_model_dir, read_state, rollback
from embeddings.adapt_pairs import Text
from embeddings.types import FloatArray
from tests.embeddings.adapt_kit import POSTINGS

MODEL = Path("data/models/multilingual-e5-small").resolve()


def _model_dir(folder: Path, name: str) -> Path:
    d = folder / name
    d.mkdir(parents=True)
    (d / "kematch_model.json").write_text(json.dumps({"model_id": name}), encoding="utf-8")
    return d


def test_activation_and_rollback_walk_the_history(tmp_path: Path) -> None:
    base = _model_dir(tmp_path, "base")
    first, second = _model_dir(tmp_path, "base-adapted-1"), _model_dir(tmp_path, "base-adapted-2")
    assert active_model_dir(base) == base
    activate(base=base, model_dir=first)
    activate(base=base, model_dir=second)
    assert active_model_dir(base) == second
    rollback(base=base)
    assert active_model_dir(base) == first
    rollback(base=base)
    assert active_model_dir(base) == base
    with pytest.raises(LookupError):
        rollback(base=base)


def test_an_incomplete_or_foreign_directory_never_runs(tmp_path: Path) -> None:
    base = _model_dir(tmp_path, "base")
    half = _model_dir(tmp_path, "base-adapted-1")
    activate(base=base, model_dir=half)
    (half / "kematch_model.json").unlink()  # e.g. removed by hand, or copied without its marker
    assert active_model_dir(base) == base
    with pytest.raises(ValueError):
        activate(base=base, model_dir=half)
    with pytest.raises(ValueError):
        activate(base=base, model_dir=_model_dir(tmp_path / "elsewhere", "x"))
    (tmp_path / "active.json").write_text("{not json", encoding="utf-8")
    assert active_model_dir(base) == base and read_state(base).active is None


class _Scrambled:
    """The real encoder's vectors with their order shuffled: a model that lost what it knew."""

    def __init__(self, encoder: adapt_check.EncoderLike) -> None:
        self._encoder, self.model_id, self.dim = encoder, "scrambled", encoder.dim

    def encode(self, texts: Sequence[str], *, batch_size: int = 32) -> FloatArray:
        vecs = self._encoder.encode(texts)
        return vecs[np.random.default_rng(0).permutation(len(vecs))]


@pytest.mark.slow
def test_the_check_split_refuses_a_model_that_finds_less() -> None:
    from embeddings.encoder import Encoder

    the_split = adapt_check.split([Text(body=p) for p in POSTINGS], seed=0, share=0.5)
    assert len(the_split.check) == 4 and len(the_split.distractors) == 4
    assert not any(p.query in d for p in the_split.check for d in the_split.distractors)
    good = Encoder(MODEL)
    real, lost = adapt_check.score(good, the_split), adapt_check.score(_Scrambled(good), the_split)
    assert real.mrr > lost.mrr
    big = adapt_check.CheckScore(mrr=real.mrr, recall=real.recall, queries=adapt_check.MIN_HELD_OUT)
    worse = adapt_check.CheckScore(mrr=lost.mrr, recall=lost.recall, queries=adapt_check.MIN_HELD_OUT)
    assert not adapt_check.wins(worse, big)
    assert adapt_check.wins(big, worse)
    assert not adapt_check.wins(big, big)  # a tie keeps the model that runs
