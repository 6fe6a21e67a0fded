"""Factories for challenge tests: a need's enterprise, an operator, researchers with results."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlmodel import Session

from backend.accounts.models import User
from backend.challenges import service as challenges
from backend.challenges.models import Challenge
from backend.challenges.schemas import ChallengeInput, ProposalInput
from backend.postings.need_model import Need
from backend.postings.result_model import Result
from backend.vocab import Role
from tests.factories import make_need, make_result, make_user


@dataclass
class Cast:
    enterprise: User
    operator: User
    researcher: User
    researcher2: User
    need: Need
    result: Result
    result2: Result


def make_cast(session: Session, **need: Any) -> Cast:
    enterprise = make_user(session, Role.enterprise)
    researcher, researcher2 = make_user(session, Role.researcher), make_user(session, Role.researcher)
    return Cast(
        enterprise=enterprise,
        operator=make_user(session, Role.operator),
        researcher=researcher,
        researcher2=researcher2,
        need=make_need(session, enterprise, **need),
        result=make_result(session, researcher),
        result2=make_result(session, researcher2, title="发酵染菌快速检测与在线灭菌控制"),
    )


def challenge_input(**overrides: Any) -> ChallengeInput:
    data: dict[str, Any] = {
        "title": "揭榜挂帅：发酵罐批次稳定性",
        "description": "发酵罐批次之间差异大、容易染菌，征集能把染菌率降到 1% 以下的技术方案。",
        "reward_amount": 80,
        "deadline": challenges.today() + timedelta(days=20),
        "criteria": "技术可行性\n团队基础\n实施周期",
        "eligibility": "高校或院所团队",
        "visibility": "public",
    } | overrides
    return ChallengeInput.model_validate(data)


def proposal_input(result: Result | None = None, **overrides: Any) -> ProposalInput:
    data: dict[str, Any] = {
        "summary": "以在线拉曼监测与自适应补料控制稳定批次，配合快速染菌检测。",
        "team": "李明教授团队（8 人）",
        "plan": "三个月完成中试验证，六个月内在两台发酵罐上线。",
        "result_id": result.id if result else None,
    } | overrides
    return ProposalInput.model_validate(data)


def published(session: Session, cast: Cast, **overrides: Any) -> Challenge:
    return challenges.create(
        session=session, need=cast.need, data=challenge_input(**overrides), user=cast.operator, publish=True
    )
