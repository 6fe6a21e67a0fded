"""Refusals, each with a clear Chinese message, and nothing written when refused."""

from datetime import timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import update
from sqlmodel import Session, col

from backend.challenges import invites, proposals
from backend.challenges import service as challenges
from backend.challenges.access import can_view, visible_clause
from backend.challenges.models import Challenge, ChallengeStatus
from backend.errors import Conflict, InvalidInput, NotFound, NotPermitted
from backend.vocab import Role
from tests.backend.challenges.helpers import challenge_input, make_cast, proposal_input, published
from tests.factories import make_user


def test_proposal_after_the_deadline(session: Session) -> None:
    cast = make_cast(session)
    challenge = published(session, cast)
    challenge.deadline = challenges.today() - timedelta(days=1)
    with pytest.raises(Conflict, match="截止"):
        proposals.submit(session=session, challenge=challenge, user=cast.researcher, data=proposal_input())


def test_the_deadline_day_itself_is_still_open(session: Session) -> None:
    cast = make_cast(session)
    challenge = published(session, cast)
    challenge.deadline = challenges.today()
    proposals.submit(session=session, challenge=challenge, user=cast.researcher, data=proposal_input())


def test_a_second_selection(session: Session) -> None:
    cast = make_cast(session)
    challenge = published(session, cast)
    first = proposals.submit(
        session=session, challenge=challenge, user=cast.researcher, data=proposal_input(cast.result)
    )
    second = proposals.submit(
        session=session, challenge=challenge, user=cast.researcher2, data=proposal_input(cast.result2)
    )
    proposals.select_team(session=session, challenge=challenge, proposal=first, user=cast.enterprise)
    with pytest.raises(Conflict, match="已选定挂帅团队，不能重复选定"):
        proposals.select_team(session=session, challenge=challenge, proposal=second, user=cast.operator)


def test_a_selection_made_meanwhile_by_someone_else_wins(session: Session) -> None:
    cast = make_cast(session)
    challenge = published(session, cast)
    mine = proposals.submit(
        session=session, challenge=challenge, user=cast.researcher, data=proposal_input(cast.result)
    )
    # Another reviewer decides after this one loaded the page (the row changes, the object does not).
    session.execute(
        update(Challenge)
        .where(col(Challenge.id) == challenge.id)
        .values(status=ChallengeStatus.selected, version=challenge.version + 1)
    )
    with pytest.raises(Conflict, match="不能重复选定"):
        proposals.select_team(session=session, challenge=challenge, proposal=mine, user=cast.operator)
    assert mine.pairing_id is None


def test_a_proposal_by_the_enterprise_itself(session: Session) -> None:
    cast = make_cast(session)
    challenge = published(session, cast)
    with pytest.raises(NotPermitted, match="发榜企业不能揭自己的榜"):
        proposals.submit(session=session, challenge=challenge, user=cast.enterprise, data=proposal_input())
    with pytest.raises(NotPermitted, match="只有科研人员"):
        proposals.submit(
            session=session,
            challenge=challenge,
            user=make_user(session, Role.enterprise),
            data=proposal_input(),
        )


def test_a_second_proposal_and_someone_elses_result(session: Session) -> None:
    cast = make_cast(session)
    challenge = published(session, cast)
    with pytest.raises(InvalidInput, match="不属于您的单位"):
        proposals.submit(
            session=session, challenge=challenge, user=cast.researcher, data=proposal_input(cast.result2)
        )
    proposals.submit(session=session, challenge=challenge, user=cast.researcher, data=proposal_input())
    with pytest.raises(Conflict, match="不能重复提交"):
        proposals.submit(session=session, challenge=challenge, user=cast.researcher, data=proposal_input())


def test_secret_challenge_is_hidden_until_invited(session: Session) -> None:
    cast = make_cast(session, confidentiality="secret")
    with pytest.raises(InvalidInput, match="保密需求的榜单只能保密发布"):
        published(session, cast, visibility="public")
    challenge = published(session, cast, visibility="secret")
    outsider = make_user(session, Role.enterprise)
    for user in (None, cast.researcher, cast.researcher2, outsider):
        assert not can_view(session=session, challenge=challenge, user=user)
    with pytest.raises(NotFound):
        proposals.submit(session=session, challenge=challenge, user=cast.researcher, data=proposal_input())
    invites.invite(
        session=session, challenge=challenge, result_id=cast.result.id or 0, operator=cast.operator
    )
    assert can_view(session=session, challenge=challenge, user=cast.researcher)
    assert not can_view(session=session, challenge=challenge, user=cast.researcher2)
    listed = {c.id for c in challenges.listed(session=session, user=cast.researcher)}
    assert challenge.id in listed
    assert challenge.id not in {c.id for c in challenges.listed(session=session, user=cast.researcher2)}
    assert visible_clause(None) is not None
    proposals.submit(session=session, challenge=challenge, user=cast.researcher, data=proposal_input())
    with pytest.raises(Conflict, match="无需重复邀请"):
        invites.invite(
            session=session, challenge=challenge, result_id=cast.result.id or 0, operator=cast.operator
        )


def test_only_managers_draft_decide_and_close(session: Session) -> None:
    cast = make_cast(session)
    with pytest.raises(NotPermitted):
        challenges.create(session=session, need=cast.need, data=challenge_input(), user=cast.researcher)
    with pytest.raises(NotPermitted):
        challenges.create(
            session=session, need=cast.need, data=challenge_input(), user=make_user(session, Role.enterprise)
        )
    challenge = published(session, cast)
    mine = proposals.submit(
        session=session, challenge=challenge, user=cast.researcher, data=proposal_input(cast.result)
    )
    for act in (proposals.shortlist, proposals.select_team):
        with pytest.raises(NotPermitted):
            act(session=session, challenge=challenge, proposal=mine, user=cast.researcher2)
    with pytest.raises(InvalidInput, match="关闭原因"):
        challenges.close(session=session, challenge=challenge, user=cast.operator, note=" ")
    with pytest.raises(InvalidInput, match="0–10"):
        proposals.score(
            session=session,
            challenge=challenge,
            proposal=mine,
            user=cast.operator,
            scores=[11, 1, 1],
            comment="",
        )


def test_form_rules(session: Session) -> None:
    with pytest.raises(ValidationError, match="悬赏金额"):
        challenge_input(reward_amount=None, reward_negotiable=False)
    assert challenge_input(reward_amount=None, reward_negotiable=True).reward_amount is None
    assert challenge_input(criteria="- 可行性\n\n· 团队 \n").criteria == ["可行性", "团队"]
    cast = make_cast(session)
    with pytest.raises(InvalidInput, match="须晚于今天"):
        challenges.create(
            session=session,
            need=cast.need,
            data=challenge_input(deadline=challenges.today()),
            user=cast.operator,
        )
