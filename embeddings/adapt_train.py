"""The fine-tuning loop: in-batch-negative contrastive training of the e5 encoder on a few cores.

sentence-transformers' MultipleNegativesRankingLoss over (query, passage[, negative]) batches: each
query must rank its own passage above every other passage (and negative) of the batch. Bounded for
a 2-core machine: the 250k-row word-embedding table (four fifths of the weights) is frozen, queries
are cut to `query_tokens` and passages to `passage_tokens`, and training stops after `max_steps`.
Seeded: the same texts, settings and seed give the same weights on the same machine.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from embeddings.adapt_pairs import Pair

PREFIX = "query: "  # the product encodes both sides with e5's query prefix (embeddings/encoder.py)
PASSAGE_PREFIXES = (PREFIX, "passage: ")  # by TrainConfig.passage_prefix (e5's asymmetric pair: 1)


@dataclass(frozen=True)
class TrainConfig:
    """Settings of one adaptation run (all of them go into the model id's hash)."""

    seed: int = 0
    batch_size: int = 32
    max_steps: int = 100  # 3,200 pairs, ~7 min on 2 cores: measured on both dev sets (docs/eval.md)
    learning_rate: float = 5e-5
    warmup_share: float = 0.1
    query_tokens: int = 48
    passage_tokens: int = 128
    frozen_layers: int = 6  # bottom encoder layers kept as they are (faster, less drift)
    scale: float = 20.0  # MultipleNegativesRankingLoss temperature (1 / 0.05)
    passage_prefix: int = 0  # 0: passages trained with `query: `, as the product encodes; 1: `passage: `
    threads: int = 2  # idle threads sleep (OMP_WAIT_POLICY=PASSIVE), so two beat one even on a busy box


@dataclass(frozen=True)
class TrainReport:
    """What one run did: optimiser steps, pairs seen, seconds, and the mean loss of the first / last tenth."""

    steps: int
    pairs_seen: int
    seconds: float
    loss_start: float
    loss_end: float


def batches(pairs: Sequence[Pair], *, size: int, rng: random.Random) -> Iterator[list[Pair]]:
    """Shuffled batches, cycling through the pairs; pairs with a negative are batched together."""
    with_neg = [p for p in pairs if p.negative is not None]
    plain = [p for p in pairs if p.negative is None]
    groups = [g for g in (plain, with_neg) if g]
    chunks: list[list[Pair]] = []
    while True:
        if not chunks:
            for g in groups:
                order = list(g)
                rng.shuffle(order)
                # a batch of one has no in-batch negative: it would teach nothing
                chunks += [
                    order[s : s + size] for s in range(0, len(order), size) if len(order[s : s + size]) > 1
                ]
            if not chunks:
                return
            rng.shuffle(chunks)
        yield chunks.pop()


def _freeze(model: Any, frozen_layers: int) -> None:
    bert = model[0].auto_model
    for p in bert.embeddings.word_embeddings.parameters():
        p.requires_grad = False
    for layer in bert.encoder.layer[:frozen_layers]:
        for p in layer.parameters():
            p.requires_grad = False


def train(
    *, model_dir: Path, pairs: Sequence[Pair], config: TrainConfig, log: Callable[[str], None] = print
) -> tuple[Any, TrainReport]:
    """Fine-tune the sentence-transformers model in `model_dir` on `pairs`; the model and a report."""
    # Idle OpenMP threads must sleep, not spin: on a machine shared with the web app (or other
    # jobs) spinning threads slowed training 5x. Read when torch starts its thread pool.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss

    torch.manual_seed(config.seed)
    torch.set_num_threads(config.threads)
    model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
    _freeze(model, config.frozen_layers)
    loss_fn = MultipleNegativesRankingLoss(model, scale=config.scale)
    params = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(params, lr=config.learning_rate, weight_decay=0.01)
    warmup = max(1, int(config.max_steps * config.warmup_share))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser,
        lambda s: min((s + 1) / warmup, max(0.0, (config.max_steps - s) / (config.max_steps - warmup))),
    )
    model.train()
    losses: list[float] = []
    started, seen = time.perf_counter(), 0
    stream = batches(pairs, size=config.batch_size, rng=random.Random(config.seed))
    for step, batch in enumerate(stream):
        if step >= config.max_steps:
            break
        columns = [[p.query for p in batch], [p.passage for p in batch]]
        if batch[0].negative is not None:
            columns.append([p.negative or "" for p in batch])
        limits = [config.query_tokens] + [config.passage_tokens] * (len(columns) - 1)
        prefixes = [PREFIX] + [PASSAGE_PREFIXES[config.passage_prefix]] * (len(columns) - 1)
        features = [
            _tokenize(model, texts, limit, prefix)
            for texts, limit, prefix in zip(columns, limits, prefixes, strict=True)
        ]
        loss = loss_fn(features, None)
        optimiser.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimiser.step()
        schedule.step()
        losses.append(float(loss.item()))
        seen += len(batch)
        if step % 10 == 0 or step + 1 == config.max_steps:
            log(
                f"step {step + 1}/{config.max_steps} loss {losses[-1]:.4f} {time.perf_counter() - started:.0f}s"
            )
    model.eval()
    tenth = max(1, len(losses) // 10)
    report = TrainReport(
        steps=len(losses),
        pairs_seen=seen,
        seconds=round(time.perf_counter() - started, 1),
        loss_start=round(sum(losses[:tenth]) / tenth, 4) if losses else 0.0,
        loss_end=round(sum(losses[-tenth:]) / tenth, 4) if losses else 0.0,
    )
    return model, report


def _tokenize(model: Any, texts: list[str], limit: int, prefix: str) -> dict[str, Any]:
    model[0].max_seq_length = limit
    features: dict[str, Any] = model.tokenize([prefix + t for t in texts])
    return features
