"""A small world of records for the security tests: every role, each with something it owns.

Roles: anonymous, enterprise, another enterprise, researcher, another organisation's researcher,
operator. The enterprise owns a public, a 脱敏, a 保密 (with MARKER in its text), a draft and a
pending need; the researcher a published and a draft result; the other researcher a result
paired (推荐, not approved) with the secret need.
"""

from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from backend.accounts.models import User
from backend.accounts.service import start_session
from backend.accounts.session_cookie import SESSION_COOKIE
from backend.notifications.service import notify
from backend.pairings import service as pairings
from backend.pairings.models import Pairing
from backend.postings.need_model import Need
from backend.postings.result_model import Result
from backend.questions.service import ask
from backend.transfer.models import ImportJob
from backend.vocab import PostingStatus, Role
from tests.factories import make_need, make_result, make_user
from tests.security.challenge_world import add_challenges
from tests.security.document_world import add_attachments

ROLES = ("anonymous", "enterprise", "enterprise2", "researcher", "researcher2", "operator")
MARKER = "XQZ保密标记7731"  # appears only in the secret need's title and problem
DES_ORG = "脱敏企业甲有限公司"
DES_CONTACT = "脱敏联系人王五"
DES_PHONE = "13911112222"
DES_EMAIL = "wangwu-hidden@example.cn"


@dataclass
class World:
    session: Session
    users: dict[str, User]
    need_pub: Need
    need_des: Need
    need_sec: Need
    need_draft: Need
    need_pending: Need
    result: Result
    result_draft: Result
    result2: Result
    pairing: Pairing  # need_pub × result, 意向 from the enterprise
    pairing_secret: Pairing  # need_sec × result2, 推荐 by an operator
    notification_id: int
    job_id: int
    challenges: dict[str, int] = field(default_factory=dict)  # see tests/security/challenge_world.py
    attachments: dict[str, int] = field(default_factory=dict)  # see tests/security/document_world.py
    questions: dict[str, int] = field(default_factory=dict)  # a 向平台提问 by the enterprise, unanswered
    tokens: dict[str, str] = field(default_factory=dict)  # role -> session cookie
    csrf: dict[str, str] = field(default_factory=dict)  # role -> csrf token

    def ids(self) -> dict[str, Any]:
        return {
            "need": self.need_pub.id,
            "need_des": self.need_des.id,
            "need_sec": self.need_sec.id,
            "need_draft": self.need_draft.id,
            "need_pending": self.need_pending.id,
            "result": self.result.id,
            "result_draft": self.result_draft.id,
            "result2": self.result2.id,
            "pairing": self.pairing.id,
            "pairing_secret": self.pairing_secret.id,
            "notification": self.notification_id,
            "job": self.job_id,
            "version": self.pairing.version,
        } | {**self.challenges, **self.attachments, **self.questions}

    def sign_in(self, client: TestClient, role: str) -> None:
        """Put `role`'s session cookie on the client (no cookie for anonymous)."""
        client.cookies.clear()
        if role != "anonymous":
            client.cookies.set(SESSION_COOKIE, self.tokens[role])


def build_world(session: Session) -> World:
    """Create the records and one login session per signed-in role."""
    from backend.accounts.models import Organisation

    ent = make_user(session, Role.enterprise)
    ent_org = session.get(Organisation, ent.organisation_id)
    assert ent_org is not None
    ent_org.name = DES_ORG
    session.add(ent_org)
    users = {
        "enterprise": ent,
        "enterprise2": make_user(session, Role.enterprise),
        "researcher": make_user(session, Role.researcher),
        "researcher2": make_user(session, Role.researcher),
        "operator": make_user(session, Role.operator),
    }
    secret_text = dict(
        title=f"保密课题{MARKER}",
        problem=f"高温合金叶片内部缺陷检测，{MARKER}，涉及核心工艺不便公开。",
        confidentiality="secret",
        field="advanced_manufacturing",
        keywords=["叶片", "缺陷检测"],
    )
    need_pub = make_need(session, ent)
    need_des = make_need(
        session,
        ent,
        title="脱敏需求：发酵过程在线监测",
        confidentiality="desensitized",
        contact_name=DES_CONTACT,
        contact_phone=DES_PHONE,
        contact_email=DES_EMAIL,
    )
    need_sec = make_need(session, ent, **secret_text)
    need_draft = make_need(session, ent, publish=False, title="草稿需求：尚未发布")
    need_pending = make_need(session, ent, publish=False, title="待审核需求")
    need_pending.status = PostingStatus.pending
    session.add(need_pending)
    result = make_result(session, users["researcher"])
    result_draft = make_result(session, users["researcher"], publish=False, title="草稿成果：尚未发布")
    result2 = make_result(
        session,
        users["researcher2"],
        title="高温合金叶片缺陷的超声相控阵检测",
        summary="本成果用超声相控阵与深度学习识别高温合金叶片内部缺陷，检出率 98%。",
        field="advanced_manufacturing",
        keywords=["叶片", "缺陷检测", "超声"],
    )
    pairing = pairings.propose(
        session=session, need=need_pub, result=result, by=ent, score=70.0, explanation={"reasons_for": []}
    )
    pairing_secret = pairings.propose(
        session=session,
        need=need_sec,
        result=result2,
        by=users["operator"],
        score=66.0,
        explanation={"reasons_for": [], "need_sentence": {"text": MARKER}},
    )
    note = notify(session=session, users=[ent], kind="test", title="测试通知", link="/workspace")[0]
    job = ImportJob(kind="needs", policy="valid_only", actor_id=users["operator"].id, owner_id=ent.id)
    session.add(job)
    session.flush()
    assert note.id is not None and job.id is not None
    world = World(
        session=session,
        users=users,
        need_pub=need_pub,
        need_des=need_des,
        need_sec=need_sec,
        need_draft=need_draft,
        need_pending=need_pending,
        result=result,
        result_draft=result_draft,
        result2=result2,
        pairing=pairing,
        pairing_secret=pairing_secret,
        notification_id=note.id,
        job_id=job.id,
    )
    world.challenges = add_challenges(world)
    world.attachments = add_attachments(world)
    asked = ask(
        session=session, user=ent, side="result", posting_id=result.id or 0, question="能提供样品吗？"
    )
    world.questions = {"question": asked.id or 0}
    for role, user in users.items():
        token, row = start_session(session=session, user=user, hours=1)
        world.tokens[role], world.csrf[role] = token, row.csrf_token
    # Commit (the test's outer transaction still rolls it all back): a request that fails
    # rolls the session back, and must not take the world with it.
    session.commit()
    return world
