"""JSON API of matching: ranked counterparts both ways, and free-text search."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from backend.accounts.deps import OptionalUser
from backend.deps import SessionDep
from backend.matching import service
from backend.matching.service import NeedMatch, ResultMatch, SearchHit
from backend.postings import needs as needs
from backend.postings import results as results
from backend.vocab import REGIONS, TechField, TransferMode
from embeddings.fit import ASPECTS, Filters

router = APIRouter(tags=["matching"])
Aspect = Literal["field", "trl", "mode", "region", "budget"]
assert set(Aspect.__args__) == set(ASPECTS)  # type: ignore[attr-defined]


def make_filters(
    field: list[TechField] | None,
    region: list[str] | None,
    min_trl: int | None,
    max_price: float | None,
    mode: list[TransferMode] | None,
    require: list[Aspect] | None,
) -> Filters | None:
    """Engine filters from query parameters; None when nothing is asked."""
    regions = [r for r in (region or []) if r in REGIONS]
    if not any([field, regions, min_trl, max_price is not None, mode, require]):
        return None
    return Filters(
        fields=frozenset(field) if field else None,
        regions=frozenset(regions) if regions else None,
        min_trl=min_trl,
        max_price=max_price,
        modes=frozenset(mode) if mode else None,
        require=frozenset(require or []),
    )


FieldQ = Annotated[list[TechField] | None, Query()]
RegionQ = Annotated[list[str] | None, Query(max_length=20)]
TrlQ = Annotated[int | None, Query(ge=1, le=9)]
PriceQ = Annotated[float | None, Query(ge=0, le=1_000_000)]
ModeQ = Annotated[list[TransferMode] | None, Query()]
RequireQ = Annotated[
    list[Aspect] | None, Query(description="drop pairs whose fit on these aspects is against")
]
KQ = Annotated[int, Query(ge=1, le=50)]


@router.get("/needs/{need_id}/matches")
def need_matches(
    need_id: int,
    session: SessionDep,
    user: OptionalUser,
    k: KQ = 10,
    field: FieldQ = None,
    region: RegionQ = None,
    min_trl: TrlQ = None,
    max_price: PriceQ = None,
    mode: ModeQ = None,
    require: RequireQ = None,
) -> list[ResultMatch]:
    """Results ranked for a need, each with score 0–100, breakdown and explanation."""
    need = needs.get_visible(session=session, need_id=need_id, user=user)
    filters = make_filters(field, region, min_trl, max_price, mode, require)
    return service.results_for_need(session=session, need=need, user=user, k=k, filters=filters)


@router.get("/results/{result_id}/matches")
def result_matches(
    result_id: int,
    session: SessionDep,
    user: OptionalUser,
    k: KQ = 10,
    field: FieldQ = None,
    region: RegionQ = None,
    mode: ModeQ = None,
    require: RequireQ = None,
) -> list[NeedMatch]:
    """Needs ranked for a result, each with score 0–100, breakdown and explanation."""
    result = results.get_visible(session=session, result_id=result_id, user=user)
    filters = make_filters(field, region, None, None, mode, require)
    return service.needs_for_result(session=session, result=result, user=user, k=k, filters=filters)


@router.get("/search")
def search(
    session: SessionDep,
    user: OptionalUser,
    q: Annotated[str, Query(min_length=1, max_length=200)],
    side: Literal["need", "result"] = "result",
    k: KQ = 20,
    field: FieldQ = None,
    region: RegionQ = None,
    min_trl: TrlQ = None,
    mode: ModeQ = None,
) -> list[SearchHit]:
    """Semantic + keyword search over needs or results."""
    filters = make_filters(field, region, min_trl if side == "result" else None, None, mode, None)
    return service.search(session=session, text=q, side=side, user=user, k=k, filters=filters)
