"""`make eval`: both dev sets, every mode, into docs/eval.md: python -m embeddings.eval_suite --help.

Each row is one `python -m embeddings.evaluate` command line (printed beside its figures, so any
row can be re-run alone); Δ is against the keyword channel alone on the same set. The adapted rows
fine-tune the model on that set's corpus texts first (cached by corpus hash, so a re-run trains
nothing). The "product as shipped" row runs what the app runs, with `PRODUCT_ARGS`.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from embeddings.evaluate import run
from embeddings.report import replace_block, table

SETS = {
    "paper": ("corpus_paper_problem.jsonl", "queries_paper_problem_dev.jsonl", "qrels_paper_problem_dev.tsv"),
    "patent": ("corpus_patent.jsonl", "queries_patent_problem_dev.jsonl", "qrels_patent_problem_dev.tsv"),
}
# What the product ships, as evaluate options (the encoder, its prefixes, the fusion): hybrid with
# `query: ` on both sides, over the encoder adapted to the corpus's own texts, as `make adapt` does
# on the platform's postings (it helped on both dev sets; asymmetric prefixes helped only one).
PRODUCT_ARGS: list[str] = ["--mode", "hybrid", "--adapt"]
ADAPTED_ASYMMETRIC = ["--adapt", "--prefixes", "asymmetric", "--passage-prefix", "1"]
ROWS: list[tuple[str, list[str]]] = [
    ("lexical", ["--mode", "lexical"]),
    ("dense", ["--mode", "dense"]),
    ("hybrid", ["--mode", "hybrid"]),
    ("dense, asymmetric prefixes", ["--mode", "dense", "--prefixes", "asymmetric"]),
    ("hybrid, asymmetric prefixes", ["--mode", "hybrid", "--prefixes", "asymmetric"]),
    ("dense, adapted encoder", ["--mode", "dense", "--adapt"]),
    ("hybrid, adapted encoder", ["--mode", "hybrid", "--adapt"]),
    ("dense, adapted with asymmetric prefixes", ["--mode", "dense", *ADAPTED_ASYMMETRIC]),
    ("hybrid, adapted with asymmetric prefixes", ["--mode", "hybrid", *ADAPTED_ASYMMETRIC]),
    ("product as shipped", PRODUCT_ARGS),
]
HEADERS = [
    "set",
    "mode",
    "nDCG@10",
    "Δ vs lexical",
    "R@10",
    "MRR@10",
    "command (add --corpus/--queries/--qrels)",
]


def _row(name: str, label: str, args: list[str], result: dict[str, Any], lexical: float) -> list[object]:
    ndcg = float(result["ndcg@10"])
    delta = f"{ndcg - lexical:+.4f}" if label != "lexical" else "–"
    return [name, label, f"{ndcg:.4f}", delta, result["recall@10"], result["mrr@10"], f"`{' '.join(args)}`"]


def suite(*, eval_dir: Path, sets: list[str], extra: list[str]) -> list[list[object]]:
    """Every row of ROWS on every named set; the table's rows."""
    rows: list[list[object]] = []
    for name in sets:
        corpus, queries, qrels = (str(eval_dir / f) for f in SETS[name])
        files = ["--corpus", corpus, "--queries", queries, "--qrels", qrels]
        lexical = 0.0
        for label, args in ROWS:
            result = run([*files, *args, *extra], echo=False)[0]
            lexical = float(result["ndcg@10"]) if label == "lexical" else lexical
            rows.append(_row(name, label, args, result, lexical))
            print(" | ".join(str(c) for c in rows[-1]), flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--eval-dir", type=Path, default=Path("../shared/eval"))
    p.add_argument("--sets", nargs="+", choices=sorted(SETS), default=sorted(SETS))
    p.add_argument("--write", type=Path, help="put the table into this Markdown file (block eval-suite)")
    args, extra = p.parse_known_args(argv)
    rows = suite(eval_dir=args.eval_dir, sets=args.sets, extra=extra)
    if args.write:
        text = (
            f"Generated {date.today().isoformat()} by `python -m embeddings.eval_suite "
            f"{' '.join(argv if argv is not None else sys.argv[1:])}` (`make eval`):\n\n"
            + table(HEADERS, rows)
        )
        replace_block(args.write, "eval-suite", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
