"""Adapting the encoder to the platform's postings (embeddings.adapt*): pairs, training, the model it writes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from embeddings.adapt import adapt, run_key
from embeddings.adapt_pairs import Labelled, Text, cloze_pair, labelled_pairs, unlabelled_pairs
from embeddings.adapt_train import TrainConfig, train
from tests.embeddings.adapt_kit import POSTINGS, TorchEncoder, cloze_pairs, mrr, texts

MODEL = Path("data/models/multilingual-e5-small")
# A few steps at a high rate: enough to move a tiny corpus, seconds on two cores.
QUICK = TrainConfig(max_steps=12, batch_size=8, learning_rate=1e-4, query_tokens=48, passage_tokens=96)


def test_cloze_pair_takes_one_sentence_out_of_its_posting() -> None:
    import random

    pair = cloze_pair(POSTINGS[0], random.Random(0))
    assert pair is not None
    assert pair.query in POSTINGS[0]
    assert pair.query not in pair.passage
    assert len(pair.query) + len(pair.passage) == len(POSTINGS[0])


def test_unlabelled_pairs_are_seeded_and_add_title_to_body() -> None:
    corpus = [*texts(), Text(title="气凝胶隔热垫", body="电芯之间的隔热。阻断热失控蔓延的材料方案。")]
    first, again = unlabelled_pairs(corpus, seed=3), unlabelled_pairs(corpus, seed=3)
    assert first == again
    assert any(p.query == "气凝胶隔热垫" and p.passage.startswith("电芯之间") for p in first)
    assert unlabelled_pairs(corpus, seed=4) != first


def test_rejected_result_becomes_the_hard_negative_of_an_approved_pair() -> None:
    judged = [
        Labelled(need="需求甲", result="成果一", positive=True),
        Labelled(need="需求甲", result="成果二", positive=False),
        Labelled(need="需求乙", result="成果三", positive=False),  # no approved pair: nothing to contrast
    ]
    pairs = labelled_pairs(judged)
    assert [(p.query, p.passage, p.negative) for p in pairs] == [("需求甲", "成果一", "成果二")]


@pytest.mark.slow
def test_adaptation_fixes_what_the_base_model_mixes_up() -> None:
    from sentence_transformers import SentenceTransformer

    base = TorchEncoder(SentenceTransformer(str(MODEL), device="cpu", local_files_only=True), "base")
    hard = cloze_pairs(1) + cloze_pairs(2)  # measured: the base model ranks many of these wrong
    before = mrr(base, cloze_pairs(1)), mrr(base, cloze_pairs(2))
    assert max(before) < 0.8

    pairs = unlabelled_pairs(texts(), seed=0, rounds=3)
    model, report = train(model_dir=MODEL, pairs=pairs, config=QUICK, log=lambda _: None)
    adapted = TorchEncoder(model, "adapted")
    after = mrr(adapted, cloze_pairs(1)), mrr(adapted, cloze_pairs(2))

    assert report.steps == QUICK.max_steps and report.loss_end < report.loss_start
    assert after[0] > before[0] and after[1] > before[1]
    moved = np.sum(base.encode([hard[0].query]) * adapted.encode([hard[0].query]))
    assert moved < 0.999  # the vectors themselves changed


@pytest.mark.slow
def test_adapt_writes_a_model_the_product_encoder_runs_under_a_new_id(tmp_path: Path) -> None:
    from embeddings.encoder import Encoder

    config = TrainConfig(max_steps=2, batch_size=4, query_tokens=32, passage_tokens=64)
    out = tmp_path / "adapted"
    marker = adapt(base_dir=MODEL, texts=texts(), out_dir=out, config=config, log=lambda _: None)

    base, new = Encoder(MODEL), Encoder(out)
    assert new.model_id != base.model_id and new.model_id == marker["model_id"] + "+ort-int8"
    assert marker["model_id"].endswith(
        "@" + run_key(base_dir=MODEL, texts=texts(), labelled=(), config=config)
    )
    assert new.max_tokens == base.max_tokens  # training's short windows are not the product's
    vecs_base, vecs_new = base.encode(POSTINGS[:2]), new.encode(POSTINGS[:2])
    assert vecs_new.shape == (2, 384)
    assert not np.allclose(vecs_base, vecs_new, atol=1e-4)
    saved = json.loads((out / "kematch_model.json").read_text(encoding="utf-8"))
    assert saved["config"]["max_steps"] == 2 and saved["train"]["steps"] == 2


def test_run_key_names_the_passage_prefix_only_when_it_is_not_the_products() -> None:
    key = run_key(base_dir=MODEL, texts=texts(), labelled=(), config=TrainConfig())
    assert run_key(base_dir=MODEL, texts=texts(), labelled=(), config=TrainConfig(passage_prefix=0)) == key
    assert run_key(base_dir=MODEL, texts=texts(), labelled=(), config=TrainConfig(passage_prefix=1)) != key
