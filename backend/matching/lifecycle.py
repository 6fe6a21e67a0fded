"""The process-wide matching engine: start-up, keeping it in line with the database."""

import logging
import threading
import time
from typing import Any

from sqlmodel import Session, select

from backend import engine as process_engine
from backend.config import get_settings
from backend.db import get_engine
from backend.matching.documents import need_document, result_document
from backend.postings.changes import ChangeListener, Mark, set_change_listener
from backend.postings.need_model import Need
from backend.postings.result_model import Result
from backend.vocab import PostingStatus
from embeddings.encoder import load_encoder
from embeddings.engine import MatchEngine, SyncReport
from embeddings.types import Document

log = logging.getLogger("kematch.matching")
_lock = threading.Lock()
# (side, id, document or None to remove)
Change = tuple[str, int, Document | None]


def listed_documents(session: Session) -> tuple[list, list]:  # type: ignore[type-arg]
    """Documents of every published need and result: exactly what the index must hold."""
    needs = session.exec(select(Need).where(Need.status == PostingStatus.published))
    results = session.exec(select(Result).where(Result.status == PostingStatus.published))
    return [need_document(n) for n in needs], [result_document(r) for r in results]


def build_engine() -> MatchEngine:
    """A new engine over the configured model and index directory (bad index files are rebuilt)."""
    settings = get_settings()
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    return MatchEngine(encoder=load_encoder(settings.model_dir), index_dir=settings.index_dir)


def sync_engine(engine: MatchEngine) -> list[SyncReport]:
    """Bring both sides of the index in line with the database; re-encodes only what changed."""
    with Session(get_engine()) as session:
        needs, results = listed_documents(session)
    return [engine.sync(side="need", docs=needs), engine.sync(side="result", docs=results)]


def document_if_listed(session: Any, side: str, item_id: int) -> Document | None:
    """The engine document of a published posting; None if it is gone, a draft or closed."""
    if side == "need":
        need = session.get(Need, item_id)
        return need_document(need) if need and need.status == PostingStatus.published else None
    result = session.get(Result, item_id)
    return result_document(result) if result and result.status == PostingStatus.published else None


def prepare_changes(session: Session, marks: list[Mark]) -> list[Change]:
    """Inside the committing transaction: the documents the marked postings now have."""
    return [(side, i, document_if_listed(session, side, i)) for side, i in marks]


def apply_changes(changes: list[Change]) -> None:
    """Upsert or remove the postings a committed transaction changed."""
    engine = process_engine.current()
    if engine is None:
        return
    try:
        for side, item_id, document in changes:
            if document is None:
                engine.remove(side=side, doc_id=item_id)  # type: ignore[arg-type]
            else:
                engine.upsert(document)
    except Exception:
        # The write is committed: failing the request now (disk full while saving the index
        # files, say) would invite a duplicate. The index is a cache of the database: bring the
        # one in memory back in line; the files follow at the next save or start-up.
        log.exception("index update failed; re-syncing the index with the database")
        try:
            sync_engine(engine)
        except Exception:
            log.exception("index re-sync failed; the index catches up at the next start")


def start_matching() -> None:
    """Load the engine, sync it with the database, and follow every later write."""
    if not get_settings().matching_enabled:
        return
    with _lock:
        if process_engine.current() is None:
            engine = build_engine()
            for report in sync_engine(engine):
                log.info(
                    "index %s: %d encoded, %d removed, %d unchanged",
                    report.side,
                    report.encoded,
                    report.removed,
                    report.unchanged,
                )
            started = time.perf_counter()
            engine.warm_up()  # the first request after start-up is not the slow one
            log.info("engine warmed up in %.1f s", time.perf_counter() - started)
            process_engine.install(engine)
        set_change_listener(_FOLLOW)


_FOLLOW = ChangeListener(prepare=prepare_changes, apply=apply_changes)


def use_engine(engine: MatchEngine | None) -> None:
    """Install an engine (tests, CLI) and follow writes with it."""
    process_engine.install(engine)
    set_change_listener(_FOLLOW if engine is not None else None)
