"""Database rows as the matching engine's documents."""

from backend.postings.need_model import Need
from backend.postings.result_model import Result
from embeddings.types import Document, Profile


def need_document(need: Need) -> Document:
    """The engine's view of a need: its texts and its structured wishes."""
    assert need.id is not None
    profile = Profile(
        field=str(need.field),
        trl=need.trl_wanted,
        modes=frozenset(str(m) for m in need.modes),
        region=need.region,
        budget_min=need.budget_min,
        budget_max=need.budget_max,
        negotiable=need.budget_negotiable,
    )
    return Document.need(
        id=need.id,
        title=need.title,
        problem=need.problem,
        indicators=need.indicators,
        keywords=list(need.keywords),
        profile=profile,
    )


def result_document(result: Result) -> Document:
    """The engine's view of a result: its texts and its structured offer."""
    assert result.id is not None
    profile = Profile(
        field=str(result.field),
        trl=result.trl,
        modes=frozenset(str(m) for m in result.modes),
        region=result.region,
        price=result.price,
        negotiable=result.price_negotiable,
    )
    return Document.result(
        id=result.id,
        title=result.title,
        summary=result.summary,
        advantages=result.advantages,
        keywords=list(result.keywords),
        profile=profile,
    )
