"""Every worker's index follows the change feed: apply each change after the last one applied.

Applying a change reads the posting as the database holds it now (its document and stored
vector) and upserts or removes it, so replaying a change, or applying changes late, converges
to the database's state. Nothing is encoded unless a posting's vector was never stored (written
by a process without the model), and then it is stored for every other worker.

A background thread polls (SQLite: every `interval` seconds) or waits for PostgreSQL's NOTIFY,
with the same poll as a fallback when the notification connection is lost.
"""

import logging
import threading
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from backend.matching.feed import CHANNEL, changes_after, last_seq
from backend.matching.published import document_if_listed
from backend.matching.vectors import ensure_vectors
from embeddings.engine import MatchEngine
from embeddings.types import Document, FloatArray

log = logging.getLogger("kematch.matching.feed")
POLL_INTERVAL = 0.5  # seconds between polls of the feed (the bound on another worker's lag)
STOP_CHECK = 0.5  # longest a LISTENing follower waits before looking whether it was stopped

# (side, posting id, document or None to remove, its vector or None)
Entry = tuple[str, int, Document | None, FloatArray | None]


def apply_entries(engine: MatchEngine, entries: list[Entry]) -> None:
    """Upsert (with the given vector: nothing is encoded) or remove each posting."""
    for side, posting_id, doc, vector in entries:
        if doc is None:
            engine.remove(side=side, doc_id=posting_id)  # type: ignore[arg-type]
        else:
            engine.upsert(doc, vector=vector)


def read_entries(*, session: Session, engine: MatchEngine, postings: list[tuple[str, int]]) -> list[Entry]:
    """The postings as the database holds them now: document and vector, or None if unlisted."""
    docs = {(side, pid): document_if_listed(session, side, pid) for side, pid in postings}
    vectors: dict[tuple[str, int], FloatArray] = {}
    for side in ("need", "result"):
        listed = [d for (s, _), d in docs.items() if s == side and d is not None]
        found = ensure_vectors(session=session, engine=engine, docs=listed) if listed else {}
        vectors.update(((side, i), v) for i, v in found.items())
    return [(side, pid, doc, vectors.get((side, pid))) for (side, pid), doc in docs.items()]


class FeedFollower:
    """Applies the feed's changes after `position` to `engine`; `catch_up` is safe from any thread."""

    def __init__(self, *, engine: MatchEngine, db: Engine, position: int, interval: float = POLL_INTERVAL):
        self.engine, self.db, self.interval = engine, db, interval
        self.position = position
        self._lock = threading.Lock()  # one catch-up (and one direct apply) at a time
        self._stop = threading.Event()
        self.following = threading.Event()  # set once the thread has caught up (and LISTENs, if it can)
        self._thread: threading.Thread | None = None

    @classmethod
    def at_feed_end(
        cls, *, engine: MatchEngine, db: Engine, interval: float = POLL_INTERVAL
    ) -> "FeedFollower":
        """A follower that starts after the newest change (the engine was just loaded)."""
        with Session(db) as session:
            return cls(engine=engine, db=db, position=last_seq(session=session), interval=interval)

    def apply_direct(self, entries: list[Entry]) -> None:
        """Apply entries this process prepared inside its own committed transaction."""
        with self._lock:
            apply_entries(self.engine, entries)

    def catch_up(self) -> int:
        """Apply every change after `position`; the number of changes read."""
        read = 0
        with self._lock, Session(self.db, expire_on_commit=False) as session:
            while changes := changes_after(session=session, seq=self.position):
                postings = list(dict.fromkeys((c.side, c.posting_id) for c in changes))
                entries = read_entries(session=session, engine=self.engine, postings=postings)
                session.commit()  # vectors it had to encode are stored for every worker
                apply_entries(self.engine, entries)
                self.position, read = changes[-1].seq, read + len(changes)
        return read

    def start(self) -> None:
        """Follow the feed on a daemon thread until `stop`."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="kematch-feed", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop the thread (it finishes the catch-up it is in)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _run(self) -> None:
        listener: Any = None
        while not self._stop.is_set():
            if listener is None and self.db.dialect.name == "postgresql":
                listener = self._listen()  # before catching up: no commit falls between the two
            try:
                self.catch_up()
                self.following.set()
            except Exception:
                log.exception("applying the index change feed failed; retrying")
            listener = self._wait(listener)
        if listener is not None:
            listener.close()

    def _listen(self) -> Any:
        import psycopg

        url = self.db.url.set(drivername="postgresql").render_as_string(hide_password=False)
        try:
            conn = psycopg.connect(url, autocommit=True, connect_timeout=5)
            conn.execute(f"LISTEN {CHANNEL}")
            return conn
        except Exception:
            log.warning("cannot LISTEN for index changes; polling every %.1f s", self.interval)
            return None

    def _wait(self, listener: Any) -> Any:
        """Until a notification, the poll interval, or `stop`; the listener still usable (or None)."""
        if listener is None:
            self._stop.wait(self.interval)
            return None
        try:
            waited = 0.0
            while waited < self.interval and not self._stop.is_set():  # slices: `stop` is heard
                step = min(STOP_CHECK, self.interval - waited)
                if any(True for _ in listener.notifies(timeout=step, stop_after=1)):
                    break
                waited += step
            return listener
        except Exception:
            log.warning("index change notifications lost; polling until they are back")
            listener.close()
            return None
