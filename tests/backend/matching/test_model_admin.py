"""`cli model adapt|rollback`: the platform's postings train a model that goes live only if it wins its check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from backend.matching import model_admin
from backend.pairings.models import Pairing
from backend.vocab import PairingStatus, Proposer, Role
from embeddings import adapt_check
from embeddings.adapt_active import active_model_dir
from embeddings.adapt_train import TrainConfig
from tests.embeddings.adapt_kit import POSTINGS
from tests.factories import make_need, make_result, make_user

MODEL = Path("data/models/multilingual-e5-small").resolve()


def _world(session: Session) -> None:
    """Four needs and four results from the battery postings; one pairing approved, one rejected."""
    enterprise, researcher = make_user(session, Role.enterprise), make_user(session, Role.researcher)
    needs = [make_need(session, enterprise, title=f"需求{i}", problem=p) for i, p in enumerate(POSTINGS[:4])]
    results = [
        make_result(session, researcher, title=f"成果{i}", summary=p) for i, p in enumerate(POSTINGS[4:])
    ]
    for result, status in ((results[0], PairingStatus.approved), (results[1], PairingStatus.rejected)):
        pairing = Pairing(
            need_id=needs[0].id or 0, result_id=result.id or 0, score=70, proposed_by=Proposer.engine
        )
        pairing.status = status
        session.add(pairing)
    session.flush()


def test_the_platform_texts_and_judged_pairs(session: Session) -> None:
    _world(session)
    texts = model_admin.platform_texts(session=session)
    assert {t.title for t in texts} >= {"需求0", "成果3"}
    assert any(t.body.startswith(POSTINGS[0]) for t in texts)
    judged = model_admin.judged_pairs(session=session)
    assert [(POSTINGS[0] in j.need, POSTINGS[4] in j.result, j.positive) for j in judged[:1]] == [
        (True, True, True)
    ]
    assert [j.positive for j in judged] == [True, False]


def _models_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "base").symlink_to(MODEL)
    return folder / "base"


def _fake_adapt(*, out_dir: Path, **_: Any) -> dict[str, Any]:
    """Stands in for training: the 'adapted' model is the base model's weights under a new name."""
    out_dir.symlink_to(MODEL)
    return {"model_id": "stand-in", "train": {"seconds": 0.0}}


@pytest.mark.slow
def test_a_model_that_does_not_win_the_check_is_not_activated(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _world(session)
    base = _models_folder(tmp_path)
    monkeypatch.setattr(model_admin, "adapt", _fake_adapt)
    monkeypatch.setattr(adapt_check, "MIN_HELD_OUT", 1)
    out = model_admin.adapt_platform(session=session, base=base, config=TrainConfig(), log=lambda _: None)
    assert out.new == out.old  # the same weights find exactly as much: a tie keeps the old model
    assert not out.activated and active_model_dir(base) == base


@pytest.mark.slow
def test_a_winning_model_is_activated_and_rollback_restores_the_old_one(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _world(session)
    base = _models_folder(tmp_path)
    monkeypatch.setattr(model_admin, "adapt", _fake_adapt)
    scores = iter([adapt_check.CheckScore(0.5, 0.6, 10), adapt_check.CheckScore(0.7, 0.8, 10)])  # old, new
    monkeypatch.setattr(adapt_check, "score", lambda encoder, split: next(scores))
    out = model_admin.adapt_platform(session=session, base=base, config=TrainConfig(), log=lambda _: None)
    assert out.activated and active_model_dir(base) == out.model_dir != base
    model_admin.roll_back(base=base)
    assert active_model_dir(base) == base


def test_the_app_engine_runs_the_activated_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from backend.config import get_settings
    from backend.matching import lifecycle
    from embeddings.adapt_active import activate

    base = _models_folder(tmp_path)
    adapted = base.parent / "base-adapted-test"
    adapted.symlink_to(MODEL)
    loaded: list[Path] = []
    monkeypatch.setattr(lifecycle, "load_encoder", lambda model_dir: loaded.append(model_dir))
    monkeypatch.setattr(lifecycle, "MatchEngine", lambda **kwargs: kwargs)
    monkeypatch.setattr(get_settings(), "model_dir", base)
    monkeypatch.setattr(get_settings(), "index_dir", tmp_path / "index")
    lifecycle.build_engine()
    activate(base=base, model_dir=adapted)
    lifecycle.build_engine()
    assert loaded == [base, adapted]  # what `cli model adapt` activated is what serves
