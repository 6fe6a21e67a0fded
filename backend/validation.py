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


_MOBILE = re.compile(r"1[3-9]\d{9}")
# Area codes: 010 and 02x have three digits, every other (03xx–09xx) four, so the split is never
# ambiguous; a local number has 7–8 digits and does not start with 0. An extension may follow.
_LANDLINE = re.compile(r"(0(?:10|2\d)|0[3-9]\d{2})-?([1-9]\d{6,7})(?:-(\d{1,6}))?")
PHONE_HELP = "请填写 11 位手机号（如 13871234567）或带区号的固定电话（如 027-87654321）"


def clean_phone(value: Any) -> Any:
    """A mainland mobile (13871234567) or a landline with its area code (027-87654321), in one
    written form; empty (or a hidden contact's None) stays as it is: the field says if it is required."""
    if not isinstance(value, str):
        return value
    text = unicodedata.normalize("NFKC", value).strip()
    if not text:
        return ""
    compact = re.sub(r"[\s()（）]", "", text)
    mobile = re.sub(r"^(?:\+?86)", "", compact).replace("-", "")
    if _MOBILE.fullmatch(mobile):
        return mobile
    landline = _LANDLINE.fullmatch(compact)
    if landline:
        area, number, extension = landline.groups()
        return f"{area}-{number}" + (f"-{extension}" if extension else "")
    raise ValueError(PHONE_HELP)
