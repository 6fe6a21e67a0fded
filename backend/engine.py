"""The process's matching engine: installed by `matching` at start-up, read by whoever ranks.

Kept apart from `matching` (which builds it from the database) so that lower layers, the posting
lists among them, can rank by it without importing the packages built on top of them.
"""

from embeddings.engine import MatchEngine

_engine: MatchEngine | None = None


def current() -> MatchEngine | None:
    """The running engine, or None when matching is disabled."""
    return _engine


def install(engine: MatchEngine | None) -> None:
    """Make `engine` the process's engine (None switches matching off)."""
    global _engine
    _engine = engine
