"""Validation errors as Chinese messages tied to a field, for forms and the API alike."""

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from backend.errors import InvalidInput

FIELD_LABELS: dict[str, str] = {
    "title": "标题",
    "problem": "拟解决的技术难题",
    "indicators": "技术指标",
    "basis": "现有基础",
    "field": "技术领域",
    "keywords": "关键词",
    "region": "所在地区",
    "budget_min": "预算下限",
    "budget_max": "预算",
    "budget_negotiable": "预算面议",
    "trl_wanted": "期望成熟度",
    "modes": "合作方式",
    "valid_until": "有效期至",
    "confidentiality": "保密级别",
    "contact_name": "联系人",
    "contact_phone": "联系电话",
    "contact_email": "联系邮箱",
    "summary": "成果简介",
    "advantages": "技术优势",
    "team": "完成单位 / 完成人",
    "form": "成果形式",
    "ip_status": "知识产权状态",
    "patent_numbers": "专利号",
    "trl": "技术成熟度",
    "price": "转让报价",
    "price_negotiable": "报价面议",
    "email": "邮箱",
    "password": "密码",
    "new_password": "新密码",
    "current_password": "当前密码",
    "password_confirm": "确认密码",
    "new_password_confirm": "确认新密码",
    "accept_terms": "用户协议",
    "token": "链接",
    "name": "姓名",
    "phone": "手机号",
    "role": "账号类型",
    "organisation_name": "单位名称",
    "organisation_kind": "单位类型",
    "note": "备注",
    "message": "留言",
}


def _number(value: Any) -> str:
    # A float bound reads "0", not "0.0".
    return f"{value:g}" if isinstance(value, float) else str(value)


def _message(err: Any) -> str:
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return "此项为必填项"
    if kind in ("string_too_short",):
        n = ctx.get("min_length", 1)
        return "此项为必填项" if n <= 1 else f"至少填写 {n} 个字"
    if kind == "string_too_long":
        return f"不能超过 {ctx.get('max_length')} 个字"
    if kind == "too_short":
        return "请至少选择一项"
    if kind == "too_long":
        return f"最多 {ctx.get('max_length')} 项"
    if kind in ("greater_than_equal", "greater_than"):
        return f"不能小于 {_number(ctx.get('ge', ctx.get('gt')))}"
    if kind in ("less_than_equal", "less_than"):
        return f"不能大于 {_number(ctx.get('le', ctx.get('lt')))}"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "请填写整数"
    if kind in ("float_parsing", "float_type", "decimal_parsing"):
        return "请填写数字"
    if kind in ("date_parsing", "date_from_datetime_parsing", "date_type", "date_from_datetime_inexact"):
        return "请填写有效日期，如 2027-06-30"
    if kind in ("bool_parsing", "bool_type"):
        return "请选择是或否"
    if kind in ("enum", "literal_error"):
        return "请从列表中选择"
    if kind == "string_pattern_mismatch":
        return "格式不正确"
    if kind in ("string_type", "list_type", "dict_type", "model_type", "model_attributes_type"):
        return "类型不正确"
    if kind == "value_error":
        return str(err.get("msg", "")).removeprefix("Value error, ")
    if kind == "json_invalid":
        return "请求体不是合法的 JSON"
    return "输入无效"


_SOURCES = ("body", "query", "path", "header", "cookie")


def field_errors(errors: Sequence[Any]) -> list[dict[str, str]]:
    """[{"field", "label", "message"}] for pydantic/FastAPI error dicts."""
    out: list[dict[str, str]] = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ())]
        # Only the leading part says where the value came from: a field may be named "form".
        if loc and loc[0] in _SOURCES:
            loc = loc[1:]
        field = next((p for p in loc if not p.isdigit()), "") if loc else ""
        label = FIELD_LABELS.get(field, field or "请求")
        out.append({"field": field, "label": label, "message": _message(err)})
    return out


def invalid(exc: ValidationError) -> InvalidInput:
    """The domain error for a failed model validation."""
    errors = field_errors(exc.errors())
    summary = "；".join(f"{e['label']}：{e['message']}" for e in errors[:3])
    return InvalidInput(f"请修改以下内容：{summary}", detail=errors)


def first_by_field(detail: Sequence[dict[str, str]]) -> dict[str, str]:
    """Field → its first message, for rendering beside form inputs."""
    out: dict[str, str] = {}
    for e in detail:
        out.setdefault(e["field"], e["message"])
    return out
