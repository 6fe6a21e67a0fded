"""What a challenge form and a proposal form accept, validated with Chinese messages."""

from datetime import date

from pydantic import BaseModel, Field, ValidationInfo, field_validator, model_validator

from backend.challenges.models import ChallengeVisibility
from backend.validation import clean_text

MAX_CRITERIA = 8
SCORE_MAX = 10  # each criterion is scored 0–10

LABELS: dict[str, str] = {
    "title": "榜单标题",
    "description": "榜单内容",
    "reward_amount": "悬赏金额",
    "reward_negotiable": "悬赏",
    "deadline": "揭榜截止日期",
    "criteria": "评审标准",
    "eligibility": "揭榜条件",
    "visibility": "可见范围",
    "summary": "方案概述",
    "team": "团队",
    "plan": "实施计划",
    "result_id": "依托成果",
    "scores": "评分",
    "comment": "评语",
    "note": "说明",
}


class ChallengeInput(BaseModel):
    """A challenge as drafted: the need's text (editable), reward, deadline, criteria, eligibility."""

    title: str = Field(min_length=2, max_length=80)
    description: str = Field(min_length=10, max_length=4000)
    reward_amount: float | None = Field(default=None, gt=0, le=1_000_000)
    reward_negotiable: bool = Field(default=False, validate_default=True)
    deadline: date
    criteria: list[str] = Field(min_length=1, max_length=MAX_CRITERIA)
    eligibility: str = Field(default="", max_length=1000)
    visibility: ChallengeVisibility = ChallengeVisibility.public

    _strip = field_validator("title", "description", "eligibility", mode="before")(clean_text)

    @field_validator("criteria", mode="before")
    @classmethod
    def _lines(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.splitlines()
        if isinstance(value, list):
            lines = [str(v).strip(" \t-·•、") for v in value]
            value = [line[:100] for line in lines if line]
        return value

    @field_validator("reward_negotiable")
    @classmethod
    def _reward(cls, negotiable: bool, info: ValidationInfo) -> bool:
        if info.data.get("reward_amount") is None and not negotiable and "reward_amount" in info.data:
            raise ValueError("请填写悬赏金额（万元）或选择面议")
        return negotiable

    @model_validator(mode="after")
    def _negotiable_has_no_amount(self) -> "ChallengeInput":
        if self.reward_negotiable:
            self.reward_amount = None
        return self


class ProposalInput(BaseModel):
    """A researcher's 揭榜方案: what they propose, who does it, how, and the result it builds on."""

    summary: str = Field(min_length=10, max_length=4000)
    team: str = Field(min_length=2, max_length=2000)
    plan: str = Field(min_length=10, max_length=2000)
    result_id: int | None = None

    _strip = field_validator("summary", "team", "plan", mode="before")(clean_text)

    @field_validator("result_id", mode="before")
    @classmethod
    def _blank(cls, value: object) -> object:
        return None if value in ("", None) else value
