"""Fixtures for app tests that need the real embedding model."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.matching.lifecycle import use_engine
from embeddings.convert import MARKER, convert, default_source
from embeddings.encoder import Encoder, load_encoder
from embeddings.engine import MatchEngine

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def real_encoder() -> Encoder:
    """The project's model as `make model` prepares it (converted here if missing)."""
    path = Path(os.environ.get("KEMATCH_MODEL_DIR", ROOT / "data/models/multilingual-e5-small"))
    if not (path / MARKER).is_file():
        convert(default_source(), path)
    return load_encoder(path)


@pytest.fixture
def match_engine(real_encoder: Encoder, tmp_path: Path) -> Iterator[MatchEngine]:
    """A live engine over an empty index that follows the app's committed writes."""
    engine = MatchEngine(encoder=real_encoder, index_dir=tmp_path / "index")
    use_engine(engine)
    yield engine
    use_engine(None)
