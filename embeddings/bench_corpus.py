"""The bench's big corpus, made from the dev set: real texts with their clauses shuffled, and
vectors near the real ones (cosine ~0.9), since encoding 100,000+ texts would take hours here."""

from __future__ import annotations

import random
import re
from pathlib import Path

import numpy as np

from embeddings.index import VectorIndex
from embeddings.types import EncoderLike, FloatArray

PERTURB_STEP = 4096


def perturb_text(text: str, rng: random.Random) -> str:
    """Same vocabulary, different order: shuffle the clauses."""
    parts = [p for p in re.split(r"(?<=[，。；,;])", text) if p]
    rng.shuffle(parts)
    return "".join(parts)


def perturb_vectors(base: FloatArray, n: int, *, seed: int, noise: float = 0.35) -> FloatArray:
    """n vectors near random base rows (cosine ~0.9 to their source), L2-normalised.

    Made in steps of PERTURB_STEP rows (the same random stream as one step), so the bench's own
    float64 noise never costs more than a few MB of the peak memory it reports."""
    rng = np.random.default_rng(seed)
    src = rng.integers(0, len(base), n)
    out = np.empty((n, base.shape[1]), dtype=np.float32)
    for start in range(0, n, PERTURB_STEP):
        rows = base[src[start : start + PERTURB_STEP]]
        part = rows + rng.normal(scale=noise / np.sqrt(base.shape[1]), size=rows.shape).astype(np.float32)
        part /= np.linalg.norm(part, axis=1, keepdims=True)
        out[start : start + len(part)] = part
    return out


def known_vectors(encoder: EncoderLike, cache: Path) -> dict[str, FloatArray]:
    """The dev corpus vectors evaluate cached for this encoder, by content hash."""
    store = VectorIndex.load(directory=cache, side="result", dim=encoder.dim, model_id=encoder.model_id)
    ids = store.ids()
    vecs = store.vectors(ids)
    hashes = store.hashes()
    return {hashes[int(i)]: vecs[k] for k, i in enumerate(ids)}
