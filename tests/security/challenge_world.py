"""The security world's 揭榜挂帅 records (tests/security/world.py calls `add_challenges`).

- challenge: public and published, on the public need, with researcher2's proposal (on result2);
- challenge_sec: 保密 and published, on the secret need, with MARKER in its text, nobody invited;
- challenge_draft: a draft on the public need.
"""

from datetime import timedelta
from typing import TYPE_CHECKING

from backend.challenges import proposals
from backend.challenges import service as challenges
from backend.challenges.schemas import ChallengeInput, ProposalInput

if TYPE_CHECKING:
    from tests.security.world import World


def challenge_form(**overrides: str) -> dict[str, str]:
    """A valid challenge form (as the page posts it)."""
    return {
        "title": "揭榜挂帅：发酵罐染菌",
        "description": "发酵罐批次差异大、容易染菌，征集把染菌率降到 1% 以下的方案。",
        "reward_amount": "50",
        "deadline": (challenges.today() + timedelta(days=60)).isoformat(),
        "criteria": "技术可行性\n团队基础",
        "eligibility": "",
        "visibility": "public",
    } | overrides


def proposal_form() -> dict[str, str]:
    """A valid proposal form."""
    return {
        "summary": "在线监测与自适应补料控制，染菌率降到 1% 以下。",
        "team": "测试团队",
        "plan": "三个月中试，六个月上线两台发酵罐。",
    }


def add_challenges(w: "World") -> dict[str, int]:
    """Create the world's challenges and proposal; their ids by name."""
    operator, enterprise = w.users["operator"], w.users["enterprise"]
    public = challenges.create(
        session=w.session,
        need=w.need_pub,
        data=ChallengeInput.model_validate(challenge_form()),
        user=enterprise,
        publish=True,
    )
    secret = challenges.create(
        session=w.session,
        need=w.need_sec,
        data=ChallengeInput.model_validate(
            challenge_form(
                title=f"保密榜单：{w.need_sec.title}", description=w.need_sec.problem, visibility="secret"
            )
        ),
        user=operator,
        publish=True,
    )
    draft = challenges.create(
        session=w.session,
        need=w.need_pub,
        data=ChallengeInput.model_validate(challenge_form()),
        user=operator,
    )
    proposal = proposals.submit(
        session=w.session,
        challenge=public,
        user=w.users["researcher2"],
        data=ProposalInput.model_validate(proposal_form() | {"result_id": w.result2.id}),
    )
    assert public.id and secret.id and draft.id and proposal.id
    return {
        "challenge": public.id,
        "challenge_sec": secret.id,
        "challenge_draft": draft.id,
        "proposal": proposal.id,
    }
