"""Which model directory the product runs: the base model, or an adapted one that won its check.

A pointer file beside the base model (`data/models/active.json`) names the active directory and
the ones active before it, by name within the models folder. `active_model_dir(base)` is what the
app's engine loads; without a pointer, or when the named directory is not complete, it is the base
model (a half-copied model never runs). `activate` pushes the current one onto the history,
`rollback` pops it. Writes are atomic (temp file + rename).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from embeddings.convert import MARKER

POINTER = "active.json"


@dataclass(frozen=True)
class ActiveState:
    """The active model directory's name (None: the base model) and the names active before it."""

    active: str | None
    history: tuple[str | None, ...]


def _pointer(base: Path) -> Path:
    return base.parent / POINTER


def _complete(model_dir: Path) -> bool:
    return (model_dir / MARKER).is_file()


def read_state(base: Path) -> ActiveState:
    """The pointer's content; the base model alone when there is none or it is unreadable."""
    try:
        raw = json.loads(_pointer(base).read_text(encoding="utf-8"))
        return ActiveState(active=raw.get("active"), history=tuple(raw.get("history", [])))
    except (OSError, ValueError, AttributeError):
        return ActiveState(active=None, history=())


def active_model_dir(base: Path) -> Path:
    """The model directory to run: the activated adapted model if complete, else `base`."""
    name = read_state(base).active
    if name:
        candidate = base.parent / name
        if _complete(candidate):
            return candidate
    return base


def _write(base: Path, state: ActiveState) -> None:
    path = _pointer(base)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps({"active": state.active, "history": list(state.history)}, ensure_ascii=False, indent=2)
    fd, tmp = tempfile.mkstemp(prefix=f".{POINTER}.tmp-", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(data + "\n")
    os.replace(tmp, path)


def activate(*, base: Path, model_dir: Path) -> ActiveState:
    """Make `model_dir` (a complete directory in the models folder) the active model."""
    if model_dir.resolve().parent != base.resolve().parent:
        raise ValueError(f"{model_dir} is not in the models folder {base.parent}")
    if not _complete(model_dir):
        raise ValueError(f"{model_dir} is not a complete model directory (no {MARKER})")
    current = read_state(base)
    state = ActiveState(active=model_dir.name, history=(*current.history, current.active))
    _write(base, state)
    return state


def rollback(*, base: Path) -> ActiveState:
    """Return to the model active before the current one (the base model when there was none)."""
    current = read_state(base)
    if current.active is None and not current.history:
        raise LookupError("the base model is active and nothing was active before it")
    previous = current.history[-1] if current.history else None
    state = ActiveState(active=previous, history=current.history[:-1])
    _write(base, state)
    return state
