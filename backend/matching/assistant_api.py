"""JSON API of the posting-writing assistant: POST a half-written draft, get hints, the other
side's terms and the draft's match strength (the posting forms call it as the user types)."""

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, col, select

from backend.accounts.deps import CurrentUser
from backend.accounts.models import User
from backend.deps import SessionDep
from backend.engine import current as matching_engine
from backend.matching import assistant
from backend.postings import needs, results
from backend.postings.need_model import Need
from backend.postings.result_model import Result

router = APIRouter(prefix="/assistant", tags=["assistant"])
Text = Field(default="", max_length=4000)


class Draft(BaseModel):
    """The posting form's fields as typed so far (all optional; unknown fields are ignored)."""

    model_config = ConfigDict(extra="ignore")

    title: str = Field(default="", max_length=200)
    problem: str = Text
    indicators: str = Text
    summary: str = Text
    advantages: str = Text
    keywords: str = Field(default="", max_length=400)
    field: str = Field(default="", max_length=40)
    region: str = Field(default="", max_length=40)
    trl: str = Field(default="", max_length=2)
    trl_wanted: str = Field(default="", max_length=2)
    budget_min: str = Field(default="", max_length=20)
    budget_max: str = Field(default="", max_length=20)
    budget_negotiable: str = Field(default="", max_length=5)
    price: str = Field(default="", max_length=20)
    price_negotiable: str = Field(default="", max_length=5)
    valid_until: str = Field(default="", max_length=20)


class HintOut(BaseModel):
    field: str
    text: str


class TermOut(BaseModel):
    term: str
    used_by: int


class StrengthOut(BaseModel):
    score: int
    label: str
    key: str
    title: str
    url: str


class AdviceOut(BaseModel):
    hints: list[HintOut]
    terms: list[TermOut]
    strength: StrengthOut | None
    engine_on: bool


def _visible(session: Session, user: User, kind: assistant.Kind) -> Any:
    """Which of a list of the other side's ids `user` may see (so no 保密 need's words leak)."""

    def check(ids: list[int]) -> set[int]:
        if not ids:
            return set()
        if kind == "need":  # a need's draft is matched to results
            stmt: Any = select(Result.id).where(col(Result.id).in_(ids), results.visible_clause(user))
        else:
            stmt = select(Need.id).where(col(Need.id).in_(ids), needs.visible_clause(user))
        return {int(i) for i in session.exec(stmt)}

    return check


def advise(*, session: Session, user: User, kind: assistant.Kind, draft: Draft) -> AdviceOut:
    """Hints, terms and strength for one draft, as the panel shows them."""
    values = draft.model_dump()
    hints = [HintOut(field=h.field, text=h.text) for h in assistant.hints(kind, values)]
    engine = matching_engine()
    doc = assistant.draft_document(kind, values)
    if engine is None or not doc.text.strip():
        return AdviceOut(hints=hints, terms=[], strength=None, engine_on=engine is not None)
    terms, shown = assistant.suggest_terms(engine, doc, visible=_visible(session, user, kind))
    strength = None
    if shown:
        best_id, best_score = shown[0]
        other: Any = Result if kind == "need" else Need
        row = session.get(other, best_id)
        if row is not None:
            path = "results" if kind == "need" else "needs"
            s = assistant.strength_of(best_score, title=row.title, url=f"/{path}/{best_id}")
            strength = StrengthOut(score=s.score, label=s.label, key=s.key, title=s.title, url=s.url)
    return AdviceOut(
        hints=hints,
        terms=[TermOut(term=t.term, used_by=t.used_by) for t in terms],
        strength=strength,
        engine_on=True,
    )


@router.post("/{kind}")
def draft_advice(
    kind: Literal["need", "result"], draft: Draft, session: SessionDep, user: CurrentUser
) -> AdviceOut:
    """What a half-written need or result lacks, the other side's terms, and its best match now."""
    return advise(session=session, user=user, kind=kind, draft=draft)
