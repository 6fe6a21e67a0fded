"""Dev-set files and retrieval metrics: JSON-lines corpora and queries, TREC qrels, nDCG / recall / MRR."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path
from typing import Any


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Rows of a JSON-lines file."""
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    """TREC qrels: qid 0 docid grade."""
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 4:
            out[parts[0]][parts[2]] = int(parts[3])
    return out


def metrics(
    *, ranked: dict[str, list[str]], qrels: dict[str, dict[str, int]], k: int = 10
) -> dict[str, float]:
    """Mean nDCG@k, Recall@k and MRR@k over queries with judgements."""
    nd, rc, rr = [], [], []
    for qid, rel in qrels.items():
        top = ranked.get(qid, [])[:k]
        dcg = sum((2 ** rel.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(top))
        ideal = sorted(rel.values(), reverse=True)[:k]
        idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
        nd.append(dcg / idcg if idcg else 0.0)
        hits = [d for d in top if rel.get(d, 0) > 0]
        rc.append(len(hits) / max(1, sum(1 for g in rel.values() if g > 0)))
        first = next((i for i, d in enumerate(top) if rel.get(d, 0) > 0), None)
        rr.append(1.0 / (first + 1) if first is not None else 0.0)
    n = max(1, len(nd))
    return {f"ndcg@{k}": sum(nd) / n, f"recall@{k}": sum(rc) / n, f"mrr@{k}": sum(rr) / n}
