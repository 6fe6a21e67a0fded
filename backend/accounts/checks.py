"""The checks of the account forms that need more than one field or the database, and a parse
that reports them together with the per-field ones: every problem of a form is shown at once."""

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlmodel import Session, func, select

from backend.accounts.models import Organisation, User
from backend.accounts.security import verify_password
from backend.errors import InvalidInput
from backend.errors.messages import field_errors
from backend.validation import name_key
from backend.vocab import OrgKind, Role

M = TypeVar("M", bound=BaseModel)
Problem = dict[str, str]
Checks = Callable[[Mapping[str, Any], set[str]], list[Problem]]

MISMATCH = "两次输入的密码不一致"
EMAIL_TAKEN = ("email", "邮箱", "该邮箱已注册")
ORG_TAKEN = ("organisation_name", "单位名称", "该单位已在平台注册，请联系平台运营为您开通账号")
ROLE_ORG_KINDS = {
    Role.enterprise: {OrgKind.enterprise},
    Role.researcher: {OrgKind.university, OrgKind.institute},
    Role.operator: {OrgKind.platform},
}


def problem(field: str, label: str, message: str) -> Problem:
    """One field's problem, as forms and the API show it."""
    return {"field": field, "label": label, "message": message}


def refuse(problems: list[Problem]) -> InvalidInput:
    """The one error that carries every problem."""
    summary = "；".join(f"{p['label']}：{p['message']}" for p in problems[:3])
    return InvalidInput(summary if len(problems) == 1 else f"请修改以下内容：{summary}", detail=problems)


def all_at_once(schema: type[M], raw: Mapping[str, Any], checks: Checks) -> M:
    """`raw` parsed by `schema`, with `checks` run even when some fields are wrong (on what was
    typed, skipping those fields): InvalidInput lists every problem."""
    problems: list[Problem] = []
    parsed: M | None = None
    try:
        parsed = schema.model_validate(raw)
    except ValidationError as exc:
        problems = field_errors(exc.errors())
    wrong = {p["field"] for p in problems}
    values = parsed.model_dump() if parsed is not None else raw
    problems += [p for p in checks(values, wrong) if p["field"] not in wrong]
    if problems:
        raise refuse(problems)
    assert parsed is not None
    return parsed


def _text(values: Mapping[str, Any], name: str) -> str:
    value = values.get(name)
    return value if isinstance(value, str) else ""


def confirm_problem(values: Mapping[str, Any], password: str, confirm: str, label: str) -> list[Problem]:
    """A mismatch of a password and its confirmation (when the confirmation was sent at all)."""
    typed = values.get(confirm)
    if typed is None or typed == values.get(password):
        return []
    return [problem(confirm, label, MISMATCH)]


def _accepted(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in ("1", "on", "true", "yes"))


def signup_problems(
    *, session: Session, values: Mapping[str, Any], skip: set[str], created_by: User | None
) -> list[Problem]:
    """What is wrong with a sign-up beyond each field on its own: confirmation, consent, the
    account type against the organisation's, an email or organisation already registered."""
    found = confirm_problem(values, "password", "password_confirm", "确认密码")
    if created_by is None and not _accepted(values.get("accept_terms")):
        found.append(problem("accept_terms", "用户协议", "请阅读并同意《用户协议》和《隐私政策》"))
    role, kind = _text(values, "role"), _text(values, "organisation_kind")
    roles, kinds = {r.value for r in Role}, {k.value for k in OrgKind}
    known = role in roles and kind in kinds and not {"role", "organisation_kind"} & skip
    if known and OrgKind(kind) not in ROLE_ORG_KINDS[Role(role)]:
        found.append(problem("organisation_kind", "单位类型", "账号类型与单位类型不符"))
        known = False
    email = _text(values, "email").strip().lower()
    taken = select(User.id).where(func.lower(User.email) == email)
    if "email" not in skip and email and session.exec(taken).first() is not None:
        found.append(problem(*EMAIL_TAKEN))
    name = _text(values, "organisation_name")
    if "organisation_name" not in skip and name:
        org = session.exec(select(Organisation).where(Organisation.name_key == name_key(name))).first()
        if org is not None and created_by is None:
            # Joining an existing organisation would let anyone edit its postings:
            # only an operator may add people to an organisation already here.
            found.append(problem(*ORG_TAKEN))
        elif org is not None and known and org.kind != kind:
            found.append(problem("organisation_kind", "单位类型", "与该单位已登记的类型不符"))
    return found


def password_change_problems(*, user: User, values: Mapping[str, Any], skip: set[str]) -> list[Problem]:
    """A wrong current password, a confirmation that differs, a new password equal to the old."""
    found: list[Problem] = []
    current, new = _text(values, "current_password"), _text(values, "new_password")
    if "current_password" not in skip and not verify_password(user.password_hash, current):
        found.append(problem("current_password", "当前密码", "当前密码不正确"))
    if "new_password" not in skip and current and new == current:
        found.append(problem("new_password", "新密码", "新密码不能与当前密码相同"))
    return found + confirm_problem(values, "new_password", "new_password_confirm", "确认新密码")
