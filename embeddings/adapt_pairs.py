"""Training pairs for adapting the encoder to a platform's own postings, built without labels.

Inverse cloze (ICT): one sentence of a posting is the query, the rest of the posting the passage
it must find among the other passages of its batch. That is the shape of a need meeting a result:
a short problem statement against a longer text that contains its context but not its words. A
posting with a title adds the pair title → body. Labelled pairings (approved or signed) become
need → result pairs, and a rejected result of a need that also has an approved one becomes that
pair's hard negative.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

SENTENCE_END = re.compile(r"(?<=[。！？；;!?\n])")
MIN_SENTENCE_CHARS = 8  # shorter pieces ("综上。") carry no topic to learn from
MIN_REST_CHARS = 20


@dataclass(frozen=True)
class Text:
    """One posting's text for adaptation; `title` is optional (the dev sets have none)."""

    body: str
    title: str = ""


@dataclass(frozen=True)
class Pair:
    """A query, the passage it should find, and optionally a passage it should not prefer."""

    query: str
    passage: str
    negative: str | None = None


@dataclass(frozen=True)
class Labelled:
    """A judged (need text, result text) pair: True for approved / signed, False for rejected."""

    need: str
    result: str
    positive: bool


def sentences(text: str) -> list[str]:
    """The text cut after Chinese and Western sentence ends, stripped, empty pieces dropped."""
    return [s.strip() for s in SENTENCE_END.split(text) if s.strip()]


def cloze_pair(text: str, rng: random.Random) -> Pair | None:
    """One sentence of `text` → the rest of it; None when the text has no usable sentence."""
    parts = sentences(text)
    candidates = [i for i, s in enumerate(parts) if len(s) >= MIN_SENTENCE_CHARS]
    if len(parts) < 2 or not candidates:
        return None
    pick = rng.choice(candidates)
    rest = "".join(s for i, s in enumerate(parts) if i != pick)
    if len(rest) < MIN_REST_CHARS:
        return None
    return Pair(query=parts[pick], passage=rest)


def unlabelled_pairs(texts: Sequence[Text], *, seed: int, rounds: int = 1) -> list[Pair]:
    """ICT pairs (one per text and round, a fresh sentence each round) plus title → body pairs."""
    rng = random.Random(seed)
    pairs: list[Pair] = []
    for _ in range(rounds):
        for t in texts:
            pair = cloze_pair(t.body, rng)
            if pair is not None:
                pairs.append(pair)
    pairs += [Pair(query=t.title, passage=t.body) for t in texts if t.title.strip() and t.body.strip()]
    rng.shuffle(pairs)
    return pairs


def labelled_pairs(labelled: Sequence[Labelled]) -> list[Pair]:
    """need → approved result pairs; a rejected result of the same need rides along as negative."""
    rejected: dict[str, list[str]] = {}
    for item in labelled:
        if not item.positive:
            rejected.setdefault(item.need, []).append(item.result)
    out: list[Pair] = []
    for item in labelled:
        if item.positive:
            negatives = rejected.get(item.need, [])
            out.append(
                Pair(query=item.need, passage=item.result, negative=negatives[0] if negatives else None)
            )
    return out
