"""Where is a near-duplicate? `python -m tools.duplicates_eval` on the demo data.

Every demo need and result is indexed on its side (as the running site indexes published
postings). Then:
- distinct pairs: every posting is checked against every other posting of its side, as the
  duplicate check does (`MatchEngine.similar`): no distinct pair may reach the threshold;
- planted near-duplicates: every posting is re-typed four ways (small edits, sentences in another
  order, a number changed, all three at once) and checked as a new draft: each must find the
  posting it copies at or above the threshold.
"""

import argparse
import json
import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from embeddings.duplicates import THRESHOLD, Similar
from embeddings.encoder import Encoder, load_encoder
from embeddings.engine import MatchEngine
from embeddings.types import Document, Side

ROOT = Path(__file__).resolve().parent.parent
DEMO = sorted((ROOT / "backend" / "demo" / "data").glob("part_*.json"))
MODEL = ROOT / "data" / "models" / "multilingual-e5-small"

# What a writer changes when they type a posting again: words, not meaning.
RETYPED = {
    "我们": "我司",
    "希望": "想要",
    "目前": "现在",
    "进行": "开展",
    "能够": "可以",
    "企业": "公司",
    "需要": "需",
    "已经": "已",
    "实现": "做到",
    "，": ",",
}


@dataclass(frozen=True)
class Planted:
    """One re-typed posting and how alike the check finds it to the posting it copies."""

    side: Side
    way: str
    title: str
    similarity: float
    dense: float  # the embedding cosine alone
    found: bool  # the copied posting is among the check's hits


def _demo() -> dict[Side, list[dict[str, Any]]]:
    out: dict[Side, list[dict[str, Any]]] = {"need": [], "result": []}
    for path in DEMO:
        data = json.loads(path.read_text(encoding="utf-8"))
        out["need"] += data["needs"]
        out["result"] += data["results"]
    return out


def document(side: Side, doc_id: int, row: dict[str, Any]) -> Document:
    """A demo row as the engine's document."""
    if side == "need":
        return Document.need(
            id=doc_id,
            title=row["title"],
            problem=row["problem"],
            indicators=row.get("indicators", ""),
            keywords=row.get("keywords", []),
        )
    return Document.result(
        id=doc_id,
        title=row["title"],
        summary=row["summary"],
        advantages=row.get("advantages", ""),
        keywords=row.get("keywords", []),
    )


def edited(text: str) -> str:
    """Small edits: other words for a few common ones, other punctuation."""
    for old, new in RETYPED.items():
        text = text.replace(old, new)
    return text


def reordered(text: str) -> str:
    """The same sentences in another order (the last first)."""
    parts = [p for p in re.split(r"(?<=[。；！？])", text) if p]
    return "".join(parts[-1:] + parts[:-1]) if len(parts) > 1 else text


def renumbered(text: str) -> str:
    """The first number changed (45 → 50)."""
    return re.sub(r"\d+", lambda m: str(int(m.group()) + 5), text, count=1)


def all_three(text: str) -> str:
    """Small edits, another order and a changed number at once."""
    return renumbered(reordered(edited(text)))


WAYS: dict[str, Callable[[str], str]] = {
    "small_edits": edited,
    "reordered": reordered,
    "number_changed": renumbered,
    "all_three": all_three,
}


def planted_copy(doc: Document, way: str) -> Document:
    """`doc` re-typed one `way`, as a new draft (id -1)."""
    change = WAYS[way]
    return Document(-1, doc.side, doc.title, change(doc.body), change(doc.details), doc.keywords)


def build(encoder: Encoder) -> tuple[MatchEngine, dict[Side, list[Document]]]:
    """An in-memory engine over the demo postings, and the documents of each side."""
    engine = MatchEngine(encoder=encoder, index_dir=None)
    docs: dict[Side, list[Document]] = {}
    for side, rows in _demo().items():
        docs[side] = [document(side, i + 1, row) for i, row in enumerate(rows)]
        engine.sync(side=side, docs=docs[side])
    return engine, docs


def distinct_pairs(engine: MatchEngine, docs: dict[Side, list[Document]]) -> dict[Side, list[Similar]]:
    """Every distinct pair of demo postings, per side, the most alike first."""
    out: dict[Side, list[Similar]] = {}
    for side, side_docs in docs.items():
        pairs: dict[tuple[int, int], Similar] = {}
        for doc in side_docs:
            for hit in engine.similar(doc=doc, k=len(side_docs)):
                pairs[(min(doc.id, hit.id), max(doc.id, hit.id))] = hit
        out[side] = sorted(pairs.values(), key=lambda h: -h.similarity)
    return out


def planted(engine: MatchEngine, docs: dict[Side, list[Document]], every: int = 1) -> list[Planted]:
    """Every `every`-th posting re-typed each way, checked as a new draft against the index."""
    out: list[Planted] = []
    for side, side_docs in docs.items():
        for doc in side_docs[::every]:
            for way in WAYS:
                hits = engine.similar(doc=planted_copy(doc, way), k=5)
                mine = next((h for h in hits if h.id == doc.id), None)
                sim, dense = (mine.similarity, mine.dense) if mine else (0.0, 0.0)
                out.append(Planted(side, way, doc.title, sim, dense, mine is not None))
    return out


def summary(distinct: dict[Side, list[Similar]], copies: list[Planted]) -> dict[str, Any]:
    """The two distributions side by side, and what the threshold does with them."""
    figures: dict[str, Any] = {"threshold": THRESHOLD}
    for side, pairs in distinct.items():
        scores = [p.similarity for p in pairs]
        figures[f"{side}_pair_dense_max"] = max(p.dense for p in pairs)  # meaning alone: too close
        figures[f"{side}_pair_lexical_max"] = max(p.lexical for p in pairs)
        figures[f"{side}_pairs"] = len(scores)
        figures[f"{side}_pair_max"] = round(scores[0], 4)
        figures[f"{side}_pair_p99"] = round(scores[len(scores) // 100], 4)
        figures[f"{side}_pair_median"] = round(statistics.median(scores), 4)
        figures[f"{side}_false_alarms"] = sum(s >= THRESHOLD for s in scores)
    for way in WAYS:
        sims = [c.similarity for c in copies if c.way == way]
        figures[f"planted_{way}_min"] = round(min(sims), 4)
        figures[f"planted_{way}_median"] = round(statistics.median(sims), 4)
    figures["planted_dense_min"] = min(c.dense for c in copies)
    figures["planted"] = len(copies)
    figures["planted_flagged"] = sum(c.similarity >= THRESHOLD for c in copies)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model-dir", type=Path, default=MODEL)
    args = parser.parse_args()
    engine, docs = build(load_encoder(args.model_dir))
    figures = summary(distinct_pairs(engine, docs), planted(engine, docs))
    print(json.dumps(figures, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
