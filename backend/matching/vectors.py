"""The stored vectors: one row per published posting, for the model that encoded its text.

Written by the worker that wrote the posting, inside the posting's transaction, so that no other
worker (nor a restart) encodes the same text again.
"""

from collections.abc import Iterator

import numpy as np
from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from backend.db import utcnow
from backend.matching.feed_models import PostingVector
from embeddings.engine import MatchEngine
from embeddings.types import Document, FloatArray

LOAD_BATCH = 5_000  # rows fetched per round trip when a worker loads every vector at start-up


def to_bytes(vector: FloatArray) -> bytes:
    """A vector as the column stores it: float32, little-endian."""
    return np.asarray(vector, dtype="<f4").tobytes()


def from_bytes(data: bytes) -> FloatArray:
    """The stored bytes back as a float32 vector."""
    return np.frombuffer(data, dtype="<f4").astype(np.float32)


def stored_vector(*, session: Session, doc: Document, model_id: str) -> FloatArray | None:
    """The stored vector of `doc`'s current text by `model_id`; None if missing or stale."""
    # Core rows, not ORM objects: `store_vector` writes with Core, which no identity map sees.
    row = session.execute(
        select(PostingVector.model_id, PostingVector.content_hash, PostingVector.vector).where(
            PostingVector.side == doc.side, PostingVector.posting_id == doc.id
        )
    ).first()
    if row is None or row.model_id != model_id or row.content_hash != doc.content_hash:
        return None
    return from_bytes(row.vector)


def store_vector(*, session: Session, doc: Document, model_id: str, vector: FloatArray) -> None:
    """Insert or replace `doc`'s vector (safe when two workers store the same one at once)."""
    values = {
        "side": doc.side,
        "posting_id": doc.id,
        "model_id": model_id,
        "content_hash": doc.content_hash,
        "vector": to_bytes(vector),
        "updated_at": utcnow(),
    }
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(PostingVector).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["side", "posting_id"],
        set_={k: v for k, v in values.items() if k not in ("side", "posting_id")},
    )
    session.execute(stmt)


def delete_vector(*, session: Session, side: str, posting_id: int) -> None:
    """Forget a posting's vector (closed, deleted or unpublished)."""
    session.execute(
        delete(PostingVector).where(
            col(PostingVector.side) == side, col(PostingVector.posting_id) == posting_id
        )
    )


def load_vectors(*, session: Session, side: str, model_id: str) -> Iterator[tuple[int, str, FloatArray]]:
    """(posting id, content hash, vector) of every stored vector of `side` by `model_id`."""
    query = (
        select(PostingVector.posting_id, PostingVector.content_hash, PostingVector.vector)
        .where(PostingVector.side == side, PostingVector.model_id == model_id)
        .execution_options(yield_per=LOAD_BATCH)
    )
    for posting_id, content_hash, data in session.exec(query):
        yield posting_id, content_hash, from_bytes(data)


def ensure_vectors(*, session: Session, engine: MatchEngine, docs: list[Document]) -> dict[int, FloatArray]:
    """Each document's vector for its current text: the stored one, else the one the engine
    already holds for that very text, else freshly encoded (one batch); what was not stored is
    stored now, in `session`'s transaction. Keys are the documents' ids (documents of one side)."""
    model_id = engine.encoder.model_id
    out: dict[int, FloatArray] = {}
    to_encode: list[Document] = []
    for doc in docs:
        found = stored_vector(session=session, doc=doc, model_id=model_id)
        if found is not None:
            out[doc.id] = found
            continue
        vec = engine.vector(side=doc.side, doc_id=doc.id, content_hash=doc.content_hash)
        if vec is None:
            to_encode.append(doc)
        else:
            out[doc.id] = vec
            store_vector(session=session, doc=doc, model_id=model_id, vector=vec)
    if to_encode:
        for doc, vec in zip(to_encode, engine.encode([d.text for d in to_encode]), strict=True):
            out[doc.id] = vec
            store_vector(session=session, doc=doc, model_id=model_id, vector=vec)
    return out
