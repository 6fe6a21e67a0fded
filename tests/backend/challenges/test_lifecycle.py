"""The whole life of a challenge: drafted from a need, published, 揭榜, shortlisted, scored,
a team selected into a pairing; every step an event with notifications."""

from sqlmodel import Session, select

from backend.challenges import proposals
from backend.challenges import service as challenges
from backend.challenges.figures import challenge_figures
from backend.challenges.models import ChallengeStatus, ProposalStatus
from backend.notifications.models import Notification
from backend.pairings import service as pairings
from backend.pairings.models import Pairing
from backend.vocab import PairingStatus, TechField
from tests.backend.challenges.helpers import challenge_input, make_cast, proposal_input, published


def _titles(session: Session, user_id: int | None) -> list[str]:
    return [n.title for n in session.exec(select(Notification).where(Notification.user_id == user_id))]


def test_prefill_takes_the_needs_text_and_budget(session: Session) -> None:
    cast = make_cast(session)
    values = challenges.prefill(cast.need)
    assert cast.need.problem in values["description"] and cast.need.indicators in values["description"]
    assert values["reward_amount"] == 100 and values["visibility"] == "public"
    assert values["deadline"] > challenges.today()


def test_enterprise_selection_makes_a_pairing_waiting_for_review(session: Session) -> None:
    cast = make_cast(session)
    draft = challenges.create(session=session, need=cast.need, data=challenge_input(), user=cast.enterprise)
    assert draft.status == ChallengeStatus.draft
    challenges.publish_challenge(session=session, challenge=draft, user=cast.enterprise)
    assert draft.status == ChallengeStatus.published and draft.published_at is not None
    assert any("榜单已发布" in t for t in _titles(session, cast.operator.id))

    mine = proposals.submit(
        session=session, challenge=draft, user=cast.researcher, data=proposal_input(cast.result)
    )
    other = proposals.submit(session=session, challenge=draft, user=cast.researcher2, data=proposal_input())
    assert any("首个揭榜方案" in t for t in _titles(session, cast.enterprise.id))

    proposals.shortlist(session=session, challenge=draft, proposal=mine, user=cast.enterprise)
    assert any("已入围" in t for t in _titles(session, cast.researcher.id))
    row = proposals.score(
        session=session, challenge=draft, proposal=mine, user=cast.operator, scores=[9, 8, 7], comment="扎实"
    )
    assert row.total == 80.0
    again = proposals.score(
        session=session, challenge=draft, proposal=mine, user=cast.operator, scores=[10, 10, 10], comment=""
    )
    assert again.id == row.id and again.total == 100.0  # re-scoring replaces the reviewer's scores

    proposals.select_team(
        session=session, challenge=draft, proposal=mine, user=cast.enterprise, note="方案最完整"
    )
    assert draft.status == ChallengeStatus.selected
    assert mine.status == ProposalStatus.selected and other.status == ProposalStatus.declined
    pairing = session.get(Pairing, mine.pairing_id)
    assert pairing is not None
    assert (pairing.need_id, pairing.result_id) == (cast.need.id, cast.result.id)
    assert pairing.status == PairingStatus.pending_review
    steps = [e.to_status for e in pairings.events(session=session, pairing=pairing)]
    assert steps == [PairingStatus.interested, PairingStatus.pending_review]
    assert pairing.explanation["challenge_id"] == draft.id
    assert any("挂帅团队" in t for t in _titles(session, cast.researcher.id))
    assert any("未入选" in t for t in _titles(session, cast.researcher2.id))
    kinds = [e.kind for e in challenges.events(session=session, challenge=draft)]
    assert kinds == [
        "drafted",
        "published",
        "proposed",
        "proposed",
        "shortlisted",
        "scored",
        "scored",
        "selected",
    ]


def test_operator_selection_approves_the_pairing(session: Session) -> None:
    cast = make_cast(session)
    challenge = published(session, cast)
    mine = proposals.submit(
        session=session, challenge=challenge, user=cast.researcher, data=proposal_input(cast.result)
    )
    proposals.select_team(session=session, challenge=challenge, proposal=mine, user=cast.operator)
    pairing = session.get(Pairing, mine.pairing_id)
    assert pairing is not None and pairing.status == PairingStatus.approved


def test_an_existing_suggested_pair_is_taken_forward_not_duplicated(session: Session) -> None:
    cast = make_cast(session)
    suggested = pairings.propose(
        session=session, need=cast.need, result=cast.result, by=None, score=40, explanation={}
    )
    challenge = published(session, cast)
    mine = proposals.submit(
        session=session, challenge=challenge, user=cast.researcher, data=proposal_input(cast.result)
    )
    proposals.select_team(session=session, challenge=challenge, proposal=mine, user=cast.enterprise)
    assert mine.pairing_id == suggested.id
    assert suggested.status == PairingStatus.pending_review


def test_a_proposal_without_a_result_is_linked_before_selection(session: Session) -> None:
    cast = make_cast(session)
    challenge = published(session, cast)
    bare = proposals.submit(session=session, challenge=challenge, user=cast.researcher, data=proposal_input())
    try:
        proposals.select_team(session=session, challenge=challenge, proposal=bare, user=cast.enterprise)
    except Exception as exc:
        assert "未关联科技成果" in str(exc)
    else:
        raise AssertionError("selected a proposal without a result")
    assert challenge.status == ChallengeStatus.published  # nothing written
    proposals.link_result(session=session, proposal=bare, user=cast.researcher, result_id=cast.result.id or 0)
    proposals.select_team(session=session, challenge=challenge, proposal=bare, user=cast.enterprise)
    assert bare.pairing_id is not None


def test_closing_without_a_selection_declines_and_counts_in_the_success_rate(session: Session) -> None:
    cast = make_cast(session)
    won, lost = published(session, cast), published(session, cast)
    p = proposals.submit(
        session=session, challenge=won, user=cast.researcher, data=proposal_input(cast.result)
    )
    q = proposals.submit(session=session, challenge=lost, user=cast.researcher2, data=proposal_input())
    proposals.select_team(session=session, challenge=won, proposal=p, user=cast.operator)
    challenges.close(session=session, challenge=lost, user=cast.enterprise, note="方案均未达到指标")
    assert lost.status == ChallengeStatus.closed and q.status == ProposalStatus.declined
    assert any("榜单已关闭" in t for t in _titles(session, cast.researcher2.id))
    figures = challenge_figures(session=session)
    assert (figures.published, figures.proposals, figures.selected, figures.closed) == (2, 2, 1, 1)
    assert figures.success_rate == 0.5 and figures.proposals_per_challenge == 1.0
    assert figures.median_hours_to_first is not None and figures.median_hours_to_first >= 0
    assert challenge_figures(session=session, field=TechField.aerospace).published == 0
