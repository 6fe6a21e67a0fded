"""Pages and JSON API of 向平台提问: ask about a posting, read answers, and the operators' queue."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, Field

from backend.accounts.deps import CsrfChecked, CurrentUser, OperatorUser, SignedIn
from backend.deps import SessionDep
from backend.errors import Conflict, InvalidInput, NotPermitted
from backend.forms import FormState, PostedForm
from backend.postings.display import posting_label
from backend.questions import service
from backend.templating import redirect, render

router = APIRouter(include_in_schema=False)
api = APIRouter(tags=["questions"])


@dataclass
class AskPage:
    title: str
    side: str
    posting_id: int
    posting: str
    form: FormState = field(default_factory=FormState)

    @property
    def errors(self) -> dict[str, str]:
        return self.form.errors


@dataclass
class ListPage:
    title: str
    items: list[service.QuestionView]
    errors: dict[int, str] = field(default_factory=dict)
    drafts: dict[int, str] = field(default_factory=dict)


def _id(value: Any) -> int:
    text = str(value or "")
    if not text.isdigit() or len(text) > 18:
        raise InvalidInput("请求参数有误")
    return int(text)


def _ask_page(session: SessionDep, viewer: SignedIn, side: str, posting_id: int) -> AskPage:
    posting = service.posting_for(session=session, side=side, posting_id=posting_id, user=viewer.user)
    named = posting_label(session=session, posting=posting, viewer=viewer.user)
    return AskPage("向平台提问", side, posting_id, named)


@router.get("/questions/new", response_class=HTMLResponse)
def ask_form(
    request: Request, session: SessionDep, viewer: SignedIn, side: str = "", posting_id: str = ""
) -> HTMLResponse:
    return render(request, "questions/ask.html", _ask_page(session, viewer, side, _id(posting_id)))


@router.post("/questions", dependencies=[CsrfChecked], response_model=None)
def ask(
    request: Request, session: SessionDep, viewer: SignedIn, form: PostedForm
) -> HTMLResponse | RedirectResponse:
    side, posting_id, text = (
        str(form.get("side", "")),
        _id(form.get("posting_id")),
        str(form.get("question", "")),
    )
    page = _ask_page(session, viewer, side, posting_id)
    try:
        service.ask(session=session, user=viewer.user, side=side, posting_id=posting_id, question=text)
    except (InvalidInput, Conflict, NotPermitted) as exc:
        page.form.values["question"] = text
        if isinstance(exc, InvalidInput):
            page.form.fail(exc)
        else:
            page.form.errors = {"": exc.message}
        return render(request, "questions/ask.html", page, status_code=exc.status_code)
    return redirect("/questions", "问题已提交平台，运营答复后会通知您；对方不会知道提问人是谁")


@router.get("/questions", response_class=HTMLResponse)
def my_questions(request: Request, session: SessionDep, viewer: SignedIn) -> HTMLResponse:
    return render(
        request, "questions/mine.html", ListPage("我的提问", service.mine(session=session, user=viewer.user))
    )


@router.get("/ops/questions", response_class=HTMLResponse)
def ops_queue(request: Request, session: SessionDep, operator: OperatorUser) -> HTMLResponse:
    return render(
        request, "questions/ops.html", ListPage("用户提问", service.queue(session=session, operator=operator))
    )


@router.post("/ops/questions/{question_id:int}/answer", dependencies=[CsrfChecked], response_model=None)
def ops_answer(
    request: Request, question_id: int, session: SessionDep, operator: OperatorUser, form: PostedForm
) -> HTMLResponse | RedirectResponse:
    text = str(form.get("answer", ""))
    try:
        service.answer(session=session, operator=operator, question_id=question_id, text=text)
    except (InvalidInput, Conflict) as exc:
        page = ListPage("用户提问", service.queue(session=session, operator=operator))
        page.errors[question_id], page.drafts[question_id] = exc.message, text
        return render(request, "questions/ops.html", page, status_code=exc.status_code)
    return redirect("/ops/questions", "已答复，提问人会收到通知")


class QuestionIn(BaseModel):
    side: str = Field(max_length=10)
    posting_id: int = Field(ge=1, le=2**63 - 1)
    question: str = Field(max_length=service.MAX_QUESTION + 500)


class AnswerIn(BaseModel):
    answer: str = Field(max_length=service.MAX_ANSWER + 500)


class QuestionOut(BaseModel):
    id: int
    posting: str
    url: str
    question: str
    answer: str | None
    asked_at: datetime
    answered_at: datetime | None


def _out(v: service.QuestionView) -> QuestionOut:
    return QuestionOut(
        id=v.id,
        posting=v.posting,
        url=v.url,
        question=v.question,
        answer=v.answer,
        asked_at=v.asked_at,
        answered_at=v.answered_at,
    )


@api.post("/questions", status_code=201)
def api_ask(data: QuestionIn, session: SessionDep, user: CurrentUser) -> QuestionOut:
    """Ask the platform about a posting (the owner is not told who asked)."""
    item = service.ask(
        session=session, user=user, side=data.side, posting_id=data.posting_id, question=data.question
    )
    return next(_out(v) for v in service.mine(session=session, user=user) if v.id == item.id)


@api.get("/questions")
def api_mine(session: SessionDep, user: CurrentUser) -> list[QuestionOut]:
    """The caller's questions and their answers, newest first."""
    return [_out(v) for v in service.mine(session=session, user=user)]


@api.get("/ops/questions")
def api_queue(session: SessionDep, operator: OperatorUser) -> list[QuestionOut]:
    """Every question, unanswered first."""
    return [_out(v) for v in service.queue(session=session, operator=operator)]


@api.post("/ops/questions/{question_id}/answer")
def api_answer(question_id: int, data: AnswerIn, session: SessionDep, operator: OperatorUser) -> QuestionOut:
    """Answer a question; only the asker is told."""
    item = service.answer(session=session, operator=operator, question_id=question_id, text=data.answer)
    return next(_out(v) for v in service.queue(session=session, operator=operator) if v.id == item.id)
