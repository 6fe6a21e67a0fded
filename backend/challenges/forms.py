"""Reading the challenge and proposal forms: typed input, errors labelled in the forms' own words."""

from typing import Any

from pydantic import BaseModel

from backend.challenges.schemas import LABELS, SCORE_MAX
from backend.errors import InvalidInput
from backend.forms import parse


def parse_labelled(schema: type[BaseModel], data: dict[str, Any]) -> Any:
    """Validate form data; each error carries this form's label for its field."""
    try:
        return parse(schema, data)
    except InvalidInput as exc:
        detail = [dict(d, label=LABELS.get(d.get("field", ""), d.get("label", ""))) for d in exc.detail or []]
        summary = "；".join(f"{d['label']}：{d['message']}" for d in detail[:3])
        raise InvalidInput(f"请修改以下内容：{summary}", detail=detail) from None


def challenge_values(form: dict[str, Any]) -> dict[str, Any]:
    """The challenge form's fields (a blank amount is no amount; an unticked box is False)."""
    data = {k: form.get(k, "") for k in LABELS if k in form}
    data["reward_negotiable"] = bool(form.get("reward_negotiable"))
    if str(data.get("reward_amount", "")).strip() == "":
        data["reward_amount"] = None
    return data


def scores_from(form: dict[str, Any], criteria: int) -> list[int]:
    """score_0 … score_n as whole numbers 0–SCORE_MAX."""
    out: list[int] = []
    for i in range(criteria):
        raw = str(form.get(f"score_{i}", "")).strip()
        if not raw.isdigit() or int(raw) > SCORE_MAX:
            raise InvalidInput(
                f"请为每项评审标准打 0–{SCORE_MAX} 的整数分",
                detail=[{"field": "scores", "label": "评分", "message": f"每项 0–{SCORE_MAX} 分"}],
            )
        out.append(int(raw))
    return out
