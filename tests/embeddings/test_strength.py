"""Strength bands: every score gets exactly one band with a Chinese label, edges as documented."""

from __future__ import annotations

import pytest

from embeddings.strength import BANDS, SCALE_NOTE, display_score, strength_band


def test_bands_cover_the_scale_in_order() -> None:
    edges = [b.min_score for b in BANDS]
    assert edges == [80.0, 50.0, 30.0, 0.0]  # the edges measured and stated in docs/eval.md
    assert [b.label for b in BANDS] == ["强匹配", "较好", "弱相关", "不相关"]
    assert all(b.meaning for b in BANDS) and all(b.label in SCALE_NOTE for b in BANDS)


@pytest.mark.parametrize("band", BANDS)
def test_edges_belong_to_the_band_above(band) -> None:  # type: ignore[no-untyped-def]
    assert strength_band(band.min_score) is band
    if band.min_score > 0:
        # The band follows the number shown: 49.5 shows as 50 and is 较好, 49.4 shows as 49.
        assert strength_band(band.min_score - 0.5) is band
        assert strength_band(band.min_score - 0.6) is not band
        assert display_score(band.min_score - 0.6) == band.min_score - 1


def test_extremes() -> None:
    assert strength_band(100.0).key == "strong"
    assert strength_band(0.0).key == "none" and strength_band(-5.0).key == "none"
