"""Listing postings: filters, the word filter or the engine's ranking, ordering and paging."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, case, cast, or_
from sqlmodel import Session, func, select

from backend.postings.kinds import Kind


@dataclass
class ListFilters:
    """Filters of a posting list; None means 'any'."""

    field: str | None = None
    region: str | None = None
    trl_min: int | None = None
    trl_max: int | None = None
    mode: str | None = None
    status: str | None = None
    text: str | None = None
    organisation_id: int | None = None
    # Ids the matching engine ranked for `text`, best first: the list keeps only these, in this
    # order ("相关度"), instead of matching `text` word by word.
    ranked_ids: list[int] | None = None
    # The engine's score of each ranked id (a literal keyword hit beyond its list has none).
    scores: dict[int, float] | None = None


def filtered(*, kind: Kind[Any], filters: ListFilters) -> Any:
    """A select over the kind's table narrowed by `filters` (visibility is the caller's job)."""
    m: Any = kind.model
    stmt = select(kind.model)
    if filters.field:
        stmt = stmt.where(m.field == filters.field)
    if filters.region:
        stmt = stmt.where(m.region == filters.region)
    trl = getattr(m, kind.trl_column)
    if filters.trl_min is not None:
        stmt = stmt.where(trl >= filters.trl_min)
    if filters.trl_max is not None:
        stmt = stmt.where(trl <= filters.trl_max)
    if filters.mode:
        # JSON containment differs across databases; the text form of the list is portable.
        stmt = stmt.where(cast(m.modes, String).like(f'%"{filters.mode}"%'))
    if filters.status:
        stmt = stmt.where(m.status == filters.status)
    if filters.organisation_id is not None:
        stmt = stmt.where(m.organisation_id == filters.organisation_id)
    if filters.ranked_ids is not None:
        stmt = stmt.where(m.id.in_(filters.ranked_ids))
    elif filters.text:
        # Case-insensitive on every database (SQLite's LIKE is, PostgreSQL's is not: "ai" must
        # find "AI"); a typed % or _ is a character, not a wildcard.
        # Control characters (NUL among them, which PostgreSQL refuses in any text) separate words.
        words = "".join(ch if ch.isprintable() else " " for ch in filters.text).split()[:5]
        for word in words:
            ors = [getattr(m, c).icontains(word, autoescape=True) for c in kind.text_columns]
            ors.append(cast(m.keywords, String).icontains(word, autoescape=True))
            stmt = stmt.where(or_(*ors))
    return stmt


def keyword_ids(*, session: Session, kind: Kind[Any], text: str) -> list[int]:
    """Ids of postings whose text contains every word of `text` (newest first)."""
    m: Any = kind.model
    stmt = filtered(kind=kind, filters=ListFilters(text=text))
    rows = session.exec(stmt.order_by(m.id.desc()).limit(500))
    return [row.id for row in rows]


def rank_order(*, model: Any, filters: ListFilters) -> tuple[Any, ...] | None:
    """ORDER BY the engine's ranking, when the list is ranked (portable CASE expression)."""
    if not filters.ranked_ids:
        return None
    return (case({doc_id: pos for pos, doc_id in enumerate(filters.ranked_ids)}, value=model.id),)


def page_of(*, session: Session, stmt: Any, order: Any, offset: int, limit: int) -> tuple[list[Any], int]:
    """One page of a select and the total count."""
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = list(session.exec(stmt.order_by(*order).offset(offset).limit(limit)))
    return rows, int(total)
