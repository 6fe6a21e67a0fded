"""Engine writes, re-sync without re-encoding, restarts and recovery (fake encoder: fast, countable)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from embeddings.engine import MatchEngine
from embeddings.fit import Filters
from tests.embeddings.kit import NEEDS, RESULTS, FakeEncoder


def _engine(index_dir: Path | None, enc: FakeEncoder | None = None) -> MatchEngine:
    e = MatchEngine(encoder=enc or FakeEncoder(), index_dir=index_dir)
    e.sync(side="result", docs=RESULTS)
    e.sync(side="need", docs=NEEDS)
    return e


def _top(e: MatchEngine, text: str) -> int:
    return e.search(text=text, side="result", k=1)[0].id


def test_resync_encodes_only_changes(tmp_path: Path) -> None:
    enc = FakeEncoder()
    e = _engine(tmp_path, enc)
    assert len(enc.texts) == len(RESULTS) + len(NEEDS)
    before = len(enc.texts)
    report = e.sync(side="result", docs=RESULTS)
    assert (report.encoded, report.unchanged, len(enc.texts)) == (0, len(RESULTS), before)
    edited = replace(RESULTS[0], body="全新的文字")
    report = e.sync(side="result", docs=[edited, *RESULTS[1:4]])
    assert (report.encoded, report.removed) == (1, 2) and enc.texts[-1] == edited.text
    assert e.count(side="result") == 4


def test_restart_reencodes_nothing(tmp_path: Path) -> None:
    _engine(tmp_path)
    enc = FakeEncoder()
    e = _engine(tmp_path, enc)
    assert enc.texts == []
    assert _top(e, "GLP-1缓释微球") == 4


def test_upsert_edit_remove_take_effect_at_once(tmp_path: Path) -> None:
    e = _engine(tmp_path)
    new = replace(
        RESULTS[0], id=50, title="钙钛矿太阳能电池封装", body="钙钛矿组件湿热老化1000小时效率保持95%"
    )
    e.upsert(new)
    assert _top(e, "钙钛矿电池封装老化") == 50
    e.upsert(replace(new, title="海水淡化反渗透膜", body="高通量抗污染反渗透膜"))
    assert _top(e, "钙钛矿电池封装老化") != 50 and _top(e, "反渗透膜 海水淡化") == 50
    e.remove(side="result", doc_id=50)
    hits = e.search(text="反渗透膜 海水淡化", side="result", k=10)
    assert 50 not in [h.id for h in hits]
    profile_only = replace(RESULTS[1], profile=replace(RESULTS[1].profile, region="湖北省"))
    enc = e.encoder
    assert isinstance(enc, FakeEncoder)
    n = len(enc.texts)
    e.upsert(profile_only)  # profile change: no re-encoding, new profile used
    assert len(enc.texts) == n
    assert e.document(side="result", doc_id=2) == profile_only
    restarted = _engine(tmp_path)
    assert 50 not in [h.id for h in restarted.search(text="反渗透膜", side="result", k=10)]


def test_recovers_from_missing_stale_and_corrupt_files(tmp_path: Path) -> None:
    _engine(tmp_path)
    (tmp_path / "result.vectors.npy").write_bytes(b"garbage")
    (tmp_path / "need.manifest.json").unlink()
    enc = FakeEncoder()
    e = _engine(tmp_path, enc)  # starts, re-encodes only the broken side
    assert len(enc.texts) == len(RESULTS)
    assert _top(e, "GLP-1缓释微球") == 4 and e.match_result(result=1, k=1)[0].id == 101

    class OtherModel(FakeEncoder):
        model_id = "another-model"

    other = OtherModel()
    _engine(tmp_path, other)  # stale model id: everything re-encoded
    assert len(other.texts) == len(RESULTS) + len(NEEDS)


def test_filters_and_breakdown() -> None:
    e = _engine(None)
    hits = e.match_need(need=101, k=6, filters=Filters(regions=frozenset({"湖北省"})))
    assert {h.id for h in hits} == {1, 3}
    hits = e.match_need(need=101, k=6, filters=Filters(min_trl=6, fields=frozenset({"new_energy"})))
    assert [h.id for h in hits] == [1]
    hits = e.match_need(need=104, k=6, filters=Filters(require=frozenset({"mode"})))
    assert 4 not in [h.id for h in hits]
    for h in e.match_need(need=104, k=6):
        b = h.breakdown
        assert 0 <= h.score <= 100
        assert abs(b.semantic + b.lexical - b.relevance) < 0.05
        assert abs(min(100.0, max(0.0, b.relevance + sum(b.fit.values()))) - h.score) < 0.05


def test_score_pair_gives_the_ranked_score_for_any_indexed_result() -> None:
    engine = _engine(None)
    need = NEEDS[0]
    ranked = engine.match_need(need=need, k=50)
    for hit in ranked[:3] + ranked[-2:]:
        pair = engine.score_pair(need=need, result=hit.id)
        assert pair.id == hit.id
        assert abs(pair.score - hit.score) < 1e-6
        assert pair.explanation is not None


def test_warm_up_runs_both_sides_before_the_first_user() -> None:
    enc = FakeEncoder()
    empty = MatchEngine(encoder=enc, index_dir=None)
    empty.warm_up()  # nothing indexed yet: still fine
    e = _engine(None, enc)
    before = len(enc.texts)
    e.warm_up()
    assert len(enc.texts) > before  # the probe query went through the encoder
    assert _top(e, "GLP-1缓释微球") == 4  # and the index answers as before


def test_every_applied_write_moves_the_generation_so_cached_answers_expire() -> None:
    e = _engine(None)
    seen = [e.generation]
    e.upsert(replace(RESULTS[0], body="全新的文字"))  # an edit: the counts stay, the index changed
    seen.append(e.generation)
    e.upsert(replace(RESULTS[1], profile=replace(RESULTS[1].profile, trl=9)))  # profile only
    seen.append(e.generation)
    e.remove(side="result", doc_id=RESULTS[2].id)
    seen.append(e.generation)
    e.sync(side="need", docs=NEEDS[:1])
    seen.append(e.generation)
    assert seen == sorted(set(seen)), seen  # strictly growing: no write leaves it where it was
