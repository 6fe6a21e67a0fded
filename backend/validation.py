"""Input hygiene every form shares: control characters refused, regions from the fixed list."""

import re
from typing import Any

from backend.vocab import REGIONS

# C0 control characters other than tab and line breaks: NUL among them, which PostgreSQL
# refuses to store (a 500 at commit) and which no one types on purpose.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: Any) -> Any:
    """Strip surrounding whitespace from text input; refuse control characters."""
    if not isinstance(value, str):
        return value
    if _CONTROL.search(value):
        raise ValueError("不能包含控制字符")
    return value.strip()


def clean_region(value: str) -> str:
    """A province-level region from the fixed list."""
    if value not in REGIONS:
        raise ValueError("请选择省级行政区，如“湖北省”")
    return value
