"""A learned linear re-scoring of the first stage, stored as JSON coefficients (never pickled).

The re-ranker does not replace the fused relevance, it corrects it: for each candidate

    fused' = fused + Σ_i weight_i · (feature_i − center_i)

so the corrected value stays in the fused z units that `calibrate` maps to 0–100, one number gives
both a pair's order and its score, and the centres (the features' means over the training
queries' first-stage top 10) keep an average shown pair's score where it was. Features are the names of
`embeddings.rerank_features.FEATURES`; a file naming any other is refused.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.rerank_features import FEATURES
from embeddings.types import FloatArray

FORMAT_VERSION = 1


class RerankerFileError(ValueError):
    """A re-ranker file that cannot be used (unknown feature, wrong version, bad numbers)."""


@dataclass(frozen=True)
class Reranker:
    """Weights and centres per feature, with where they came from."""

    features: tuple[str, ...]
    weights: tuple[float, ...]
    centers: tuple[float, ...]
    trained_on: str = ""
    notes: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        """Refuse a model that names an unknown feature or carries a non-finite number."""
        unknown = [f for f in self.features if f not in FEATURES]
        if unknown:
            raise RerankerFileError(f"unknown re-ranker features: {unknown}")
        if not len(self.features) == len(self.weights) == len(self.centers):
            raise RerankerFileError("features, weights and centers differ in length")
        if not all(math.isfinite(v) for v in (*self.weights, *self.centers)):
            raise RerankerFileError("non-finite weight or center")

    @property
    def columns(self) -> list[int]:
        """Positions of this model's features in `FEATURES` order."""
        return [FEATURES.index(f) for f in self.features]

    def shift(self, matrix: FloatArray) -> FloatArray:
        """Correction of the fused z per row of a (n, len(FEATURES)) feature matrix."""
        x = np.asarray(matrix, dtype=np.float64)[:, self.columns]
        out: FloatArray = ((x - np.array(self.centers)) @ np.array(self.weights)).astype(np.float32)
        return out

    def to_json(self) -> str:
        """The file's text."""
        body = {
            "format": FORMAT_VERSION,
            "kind": "linear-fused-correction",
            "trained_on": self.trained_on,
            "features": list(self.features),
            "weights": [round(w, 6) for w in self.weights],
            "centers": [round(c, 6) for c in self.centers],
            "notes": self.notes,
        }
        return json.dumps(body, ensure_ascii=False, indent=1) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Reranker:
        """Parse a file written by `to_json` (RerankerFileError if it cannot be used)."""
        try:
            body = json.loads(text)
            if body.get("format") != FORMAT_VERSION:
                raise RerankerFileError(
                    f"re-ranker file format {body.get('format')!r}, want {FORMAT_VERSION}"
                )
            return cls(
                features=tuple(str(f) for f in body["features"]),
                weights=tuple(float(w) for w in body["weights"]),
                centers=tuple(float(c) for c in body["centers"]),
                trained_on=str(body.get("trained_on", "")),
                notes=dict(body.get("notes", {})),
            )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, RerankerFileError):
                raise
            raise RerankerFileError(f"unreadable re-ranker file: {exc}") from exc

    def save(self, path: Path) -> None:
        """Write atomically (a reader never sees half a file)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(self.to_json(), encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> Reranker:
        """Read a saved model."""
        return cls.from_json(path.read_text(encoding="utf-8"))
