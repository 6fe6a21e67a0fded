"""A unique key that a concurrent request took first: recognised, so it is never a 500.

Services look a duplicate up before inserting; two requests in the same instant both pass the
look-up and the database's unique index decides. The loser's IntegrityError is turned into the
answer the look-up would have given (`violated` tells which key), and `errors.handlers` maps any
unique violation no service translated to 409.
"""

from sqlalchemy.exc import IntegrityError

_MARKERS = ("unique constraint", "duplicate key", "unique_violation")


def is_unique_violation(exc: IntegrityError) -> bool:
    """Whether the database refused a duplicate of a unique key (SQLite or PostgreSQL wording)."""
    text = str(exc.orig).lower()
    return any(marker in text for marker in _MARKERS)


def violated(exc: IntegrityError, column: str) -> bool:
    """Whether the duplicate was of `column` (e.g. "email", "name_key")."""
    return is_unique_violation(exc) and column.lower() in str(exc.orig).lower()
