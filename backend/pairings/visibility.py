"""What the other party of a pairing may read of a 保密 need before the platform approves the pairing.

A secret need's owner chose to disclose nothing but that it exists, so until approval the result's
side reads: the generic label 一项保密需求 (`postings.display`), the need's technical field, the
pair's match score with its strength band, and the field's fit. Nothing derived from the need's
text (its best sentence, the highlighted words in either sentence, shared or related terms), its
budget, region, wanted TRL or modes (the fit reasons quote them), nor the score's breakdown (the
region and budget points tell whether they agree with the result's). Every surface that shows a
pairing's explanation (the pairing page, `/api/pairings`) reads it through `visible_explanation`.
"""

from typing import Any

from sqlmodel import Session

from backend.accounts.models import User
from backend.pairings.models import Pairing
from backend.postings import needs as needs
from backend.postings.need_model import Need
from backend.postings.result_model import Result
from embeddings.fit import field_fit
from embeddings.types import Profile

SEALED_NOTE = "需求方选择保密：平台批准对接前，只显示需求的技术领域和匹配度，匹配依据的细节在批准后可见。"


def need_hidden(*, session: Session, pairing: Pairing, user: User) -> bool:
    """Whether `user` may not read the pairing's need (a 保密 need before approval)."""
    need = session.get(Need, pairing.need_id)
    return need is None or not needs.can_view(session=session, need=need, user=user)


def _sealed(session: Session, pairing: Pairing, engine: Any) -> dict[str, Any]:
    need, result = session.get(Need, pairing.need_id), session.get(Result, pairing.result_id)
    fit = (
        field_fit(Profile(field=str(need.field)), Profile(field=str(result.field)))
        if need and result
        else None
    )
    return {
        "engine": engine,
        "sealed": True,
        "reasons_for": [fit.reason] if fit and fit.verdict == "for" else [],
        "reasons_against": [fit.reason] if fit and fit.verdict == "against" else [],
        "notes": [SEALED_NOTE],
    }


def visible_explanation(*, session: Session, pairing: Pairing, user: User) -> dict[str, Any]:
    """The pairing's match explanation as `user` may read it (sealed for a hidden need's other party)."""
    data = dict(pairing.explanation or {})
    if need_hidden(session=session, pairing=pairing, user=user):
        return _sealed(session, pairing, data.get("engine"))
    return data
