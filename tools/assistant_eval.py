"""Does the writing assistant help? `python -m tools.assistant_eval` on the demo data.

For every demo need that has a result written to solve it (`solves` in backend/demo/data), the
need is matched as a draft twice: as written, and with the assistant's first three suggested
terms added to its keywords (as a user clicking them would). The solving result's rank and score
are compared. The engine runs in memory over the demo results with the project's encoder.
"""

import argparse
import json
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backend.matching.assistant import suggest_terms
from embeddings.encoder import Encoder, load_encoder
from embeddings.engine import MatchEngine
from embeddings.types import Document

ROOT = Path(__file__).resolve().parent.parent
DEMO = sorted((ROOT / "backend" / "demo" / "data").glob("part_*.json"))
MODEL = ROOT / "data" / "models" / "multilingual-e5-small"
CLICKED = 3  # suggestions a user adds
RANKED = 50


@dataclass(frozen=True)
class Case:
    """One need × its solving result: rank (None beyond RANKED) and score before and after."""

    need: str
    result: str
    added: tuple[str, ...]
    rank_before: int | None
    rank_after: int | None
    score_before: float
    score_after: float


def _demo() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    needs: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    for path in DEMO:
        data = json.loads(path.read_text(encoding="utf-8"))
        needs += data["needs"]
        results += data["results"]
    return needs, results


def _need_doc(need: dict[str, Any], keywords: list[str]) -> Document:
    return Document.need(
        id=0,
        title=need["title"],
        problem=need["problem"],
        indicators=need.get("indicators", ""),
        keywords=keywords,
    )


def _place(engine: MatchEngine, draft: Document, result_id: int) -> tuple[int | None, float]:
    hits = engine.match_need(need=draft, k=RANKED)
    rank = next((i + 1 for i, h in enumerate(hits) if h.id == result_id), None)
    return rank, engine.score_pair(need=draft, result=result_id).score


def evaluate(encoder: Encoder) -> list[Case]:
    """Every (demo need, solving result) pair, matched before and after the suggestions."""
    needs, results = _demo()
    docs = [
        Document.result(
            id=i + 1,
            title=r["title"],
            summary=r["summary"],
            advantages=r.get("advantages", ""),
            keywords=r.get("keywords", []),
        )
        for i, r in enumerate(results)
    ]
    engine = MatchEngine(encoder=encoder, index_dir=None)
    engine.sync(side="result", docs=docs)
    by_key = {n["key"]: n for n in needs}
    cases: list[Case] = []
    for i, r in enumerate(results):
        for need_key in r.get("solves", []):
            need = by_key[need_key]
            before = _need_doc(need, list(need.get("keywords", [])))
            terms, _ = suggest_terms(engine, before, visible=set)  # results are all public
            added = tuple(t.term for t in terms[:CLICKED])
            after = _need_doc(need, [*need.get("keywords", []), *added])
            rank_b, score_b = _place(engine, before, i + 1)
            rank_a, score_a = _place(engine, after, i + 1)
            cases.append(Case(need["title"], r["title"], added, rank_b, rank_a, score_b, score_a))
    return cases


def summary(cases: list[Case]) -> dict[str, float]:
    """Shares and means over the cases (a rank beyond RANKED counts as RANKED + 1)."""

    def rank(r: int | None) -> int:
        return r if r is not None else RANKED + 1

    return {
        "pairs": len(cases),
        "rank_up": sum(rank(c.rank_after) < rank(c.rank_before) for c in cases) / len(cases),
        "rank_down": sum(rank(c.rank_after) > rank(c.rank_before) for c in cases) / len(cases),
        "first_before": sum(c.rank_before == 1 for c in cases) / len(cases),
        "first_after": sum(c.rank_after == 1 for c in cases) / len(cases),
        "score_before": statistics.mean(c.score_before for c in cases),
        "score_after": statistics.mean(c.score_after for c in cases),
        "score_up": sum(c.score_after > c.score_before for c in cases) / len(cases),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model-dir", type=Path, default=MODEL)
    parser.add_argument("--cases", action="store_true", help="print every pair")
    args = parser.parse_args()
    cases = evaluate(load_encoder(args.model_dir))
    if args.cases:
        for c in cases:
            print(
                f"{c.rank_before}→{c.rank_after}  {c.score_before:.1f}→{c.score_after:.1f}  {c.need} | +{'、'.join(c.added)}"
            )
    print(json.dumps({k: round(v, 4) for k, v in summary(cases).items()}, ensure_ascii=False))


if __name__ == "__main__":
    main()
