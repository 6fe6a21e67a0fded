"""Asking the platform about a posting, and answering, without disclosing identities.

EEN's "request more information": a user who may see a posting, and is not of its organisation,
asks the platform a question before any pairing. Operators are told and one answers; only the
asker reads the answer (in-app and by email). The posting's owner is never told who asked, and the
asker is never told who owns a 脱敏 posting: the operator asks the owner if needed and answers in
the platform's name.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from backend.accounts.models import User
from backend.audit.service import record
from backend.db import utcnow
from backend.errors import Conflict, InvalidInput, NotFound, NotPermitted
from backend.notifications.service import notify
from backend.postings import either
from backend.postings.display import posting_label
from backend.postings.kinds import KINDS
from backend.postings.need_model import Need
from backend.postings.result_model import Result
from backend.questions.models import PostingQuestion
from backend.validation import clean_text
from backend.vocab import Role

MAX_QUESTION = 1000
MAX_ANSWER = 2000
MAX_OPEN = 10  # unanswered questions one user may have at once


@dataclass(frozen=True)
class QuestionView:
    """A question as its asker or an operator reads it."""

    id: int
    posting: str  # the posting as the reader may name it
    url: str
    question: str
    answer: str | None
    asked_at: datetime
    answered_at: datetime | None
    asker: str  # operators only; "" for the asker's own view


def _bad(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, detail=[{"field": field, "message": message}])


def _text(value: str, field: str, limit: int, empty: str) -> str:
    try:
        text = clean_text(value or "")
    except ValueError as exc:
        raise _bad(field, f"内容{exc}") from None
    if not text:
        raise _bad(field, empty)
    if len(text) > limit:
        raise _bad(field, f"不超过 {limit} 字（现在 {len(text)} 字）")
    return str(text)


def posting_for(*, session: Session, side: str, posting_id: int, user: User | None) -> Need | Result:
    """The posting a question is about, if `user` may see it (else 404, like a missing one)."""
    if side not in KINDS:
        raise _bad("side", "请选择需求或成果")
    return either.get_visible(session=session, side=side, posting_id=posting_id, user=user)


def ask(*, session: Session, user: User, side: str, posting_id: int, question: str) -> PostingQuestion:
    """Store `user`'s question about a posting they may see; every operator is told."""
    posting = posting_for(session=session, side=side, posting_id=posting_id, user=user)
    if user.role == Role.operator:
        raise NotPermitted("平台运营不需要向平台提问")
    if posting.organisation_id == user.organisation_id:
        raise NotPermitted("这是本单位发布的信息，可直接编辑补充")
    text = _text(question, "question", MAX_QUESTION, "请输入问题")
    waiting = session.exec(
        select(PostingQuestion).where(
            PostingQuestion.asker_id == user.id, col(PostingQuestion.answer).is_(None)
        )
    ).all()
    if len(waiting) >= MAX_OPEN:
        raise Conflict(f"您已有 {MAX_OPEN} 个问题等待答复，请等平台答复后再提问")
    assert posting.id is not None and user.id is not None
    item = PostingQuestion(side=side, posting_id=posting.id, asker_id=user.id, question=text)
    session.add(item)
    session.flush()
    assert item.id is not None
    record(session=session, actor=user, action="ask", entity=side, entity_id=posting.id, summary=text)
    operators = session.exec(select(User).where(User.role == Role.operator, col(User.is_active))).all()
    for operator in operators:
        notify(
            session=session,
            users=[operator],
            kind="question",
            title=f"用户向平台提问：{posting_label(session=session, posting=posting, viewer=operator)}",
            body=text[:200],
            link="/ops/questions",
        )
    return item


def answer(*, session: Session, operator: User, question_id: int, text: str) -> PostingQuestion:
    """An operator answers; only the asker is told, in the words they may read."""
    if operator.role != Role.operator:
        raise NotPermitted("只有平台运营可以答复")
    item = session.get(PostingQuestion, question_id)
    if item is None:
        raise NotFound("问题不存在")
    if item.answer is not None:
        raise Conflict("该问题已答复")
    item.answer = _text(text, "answer", MAX_ANSWER, "请输入答复")
    item.answered_by, item.answered_at = operator.id, utcnow()
    session.add(item)
    session.flush()
    record(session=session, actor=operator, action="answer", entity=item.side, entity_id=item.posting_id)
    asker = session.get(User, item.asker_id)
    if asker is not None:
        view = _view(session, item, asker, for_operator=False)
        notify(
            session=session,
            users=[asker],
            kind="question_answered",
            title=f"平台答复了您的提问：{view.posting}",
            body=item.answer[:200],
            link="/questions",
        )
    return item


def _view(session: Session, item: PostingQuestion, viewer: User, *, for_operator: bool) -> QuestionView:
    posting: Need | Result | None = (
        session.get(Need, item.posting_id) if item.side == "need" else session.get(Result, item.posting_id)
    )
    named = posting_label(session=session, posting=posting, viewer=viewer) if posting else "（已删除）"
    asker = session.get(User, item.asker_id) if for_operator else None
    assert item.id is not None
    return QuestionView(
        id=item.id,
        posting=named,
        url=f"/{item.side}s/{item.posting_id}",
        question=item.question,
        answer=item.answer,
        asked_at=item.asked_at,
        answered_at=item.answered_at,
        asker=f"{asker.name}（{asker.email}）" if asker else "",
    )


def mine(*, session: Session, user: User) -> list[QuestionView]:
    """The asker's questions, newest first."""
    stmt = (
        select(PostingQuestion)
        .where(PostingQuestion.asker_id == user.id)
        .order_by(col(PostingQuestion.id).desc())
    )
    return [_view(session, q, user, for_operator=False) for q in session.exec(stmt)]


def queue(*, session: Session, operator: User) -> list[QuestionView]:
    """Every question, unanswered first (oldest first), then the answered ones (newest first)."""
    if operator.role != Role.operator:
        raise NotPermitted("只有平台运营可以查看")
    rows = list(session.exec(select(PostingQuestion)))
    open_ = sorted((q for q in rows if q.answer is None), key=lambda q: q.id or 0)
    done = sorted((q for q in rows if q.answer is not None), key=lambda q: -(q.id or 0))
    return [_view(session, q, operator, for_operator=True) for q in open_ + done]
