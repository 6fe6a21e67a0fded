"""续期: extend a need's 有效期 in one click (page and API); owner only, no new review."""

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse

from backend.accounts.deps import CsrfChecked, CurrentUser, SignedIn
from backend.deps import SessionDep
from backend.errors import Conflict, InvalidInput
from backend.postings import expiry
from backend.postings import needs as service
from backend.postings.need_model import NeedPublic
from backend.templating import redirect

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/needs", tags=["needs"])

Days = Annotated[str, Form()]  # 90 | 180; empty: the period the need was first posted for


@router.post("/needs/{need_id:int}/renew", dependencies=[CsrfChecked])
def renew_need(need_id: int, session: SessionDep, viewer: SignedIn, days: Days = "") -> RedirectResponse:
    need = service.get_visible(session=session, need_id=need_id, user=viewer.user)
    chosen = int(days) if days.isascii() and days.isdigit() and len(days) < 5 else None
    try:
        expiry.renew(session=session, need=need, user=viewer.user, days=chosen)
    except (Conflict, InvalidInput) as exc:
        return redirect(f"/needs/{need_id}", exc.message, "error")
    return redirect(f"/needs/{need_id}", f"已续期：有效期延至 {need.valid_until}，需求继续展示并参与匹配")


@api_router.post("/{need_id}/renew")
def renew_need_api(
    need_id: int, session: SessionDep, user: CurrentUser, body: expiry.RenewRequest | None = None
) -> NeedPublic:
    """Extend a published need's 有效期 by 90 or 180 days (default: as first posted); owner only."""
    need = service.get_visible(session=session, need_id=need_id, user=user)
    expiry.renew(session=session, need=need, user=user, days=body.days if body else None)
    return service.public_view(session=session, need=need, user=user)
