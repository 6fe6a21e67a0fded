"""The check split: does an adapted encoder find the platform's own postings better than the old one?

Before training, a seeded share of the postings is held out. For each held-out posting one sentence
is the query and the rest of the posting its target (the same inverse-cloze task the adaptation
trains on, but on postings it never saw), searched among all held-out targets plus the other
postings' texts as distractors. MRR@10 and Recall@10 of the old and the new encoder decide
whether the new one is activated: it must be better on MRR and no worse on recall.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from embeddings.adapt_pairs import Pair, Text, cloze_pair
from embeddings.types import EncoderLike

HELD_OUT_SHARE = 0.15
MIN_HELD_OUT = 5  # fewer check queries than this decide nothing: the old model stays
MAX_DISTRACTORS = 2000  # bounds the check's encoding on a large platform (two encoders, 2 cores)


@dataclass(frozen=True)
class Split:
    """Postings to train on, and the check pairs cut from the held-out ones."""

    train: list[Text]
    check: list[Pair]
    distractors: list[str]


@dataclass(frozen=True)
class CheckScore:
    """How one encoder did on the check pairs."""

    mrr: float
    recall: float
    queries: int


def split(texts: Sequence[Text], *, seed: int, share: float = HELD_OUT_SHARE) -> Split:
    """Hold out `share` of the postings (seeded); the rest train and serve as distractors."""
    rng = random.Random(seed)
    order = list(range(len(texts)))
    rng.shuffle(order)
    n_held = round(len(texts) * share)
    held, kept = order[:n_held], sorted(order[n_held:])
    check = [p for p in (cloze_pair(texts[i].body, rng) for i in sorted(held)) if p is not None]
    train = [texts[i] for i in kept]
    distractors = [texts[i].body for i in rng.sample(kept, min(len(kept), MAX_DISTRACTORS))]
    return Split(train=train, check=check, distractors=distractors)


def score(encoder: EncoderLike, split_: Split, *, k: int = 10) -> CheckScore:
    """MRR@k and Recall@k of each check sentence finding the rest of its posting."""
    if not split_.check:
        return CheckScore(mrr=0.0, recall=0.0, queries=0)
    targets = [p.passage for p in split_.check] + split_.distractors
    q = encoder.encode([p.query for p in split_.check])
    d = encoder.encode(targets)
    sims = q @ d.T
    own = sims[np.arange(len(q)), np.arange(len(q))]
    rank = (sims > own[:, None]).sum(axis=1)  # 0 = the posting itself came first
    rr = np.where(rank < k, 1.0 / (rank + 1), 0.0)
    return CheckScore(
        mrr=round(float(rr.mean()), 4), recall=round(float((rank < k).mean()), 4), queries=len(q)
    )


def wins(new: CheckScore, old: CheckScore) -> bool:
    """Activate only on enough evidence: better MRR, recall not lower."""
    return new.queries >= MIN_HELD_OUT and new.mrr > old.mrr and new.recall >= old.recall
