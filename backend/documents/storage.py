"""Attachment files on disk: under the files root, each under a generated name.

A file is written to a temp name and renamed into place, so a half-written file never carries a
real name; the caller removes it again if the database write that goes with it fails.
"""

import os
import secrets
from pathlib import Path

from backend.config import get_settings


def root() -> Path:
    """The files root (KEMATCH_FILES_DIR, default data/files)."""
    return get_settings().files_dir


def new_name(extension: str) -> str:
    """A fresh stored name: 32 random hex digits and the real type's extension."""
    return f"{secrets.token_hex(16)}{extension}"


def path_of(stored_name: str) -> Path:
    """Where a stored name lives: two-level fan-out by its first hex digits."""
    if not stored_name[:32].isalnum() or "/" in stored_name or "\\" in stored_name:
        raise ValueError("not a stored name")
    return root() / stored_name[:2] / stored_name


def write(stored_name: str, data: bytes) -> Path:
    """Write `data` atomically under `stored_name`."""
    target = path_of(stored_name)
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{stored_name}.partial")
    with temp.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    temp.replace(target)
    return target


def remove(stored_name: str) -> None:
    """Remove a stored file (gone already is fine)."""
    path_of(stored_name).unlink(missing_ok=True)


def exists(stored_name: str) -> bool:
    """Whether the stored file is on disk."""
    return path_of(stored_name).is_file()
