"""Near-duplicate postings: how alike two postings of the same side are, and when that is a duplicate.

Two postings on one topic (two enterprises' membrane needs, two groups' perovskite results) are
close in the embedding space; a posting re-typed with small edits is close in its very characters
as well. A duplicate therefore has to be close both ways: the similarity is the smaller of the
dense cosine (meaning) and the lexical cosine (character n-grams under the side's idf), and the
threshold was measured on the demo data (`python -m tools.duplicates_eval`, docs/eval.md).
"""

from dataclasses import dataclass

# Measured on the demo data: distinct pairs reach at most 0.47, planted near-duplicates at least 0.97.
THRESHOLD = 0.70


@dataclass(frozen=True)
class Similar:
    """An indexed posting of the same side, with how alike it is to the one checked."""

    id: int
    dense: float  # cosine of the two embeddings
    lexical: float  # cosine of the two TF-IDF vectors

    @property
    def similarity(self) -> float:
        """How alike, 0-1: close in meaning and in wording both."""
        return round(min(self.dense, self.lexical), 4)

    @property
    def duplicate(self) -> bool:
        """Whether this is likely the same posting again."""
        return self.similarity >= THRESHOLD
