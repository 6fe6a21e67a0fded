"""KeMatch matching engine: documents in, ranked and explained matches out (no web or DB imports)."""

import os

# Before numpy loads OpenBLAS: query-time products are tiny, and a spinning BLAS pool starves the
# encoder of the machine's cores (see embeddings/threads.py).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


from embeddings.engine import Breakdown, Match, MatchEngine, SyncReport
from embeddings.explain import Explanation, RelatedTerm, Sentence, Span
from embeddings.fit import Filters, FitItem
from embeddings.ranking import RankConfig
from embeddings.types import (
    FIELD_LABELS,
    MODE_LABELS,
    SIDES,
    TRL_LABELS,
    Document,
    EncoderLike,
    Profile,
    Side,
    other_side,
)

__all__ = [
    "FIELD_LABELS",
    "MODE_LABELS",
    "SIDES",
    "TRL_LABELS",
    "Breakdown",
    "Document",
    "EncoderLike",
    "Explanation",
    "Filters",
    "FitItem",
    "Match",
    "MatchEngine",
    "Profile",
    "RankConfig",
    "RelatedTerm",
    "Sentence",
    "Side",
    "Span",
    "SyncReport",
    "other_side",
]
