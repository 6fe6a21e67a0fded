"""What a pairing keeps of its match: the score and a JSON-ready explanation at proposal time."""

from typing import Any

from sqlmodel import Session

from backend.engine import current as matching_engine
from backend.matching.documents import need_document, result_document
from backend.postings.need_model import Need
from backend.postings.result_model import Result
from backend.vocab import PostingStatus
from embeddings.engine import Match
from embeddings.explain import shared_terms
from embeddings.fit import assess


def _quote_dict(sentence: Any, spans: list[Any]) -> dict[str, Any] | None:
    if sentence is None:
        return None
    rel = [
        {"start": s.start - sentence.start, "end": s.end - sentence.start, "kind": s.kind}
        for s in spans
        if s.section == sentence.section and s.start >= sentence.start and s.end <= sentence.end
    ]
    return {"text": sentence.text, "spans": rel}


def pair_snapshot(*, session: Session, need: Need, result: Result) -> tuple[float, dict[str, Any]]:
    """The pair's score (as the need's ranking gives it) and a JSON-ready explanation, for a pairing."""
    nd, rd = need_document(need), result_document(result)
    engine = matching_engine()
    if engine is None:  # matching off: the structured fit and shared words still say something
        fit = assess(nd.profile, rd.profile)
        return 0.0, {
            "engine": False,
            "shared_terms": shared_terms(nd.text, rd.text),
            "reasons_for": [f.reason for f in fit if f.verdict == "for"],
            "reasons_against": [f.reason for f in fit if f.verdict == "against"],
            "notes": [f.reason for f in fit if f.verdict == "neutral"],
        }
    try:
        hit: Match | None = engine.score_pair(need=nd, result=rd.id)
    except KeyError:  # the result is not listed (draft, pending): no ranking to take a score from
        hit = None
    ex = hit.explanation if hit and hit.explanation else engine.explain(need=nd, result=rd, related=False)
    score = hit.score if hit else 0.0
    return score, {
        "engine": True,
        "score": score,
        "semantic": hit.breakdown.semantic if hit else 0.0,
        "lexical": hit.breakdown.lexical if hit else 0.0,
        "fit_points": dict(hit.breakdown.fit) if hit else {},
        "shared_terms": list(ex.shared_terms),
        "related_terms": [[t.need_term, t.result_term] for t in ex.related_terms],
        "reasons_for": list(ex.reasons_for),
        "reasons_against": list(ex.reasons_against),
        "notes": list(ex.notes),
        "need_sentence": _quote_dict(ex.need_sentence, ex.need_highlights),
        "result_sentence": _quote_dict(ex.result_sentence, ex.result_highlights),
    }


def live_score(*, need: Need, result: Result) -> float | None:
    """The pair's score now (the one its snapshot took at proposal time); None if either is unlisted."""
    engine = matching_engine()
    if engine is None or need.status != PostingStatus.published or result.status != PostingStatus.published:
        return None
    try:
        return engine.score_pair(need=need_document(need), result=result_document(result).id).score
    except KeyError:  # published a moment ago and not yet in the index
        return None
