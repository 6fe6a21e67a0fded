"""What the challenge pages show, as typed contexts built for one viewer."""

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from backend.accounts.models import Organisation, User
from backend.challenges import proposals as proposal_service
from backend.challenges import service as challenges
from backend.challenges.access import is_manager, is_owner, own_proposal
from backend.challenges.invites import invitations
from backend.challenges.models import Challenge, Proposal, ProposalStatus
from backend.challenges.schemas import LABELS, SCORE_MAX
from backend.forms import FormState
from backend.postings import needs as needs
from backend.postings.display import organisation_label
from backend.postings.need_model import Need
from backend.postings.result_model import Result
from backend.vocab import PostingStatus, Role

EVENT_LABELS = {
    "drafted": "起草榜单",
    "published": "发布榜单",
    "invited": "邀请揭榜",
    "proposed": "提交揭榜方案",
    "shortlisted": "方案入围",
    "scored": "评分",
    "selected": "选定挂帅团队",
    "closed": "关闭榜单",
}


def phase(challenge: Challenge) -> str:
    """The status as people say it: a published challenge past its deadline is 评审中."""
    if challenge.status == challenges.S.published and not challenges.is_open(challenge):
        return "已截止 · 评审中"
    return challenges.S(challenge.status).label


def reward(challenge: Challenge) -> str:
    """悬赏: an amount in 万元, or 面议."""
    return "面议" if challenge.reward_amount is None else f"{challenge.reward_amount:g} 万元"


@dataclass(frozen=True)
class ScoreView:
    scorer: str
    total: float
    scores: list[int]
    comment: str


@dataclass(frozen=True)
class ProposalView:
    proposal: Proposal
    author: str
    organisation: str
    result: Result | None
    status_label: str
    scores: list[ScoreView]
    my_scores: list[int]
    mean: float | None

    @property
    def open(self) -> bool:
        return self.proposal.status in proposal_service.OPEN


@dataclass(frozen=True)
class EventView:
    at: datetime
    actor: str
    label: str
    note: str


@dataclass
class ChallengePage:
    """Context of a challenge's page."""

    title: str
    challenge: Challenge
    need: Need
    phase: str
    reward: str
    enterprise: str | None  # None: a 脱敏 / 保密 need's enterprise, for those who may not know it
    need_visible: bool
    manager: bool
    operator: bool
    can_propose: bool
    refusal: str  # why this viewer cannot 揭榜, when there is a reason to say
    mine: ProposalView | None
    my_results: list[tuple[int, str]]
    proposals: list[ProposalView]
    events: list[EventView]
    invited: int
    form: FormState = field(default_factory=FormState)
    score_max: int = SCORE_MAX

    @property
    def errors(self) -> dict[str, str]:
        return self.form.errors

    @property
    def labels(self) -> dict[str, str]:
        return self.form.labels


def _name(session: Session, user_id: int | None) -> str:
    user = session.get(User, user_id) if user_id else None
    if user is None:
        return "系统"
    return f"{user.name}（平台运营）" if user.role == Role.operator else user.name


def _org(session: Session, org_id: int) -> str:
    org = session.get(Organisation, org_id)
    return org.name if org else ""


def proposal_view(session: Session, proposal: Proposal, viewer: User) -> ProposalView:
    rows = proposal_service.scores_of(session=session, proposal=proposal)
    scores = [ScoreView(_name(session, r.scorer_id), r.total, list(r.scores), r.comment) for r in rows]
    mine = next((list(r.scores) for r in rows if r.scorer_id == viewer.id), [])
    return ProposalView(
        proposal=proposal,
        author=_name(session, proposal.author_id),
        organisation=_org(session, proposal.organisation_id),
        result=session.get(Result, proposal.result_id) if proposal.result_id else None,
        status_label=ProposalStatus(proposal.status).label,
        scores=scores,
        my_scores=mine,
        mean=round(sum(s.total for s in scores) / len(scores), 1) if scores else None,
    )


def own_results(session: Session, user: User) -> list[tuple[int, str]]:
    """The published results of the researcher's organisation, to build a proposal on."""
    stmt = select(Result).where(
        Result.organisation_id == user.organisation_id, Result.status == PostingStatus.published
    )
    return [(r.id or 0, r.title) for r in session.exec(stmt.order_by(col(Result.id)))]


def _refusal(challenge: Challenge, user: User | None) -> str:
    if not challenges.is_open(challenge):
        return "" if challenge.status != challenges.S.published else f"揭榜已于 {challenge.deadline} 截止。"
    if user is None:
        return "登录科研人员账号后即可揭榜。"
    if is_owner(challenge=challenge, user=user):
        return "这是贵单位发布的榜单，发榜企业不能揭自己的榜。"
    if user.role != Role.researcher:
        return "只有科研人员（高校、院所团队）可以揭榜。"
    return ""


def challenge_page(session: Session, challenge: Challenge, user: User | None) -> ChallengePage:
    """Everything a challenge's page shows to `user` (who may see the challenge)."""
    need = session.get(Need, challenge.need_id)
    assert need is not None
    manager = is_manager(challenge=challenge, user=user)
    mine = own_proposal(session=session, challenge=challenge, user=user)
    refusal = _refusal(challenge, user)
    listed: list[ProposalView] = []
    history: list[EventView] = []
    if manager and user is not None:
        listed = [
            proposal_view(session, p, user)
            for p in proposal_service.list_for(session=session, challenge=challenge)
        ]
        history = [
            EventView(e.created_at, _name(session, e.actor_id), EVENT_LABELS.get(e.kind, e.kind), e.note)
            for e in challenges.events(session=session, challenge=challenge)
        ]
    researcher = user is not None and user.role == Role.researcher
    return ChallengePage(
        title=challenge.title,
        challenge=challenge,
        need=need,
        phase=phase(challenge),
        reward=reward(challenge),
        enterprise=organisation_label(session=session, posting=need, viewer=user),
        need_visible=needs.can_view(session=session, need=need, user=user),
        manager=manager,
        operator=user is not None and user.role == Role.operator,
        can_propose=researcher and not refusal and mine is None,
        refusal=refusal,
        mine=proposal_view(session, mine, user) if mine and user else None,
        my_results=own_results(session, user) if researcher and user else [],
        proposals=listed,
        events=history,
        invited=len(invitations(session=session, challenge=challenge)) if manager else 0,
        form=FormState(labels=LABELS),
    )


@dataclass(frozen=True)
class ChallengeCard:
    challenge: Challenge
    phase: str
    reward: str
    proposals: int


@dataclass(frozen=True)
class ChallengeListPage:
    """Context of /challenges."""

    title: str
    cards: list[ChallengeCard]
    own_needs: list[Need]  # an enterprise's published needs, to draft a challenge from


def list_page(session: Session, user: User | None) -> ChallengeListPage:
    rows = challenges.listed(session=session, user=user)
    counts = proposal_service.counts(session=session, challenge_ids=[c.id or 0 for c in rows])
    cards = [ChallengeCard(c, phase(c), reward(c), counts.get(c.id or 0, 0)) for c in rows]
    own: list[Need] = []
    if user is not None and user.role == Role.enterprise:
        stmt = select(Need).where(
            Need.organisation_id == user.organisation_id, Need.status == PostingStatus.published
        )
        own = list(session.exec(stmt.order_by(col(Need.id).desc())))
    return ChallengeListPage(title="揭榜挂帅", cards=cards, own_needs=own)
