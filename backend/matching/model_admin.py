"""Adapting the encoder to the platform's own postings, and which model the engine runs.

`python -m backend.matching.cli model adapt|rollback|status` (`make adapt`). Adapt: the published
postings (titles and texts) and the judged pairings (approved, negotiating, signed: positive;
rejected: negative) train a copy of the base model (embeddings.adapt); a held-out share of the
postings checks the new model against the one running now (embeddings.adapt_check), and the new
one is activated only if it wins. The engine re-encodes every posting under the new model id at
its next start. Rollback returns to the previously active model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import bindparam, text
from sqlmodel import Session

from backend.matching.documents import need_document, result_document
from backend.matching.published import listed_documents
from backend.postings.need_model import Need
from backend.postings.result_model import Result
from backend.vocab import PairingStatus
from embeddings import adapt_check
from embeddings.adapt import adapt, run_key
from embeddings.adapt_active import ActiveState, activate, active_model_dir, read_state, rollback
from embeddings.adapt_pairs import Labelled, Text
from embeddings.adapt_train import TrainConfig
from embeddings.encoder import Encoder
from embeddings.types import Document

POSITIVE = (PairingStatus.approved, PairingStatus.negotiating, PairingStatus.signed)


@dataclass(frozen=True)
class AdaptOutcome:
    """One `model adapt` run: the new directory, both check scores and whether it went live."""

    model_dir: Path
    model_id: str
    old: adapt_check.CheckScore
    new: adapt_check.CheckScore
    activated: bool
    train_seconds: float


def _text(doc: Document) -> Text:
    body = "\n".join(t for name, t in doc.sections() if name != "title")
    return Text(body=body, title=doc.title.strip())


def platform_texts(*, session: Session) -> list[Text]:
    """Title and text of every published need and result, in id order per side."""
    needs, results = listed_documents(session)
    return [_text(d) for d in sorted(needs, key=lambda d: d.id) + sorted(results, key=lambda d: d.id)]


def judged_pairs(*, session: Session) -> list[Labelled]:
    """Pairings an operator or the parties decided on, as (need text, result text, positive)."""
    # The pairing table by name: importing backend.pairings here would make matching and
    # pairings import each other (pairings already asks matching for scores).
    query = text(
        "SELECT need_id, result_id, status FROM pairing WHERE status IN :statuses ORDER BY id"
    ).bindparams(bindparam("statuses", expanding=True))
    statuses = [s.value for s in (*POSITIVE, PairingStatus.rejected)]
    out: list[Labelled] = []
    for need_id, result_id, status in session.connection().execute(query, {"statuses": statuses}):
        need, result = session.get(Need, need_id), session.get(Result, result_id)
        if need is not None and result is not None:
            positive = status in {s.value for s in POSITIVE}
            out.append(
                Labelled(
                    need=need_document(need).text, result=result_document(result).text, positive=positive
                )
            )
    return out


def adapt_platform(
    *, session: Session, base: Path, config: TrainConfig, log: Callable[[str], None] = print
) -> AdaptOutcome:
    """Train an adapted model on the platform's postings; activate it if it wins the check split."""
    texts = platform_texts(session=session)
    the_split = adapt_check.split(texts, seed=config.seed)
    held = [p.query for p in the_split.check]  # a sentence of each held-out posting
    labelled = [
        item
        for item in judged_pairs(session=session)
        if not any(h in item.need or h in item.result for h in held)  # nothing of the check split
    ]
    key = run_key(base_dir=base, texts=the_split.train, labelled=labelled, config=config)
    out = base.parent / f"{base.name}-adapted-{key}"
    marker = adapt(
        base_dir=base, texts=the_split.train, labelled=labelled, out_dir=out, config=config, log=log
    )
    current = active_model_dir(base)
    old = adapt_check.score(Encoder(current), the_split)
    new = adapt_check.score(Encoder(out), the_split)
    log(f"check split ({new.queries} held-out postings): now MRR@10 {old.mrr} R@10 {old.recall}")
    log(f"check split: adapted MRR@10 {new.mrr} R@10 {new.recall}")
    won = adapt_check.wins(new, old)
    if won:
        activate(base=base, model_dir=out)
    return AdaptOutcome(out, str(marker["model_id"]), old, new, won, float(marker["train"]["seconds"]))


def roll_back(*, base: Path) -> ActiveState:
    """Return to the previously active model."""
    return rollback(base=base)


def state(*, base: Path) -> tuple[ActiveState, Path]:
    """The pointer's state and the directory the engine will load."""
    return read_state(base), active_model_dir(base)
