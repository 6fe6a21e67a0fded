"""Operators' pages: the 未满足需求 view, and the engine's likely solvers of a challenge to invite."""

from dataclasses import dataclass

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from markupsafe import Markup

from backend.accounts.deps import CsrfChecked, OperatorUser
from backend.accounts.models import User
from backend.challenges import invites
from backend.challenges.access import get_visible
from backend.challenges.charts import province_map
from backend.challenges.invites import Candidate
from backend.challenges.models import Challenge
from backend.challenges.unmet import DEFAULT_DAYS, WEAK_MIN, UnmetReport, unmet_needs
from backend.challenges.views import phase
from backend.deps import SessionDep
from backend.errors import Conflict, InvalidInput, NotFound
from backend.forms import PostedForm
from backend.postings.result_model import Result
from backend.templating import redirect, render

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class UnmetPage:
    """Context of /ops/unmet."""

    title: str
    report: UnmetReport
    map_svg: Markup
    weak_min: float
    day_choices: tuple[int, ...] = (14, 30, 60, 90)


@router.get("/ops/unmet", response_class=HTMLResponse)
def unmet_page(
    request: Request,
    session: SessionDep,
    operator: OperatorUser,
    days: int = Query(default=DEFAULT_DAYS, ge=1, le=365),
) -> HTMLResponse:
    """Published needs nobody on the platform answers, by field and province; each can become a 榜单."""
    report = unmet_needs(session=session, days=days)
    counts = {t.key: t.count for t in report.by_region}
    page = UnmetPage(
        title="未满足需求",
        report=report,
        map_svg=province_map(counts, "各省未满足需求数"),
        weak_min=WEAK_MIN,
    )
    return render(request, "challenges/unmet.html", page)


@dataclass(frozen=True)
class InvitePage:
    """Context of a challenge's invitation list."""

    title: str
    challenge: Challenge
    phase: str
    candidates: list[Candidate] | None  # None: matching is off
    invited: list[tuple[str, str]]  # (name, result title) of those already invited


@router.get("/ops/challenges/{challenge_id:int}/invite", response_class=HTMLResponse)
def invite_page(
    request: Request, challenge_id: int, session: SessionDep, operator: OperatorUser
) -> HTMLResponse:
    """The results the engine ranks best for the challenge, one per team, to invite with one click."""
    challenge = get_visible(session=session, challenge_id=challenge_id, user=operator)
    done: list[tuple[str, str]] = []
    for row in invites.invitations(session=session, challenge=challenge):
        user = session.get(User, row.user_id)
        result = session.get(Result, row.result_id) if row.result_id else None
        done.append((user.name if user else "", result.title if result else ""))
    page = InvitePage(
        title=f"邀请揭榜：{challenge.title}",
        challenge=challenge,
        phase=phase(challenge),
        candidates=invites.candidates(session=session, challenge=challenge),
        invited=done,
    )
    return render(request, "challenges/invite.html", page)


@router.post("/ops/challenges/{challenge_id:int}/invite", dependencies=[CsrfChecked])
def invite(
    challenge_id: int, session: SessionDep, operator: OperatorUser, form: PostedForm
) -> RedirectResponse:
    """Invite one result's team: they are notified (in-app and by email) and may see a 保密 榜单."""
    challenge = get_visible(session=session, challenge_id=challenge_id, user=operator)
    back = f"/ops/challenges/{challenge_id}/invite"
    raw, score = str(form.get("result_id", "")).strip(), str(form.get("score", "")).strip()
    try:
        if not raw.isdigit():
            raise InvalidInput("请选择要邀请的成果")
        value = float(score) if score.replace(".", "", 1).isdigit() else None
        row = invites.invite(
            session=session, challenge=challenge, result_id=int(raw), operator=operator, score=value
        )
    except (Conflict, InvalidInput, NotFound) as exc:
        session.rollback()
        return redirect(back, exc.message, "error")
    user = session.get(User, row.user_id)
    return redirect(back, f"已邀请{user.name if user else '该团队'}揭榜，对方会收到站内通知和邮件")
