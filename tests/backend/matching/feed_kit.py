"""A database of the test's own, and workers on it: the writer (the process's engine) and followers."""

from collections.abc import Iterator

import numpy as np
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from backend.matching.feed_models import PostingVector
from backend.matching.lifecycle import listed_documents, use_engine
from backend.matching.vectors import from_bytes
from embeddings.engine import MatchEngine
from tests.databases import drop_database, migrated_engine, new_database_url
from tests.embeddings.kit import FakeEncoder


@pytest.fixture
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A migrated database of this test's own: the feed's readers see only committed rows."""
    url = new_database_url(tmp_path_factory.mktemp("feed"), "feed")
    engine = migrated_engine(url)
    yield engine
    engine.dispose()
    drop_database(url)


@pytest.fixture
def writer() -> Iterator[MatchEngine]:
    """Worker A: the process's engine, which the write path encodes with (a countable encoder)."""
    engine = MatchEngine(encoder=FakeEncoder(), index_dir=None)
    use_engine(engine)
    yield engine
    use_engine(None)


def texts_encoded(engine: MatchEngine) -> list[str]:
    """Every text `engine`'s encoder was asked to encode."""
    enc = engine.encoder
    assert isinstance(enc, FakeEncoder)
    return enc.texts


def new_worker() -> MatchEngine:
    """Another worker's engine (an empty index, its own encoder)."""
    return MatchEngine(encoder=FakeEncoder(), index_dir=None)


def stored_vectors(db: Engine) -> dict[tuple[str, int], PostingVector]:
    """The posting_vector rows, by (side, posting id)."""
    with Session(db) as session:
        return {(v.side, v.posting_id): v for v in session.exec(select(PostingVector))}


def assert_index_equals_database(engine: MatchEngine, db: Engine) -> None:
    """The engine holds exactly the published postings, with their current documents and stored vectors."""
    with Session(db) as session:
        needs, results = listed_documents(session)
    vectors = stored_vectors(db)
    for side, docs in (("need", needs), ("result", results)):
        held = engine._sides[side].docs
        assert held == {d.id: d for d in docs}
        assert engine.count(side=side) == len(docs)  # type: ignore[arg-type]
        for doc in docs:
            vec = engine.vector(side=doc.side, doc_id=doc.id, content_hash=doc.content_hash)
            assert vec is not None
            np.testing.assert_array_equal(vec, from_bytes(vectors[(side, doc.id)].vector))
