"""Field validators shared by needs and results (both are postings)."""

import re
from typing import Any

from backend.validation import clean_text

MAX_KEYWORDS = 8
MAX_KEYWORD_LEN = 20
_SPLIT = re.compile(r"[,，、;；\s]+")


def clean_keywords(value: Any) -> Any:
    """Accept a list or a comma/、-separated string; drop blanks and duplicates."""
    items = _SPLIT.split(value) if isinstance(value, str) else value
    if not isinstance(items, list):
        return items
    seen: list[str] = []
    for item in items:
        word = clean_text(str(item))
        if word and word not in seen:
            seen.append(word)
    if len(seen) > MAX_KEYWORDS:
        raise ValueError(f"关键词最多 {MAX_KEYWORDS} 个")
    if any(len(w) > MAX_KEYWORD_LEN for w in seen):
        raise ValueError(f"每个关键词不超过 {MAX_KEYWORD_LEN} 个字")
    return seen


def clean_modes(value: Any) -> Any:
    """Accept one mode or a list; drop duplicates, keep order."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        return items
    out: list[Any] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


def check_budget(low: float | None, high: float | None, negotiable: bool) -> None:
    """A budget or price is a range in 万元, or 面议."""
    if not negotiable and low is None and high is None:
        raise ValueError("请填写金额（万元），或选择“面议”")
    if low is not None and high is not None and low > high:
        raise ValueError("预算下限不能高于上限")
