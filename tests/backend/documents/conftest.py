"""Each attachment test gets its own empty files root, so what is on disk can be counted."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.config import get_settings


@pytest.fixture(autouse=True)
def files_root(tmp_path: Path) -> Iterator[Path]:
    settings = get_settings()
    before = settings.files_dir
    settings.files_dir = tmp_path / "files"
    yield settings.files_dir
    settings.files_dir = before
