"""The process-wide matching engine: start-up from the stored vectors, and the change feed.

Every committed write of a posting records, in its own transaction, the posting's vector (encoded
here, once) and a row of the index change feed (backend/matching/feed.py). Each process's index
follows that feed (backend/matching/follower.py); the process that wrote applies its own entries
right after the commit, so a write is visible to the next query in the same process at once.
"""

import logging
import threading
import time

from sqlalchemy import Engine
from sqlmodel import Session

from backend import engine as process_engine
from backend.config import get_settings
from backend.db import get_engine
from backend.matching.feed import record
from backend.matching.follower import Entry, FeedFollower, apply_entries
from backend.matching.learn import active_reranker
from backend.matching.published import document_if_listed, listed_documents, published_documents
from backend.matching.vectors import delete_vector, ensure_vectors, load_vectors, store_vector
from backend.postings.changes import ChangeListener, Mark, set_change_listener
from embeddings.encoder import load_encoder
from embeddings.engine import MatchEngine, SyncReport
from embeddings.ranking import RankConfig
from embeddings.types import SIDES, Document, FloatArray, Side

__all__ = ["build_engine", "document_if_listed", "listed_documents", "start_matching", "sync_engine"]

log = logging.getLogger("kematch.matching")
_lock = threading.Lock()
_follower: FeedFollower | None = None
STORE_BATCH = 500  # vectors stored per transaction when start-up encodes what was missing


def build_engine() -> MatchEngine:
    """A new engine over the configured model and index directory (bad index files are rebuilt)."""
    settings = get_settings()
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    config = RankConfig(reranker=active_reranker())  # `make learn`'s model, when it activated one
    return MatchEngine(
        encoder=load_encoder(settings.active_model_dir), index_dir=settings.index_dir, config=config
    )


def sync_engine(engine: MatchEngine, db: Engine | None = None, *, learn: bool = True) -> list[SyncReport]:
    """Bring both sides of the index in line with the database (`db`, else the configured one)
    from the stored vectors; encode (and store) only postings whose vector is missing or stale.
    `learn=False` leaves the explanations' vocabulary to `engine.learn_vocabulary()`."""
    return [_sync_side(engine, side, db or get_engine(), learn) for side in SIDES]


def _sync_side(engine: MatchEngine, side: Side, db: Engine, learn: bool) -> SyncReport:
    model_id = engine.encoder.model_id
    with Session(db) as session:
        docs = published_documents(session, side)
        hashes = {d.id: d.content_hash for d in docs}
        vectors: dict[int, FloatArray] = {
            pid: vec
            for pid, content_hash, vec in load_vectors(session=session, side=side, model_id=model_id)
            if hashes.get(pid) == content_hash
        }
    report = engine.sync(side=side, docs=docs, vectors=vectors, learn_vocabulary=learn)
    _store_missing(engine, [d for d in docs if d.id not in vectors], db)
    return report


def _store_missing(engine: MatchEngine, docs: list[Document], db: Engine) -> None:
    """Store the vectors the engine holds (loaded from its files or just encoded) that the
    database lacked, and tell the other workers: a posting without a vector may never have
    reached the feed (an import whose process stopped before encoding it)."""
    for start in range(0, len(docs), STORE_BATCH):
        with Session(db) as session:
            stored: list[tuple[str, int, str]] = []
            for doc in docs[start : start + STORE_BATCH]:
                vec = engine.vector(side=doc.side, doc_id=doc.id, content_hash=doc.content_hash)
                if vec is not None:
                    store_vector(session=session, doc=doc, model_id=engine.encoder.model_id, vector=vec)
                    stored.append((doc.side, doc.id, "upsert"))
            record(session=session, changes=stored)
            session.commit()


def prepare_changes(session: Session, marks: list[Mark]) -> list[Entry]:
    """Inside the committing transaction: store the marked postings' vectors (encoding only new
    texts, in one batch), record the feed's changes, and return the entries to apply."""
    engine = process_engine.current()
    docs = {(side, pid): document_if_listed(session, side, pid) for side, pid in marks}
    vectors: dict[tuple[str, int], FloatArray] = {}
    for (side, pid), doc in docs.items():
        if doc is None:
            delete_vector(session=session, side=side, posting_id=pid)
    if engine is not None:  # a process without the model leaves the encoding to the followers
        for side in SIDES:
            listed = [d for (s, _), d in docs.items() if s == side and d is not None]
            if listed:
                found = ensure_vectors(session=session, engine=engine, docs=listed)
                vectors.update(((side, i), v) for i, v in found.items())
    record(
        session=session,
        changes=[(s, pid, "remove" if d is None else "upsert") for (s, pid), d in docs.items()],
    )
    return [(s, pid, d, vectors.get((s, pid))) for (s, pid), d in docs.items()]


def apply_changes(entries: list[Entry]) -> None:
    """After the commit: apply this transaction's own feed entries to the process's index."""
    engine = process_engine.current()
    if engine is None:
        return
    try:
        follower = _follower
        if follower is not None and follower.engine is engine:
            follower.apply_direct(entries)
        else:
            apply_entries(engine, entries)
    except Exception:
        # The write is committed: failing the request now (disk full while saving the index
        # files, say) would invite a duplicate. The index is a cache of the database: bring the
        # one in memory back in line; the files follow at the next save or start-up.
        log.exception("index update failed; re-syncing the index with the database")
        try:
            sync_engine(engine)
        except Exception:
            log.exception("index re-sync failed; the index catches up at the next start")


_FOLLOW = ChangeListener(prepare=prepare_changes, apply=apply_changes)


def start_matching() -> None:
    """Record every write in the feed; with matching on, load the engine from the stored vectors
    and follow the feed from where it stood before the load (changes during it are replayed)."""
    global _follower
    set_change_listener(_FOLLOW)
    if not get_settings().matching_enabled:
        return
    with _lock:
        if process_engine.current() is None:
            engine = build_engine()
            follower = FeedFollower.at_feed_end(engine=engine, db=get_engine())
            for report in sync_engine(engine, learn=False):
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
            _follower = follower
            follower.start()
            # Minutes of segmenting on a big site: learned while it serves (explanations only).
            threading.Thread(target=engine.learn_vocabulary, name="kematch-vocabulary", daemon=True).start()


def stop_following() -> None:
    """Stop this process's feed follower, if one runs."""
    global _follower
    if _follower is not None:
        _follower.stop()
        _follower = None


def use_engine(engine: MatchEngine | None) -> None:
    """Install an engine (tests, CLI) that applies this process's own writes (no follower thread)."""
    if _follower is not None and _follower.engine is not engine:
        stop_following()
    process_engine.install(engine)
    set_change_listener(_FOLLOW)
