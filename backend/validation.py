"""Input hygiene every form shares: control characters refused, regions from the fixed list."""

import re
import unicodedata
from typing import Any

from backend.vocab import REGIONS

# C0 control characters other than tab and line breaks: NUL among them, which PostgreSQL
# refuses to store (a 500 at commit) and which no one types on purpose.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Bidi embeddings, overrides and isolates: they make text display in an order other than the one
# stored ("Trojan source"), e.g. a name or title that reads like another one.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Characters that show nothing: a name with one reads exactly like the name without it.
_INVISIBLE = re.compile("[\u200b-\u200f\u2060-\u2064\ufeff\u00ad\u061c\u180e]")


def clean_text(value: Any) -> Any:
    """Strip surrounding whitespace from text input; refuse control and bidi-override characters."""
    if not isinstance(value, str):
        return value
    if _CONTROL.search(value):
        raise ValueError("不能包含控制字符")
    if _BIDI.search(value):
        raise ValueError("不能包含改变文字显示方向的控制字符")
    return value.strip()


def normalise_name(value: str) -> str:
    """A name as stored and compared: NFKC (全角 → 半角), no invisible or bidi characters, single spaces."""
    text = unicodedata.normalize("NFKC", value)
    text = _BIDI.sub("", _INVISIBLE.sub("", text))
    return " ".join(text.split())


def name_key(value: str) -> str:
    """What makes two names the same organisation: the normalised name, case-folded."""
    return normalise_name(value).casefold()


def clean_region(value: str) -> str:
    """A province-level region from the fixed list."""
    if value not in REGIONS:
        raise ValueError("请选择省级行政区，如“湖北省”")
    return value
