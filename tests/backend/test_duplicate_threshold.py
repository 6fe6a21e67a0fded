"""The duplicate threshold on the demo data: no distinct pair flagged, every planted copy flagged."""

import pytest

from embeddings.duplicates import THRESHOLD
from embeddings.encoder import Encoder
from tools.duplicates_eval import WAYS, build, distinct_pairs, planted, summary

pytestmark = pytest.mark.slow


def test_no_false_alarm_on_the_demo_data_and_every_planted_duplicate_flagged(real_encoder: Encoder) -> None:
    engine, docs = build(real_encoder)
    distinct = distinct_pairs(engine, docs)
    assert len(distinct["need"]) == 51 * 50 // 2 and len(distinct["result"]) == 139 * 138 // 2
    copies = planted(engine, docs, every=3)  # a third of the postings, each re-typed four ways
    figures = summary(distinct, copies)
    assert figures["need_false_alarms"] == 0 and figures["result_false_alarms"] == 0
    assert all(c.found for c in copies)  # the copied posting is among the check's hits
    assert (
        figures["planted_flagged"] == len(copies) == 4 * (len(docs["need"][::3]) + len(docs["result"][::3]))
    )
    # Margins both ways (measured: distinct pairs at most 0.47, planted copies at least 0.97).
    assert max(distinct["need"][0].similarity, distinct["result"][0].similarity) < THRESHOLD - 0.15
    assert min(c.similarity for c in copies) > THRESHOLD + 0.15
    assert set(WAYS) == {"small_edits", "reordered", "number_changed", "all_three"}
