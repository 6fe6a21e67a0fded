"""Small factories for test records; each takes overrides."""

from datetime import timedelta
from itertools import count
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from backend.accounts.models import Organisation, User
from backend.accounts.security import hash_password
from backend.db import utcnow
from backend.postings import needs as needs
from backend.postings import results as results
from backend.postings.need_model import Need, NeedCreate
from backend.postings.result_model import Result, ResultCreate
from backend.vocab import OrgKind, PostingStatus, Role

PASSWORD = "Passw0rd!"
_seq = count(1)
_HASH = hash_password(PASSWORD)


def make_org(session: Session, **overrides: Any) -> Organisation:
    n = next(_seq)
    fields: dict[str, Any] = {
        "name": f"测试单位{n}",
        "kind": OrgKind.enterprise,
        "region": "湖北省",
    } | overrides
    org = Organisation(**fields)
    session.add(org)
    session.flush()
    return org


def make_user(session: Session, role: Role = Role.enterprise, **overrides: Any) -> User:
    n = next(_seq)
    if "organisation_id" not in overrides:
        kind = {
            Role.enterprise: OrgKind.enterprise,
            Role.researcher: OrgKind.university,
            Role.operator: OrgKind.platform,
        }[role]
        overrides["organisation_id"] = make_org(session, kind=kind).id
    fields: dict[str, Any] = {
        "email": f"user{n}@example.cn",
        "name": f"用户{n}",
        "phone": "13800000000",
        "role": role,
        "password_hash": _HASH,
        "email_verified_at": utcnow(),  # test users may submit postings; unverified ones say so
    } | overrides
    user = User(**fields)
    session.add(user)
    session.flush()
    return user


def need_data(**overrides: Any) -> dict[str, Any]:
    return {
        "title": "发酵罐批次差异大、容易染菌",
        "problem": "我们厂的发酵罐批次之间差异大，老是染菌，想找能解决的团队，提高批次稳定性。",
        "indicators": "染菌率低于 1%，批次产量波动小于 5%",
        "basis": "现有 20 吨发酵罐 6 台",
        "field": "biomedicine",
        "keywords": ["发酵", "染菌"],
        "region": "湖北省",
        "budget_min": 50,
        "budget_max": 100,
        "budget_negotiable": False,
        "trl_wanted": 6,
        "modes": ["transfer", "joint_development"],
        "valid_until": (utcnow() + timedelta(days=90)).date().isoformat(),
        "confidentiality": "public",
        "contact_name": "张伟",
        "contact_phone": "13871234567",
        "contact_email": "zhang@example.cn",
    } | overrides


def result_data(**overrides: Any) -> dict[str, Any]:
    return {
        "title": "基于在线传感的发酵过程智能控制技术",
        "summary": "本成果采用在线拉曼光谱与软测量模型实时监测发酵过程关键参数，结合自适应补料控制，显著降低批次间差异。",
        "advantages": "批次间产量变异系数由 12% 降至 3%",
        "field": "biomedicine",
        "keywords": ["发酵过程控制", "拉曼光谱"],
        "team": "李明教授团队",
        "form": "invention_patent",
        "ip_status": "granted",
        "patent_numbers": ["ZL202110345678.3"],
        "trl": 5,
        "modes": ["license_general", "joint_development"],
        "price_negotiable": False,
        "price": 80,
        "region": "湖北省",
        "contact_name": "李明",
        "contact_phone": "027-87541234",
        "contact_email": "liming@example.edu.cn",
    } | overrides


def _reviewer(session: Session) -> User:
    """An operator to approve what factories publish (postings wait for review)."""
    return make_user(session, Role.operator)


def make_need(session: Session, owner: User, publish: bool = True, **overrides: Any) -> Need:
    need = needs.create(
        session=session, data=NeedCreate.model_validate(need_data(**overrides)), user=owner, publish=publish
    )
    if need.status == PostingStatus.pending:
        needs.approve(session=session, need=need, operator=_reviewer(session))
    return need


def make_result(session: Session, owner: User, publish: bool = True, **overrides: Any) -> Result:
    result = results.create(
        session=session,
        data=ResultCreate.model_validate(result_data(**overrides)),
        user=owner,
        publish=publish,
    )
    if result.status == PostingStatus.pending:
        results.approve(session=session, result=result, operator=_reviewer(session))
    return result


def login(client: TestClient, user: User, password: str = PASSWORD) -> None:
    """Sign `user` in on `client` through the JSON API (sets the session cookie)."""
    response = client.post("/api/auth/login", json={"email": user.email, "password": password})
    assert response.status_code == 200, response.text
