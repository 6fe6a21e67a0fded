"""Patent and other IP numbers of a result: Chinese application / patent numbers with their check digit.

An application number (申请号, and the patent number ZL… that keeps it) since 2003 is 12 digits:
year (4), type (1 发明, 2 实用新型, 3 外观设计, 8 / 9 PCT 进入中国), serial (7), then a check digit:
the digits weighted 2,3,4,5,6,7,8,9,2,3,4,5, summed, mod 11, 10 written X. Before 2003 it was
8 digits (year 2, type 1, serial 5) weighted 2..9. A publication number (公开 / 公告号, CN116284573A)
has no check digit and is checked by its form; so are a software copyright registration
(2021SR0123456) and a plant variety right (CNA20191234.5), which results list in the same field.
"""

import re
import unicodedata

_APPLICATION = re.compile(r"(ZL|CN)?(\d{12}|\d{8})(?:\.([0-9X]))?")
_PUBLICATION = re.compile(r"CN\d{7,9}[A-Z]\d?")
_SOFTWARE = re.compile(r"\d{4}SR\d{6,7}")
_VARIETY = re.compile(r"CNA\d{8,11}(?:\.\d)?")
_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
_TYPES = "12389"
FORMAT_HELP = "中国专利号如 ZL202310123456.6（申请号 12 位加校验位），公开号如 CN116284573A"


def check_digit(digits: str) -> str:
    """The check digit of a 12- or 8-digit application number."""
    total = sum(int(d) * w for d, w in zip(digits, _WEIGHTS, strict=False))
    rest = total % 11
    return "X" if rest == 10 else str(rest)


def _compact(value: str) -> str:
    """全角 → 半角, upper case, no spaces: 'zl 2023 1 0123456.7' → 'ZL202310123456.7'."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value)).upper().replace("。", ".")


def _check_application(shown: str, digits: str, check: str | None) -> None:
    year = int(digits[:4]) if len(digits) == 12 else 1900 + int(digits[:2])
    kind = digits[4] if len(digits) == 12 else digits[2]
    if len(digits) == 8 and not 85 <= int(digits[:2]) <= 99 and not int(digits[:2]) <= 3:
        raise ValueError(f"专利号“{shown}”的年份不正确")
    if len(digits) == 12 and not 2003 <= year <= 2099:
        raise ValueError(f"专利号“{shown}”的年份不正确（12 位申请号始于 2003 年）")
    if kind not in _TYPES:
        raise ValueError(f"专利号“{shown}”的专利类型位应为 1、2、3、8 或 9")
    if check is None:
        raise ValueError(f"专利号“{shown}”缺少校验位（小数点后的一位数字或 X）")
    if check != check_digit(digits):
        raise ValueError(f"专利号“{shown}”的校验位不正确，请核对号码")


def clean_patent_number(value: str) -> str:
    """One number in its stored form, or ValueError naming it in Chinese."""
    shown = value.strip()
    text = _compact(shown)
    if _VARIETY.fullmatch(text) or _SOFTWARE.fullmatch(text) or _PUBLICATION.fullmatch(text):
        return text
    application = _APPLICATION.fullmatch(text)
    if application is None:
        raise ValueError(f"专利号“{shown}”格式不正确：{FORMAT_HELP}")
    prefix, digits, check = application.groups()
    _check_application(shown, digits, check)
    return f"{prefix or ''}{digits}.{check}"


_SEPARATORS = re.compile(r"[,，、;；\n\r]+")


def split_numbers(text: str) -> list[str]:
    """Numbers typed in one box: one per line or separated by commas / 、; spaces inside one
    number are allowed (ZL 2023 1 0123456.6), and a line of space-separated numbers is split
    only when each piece is a number on its own."""
    out: list[str] = []
    for chunk in _SEPARATORS.split(text):
        chunk = chunk.strip()
        if not chunk:
            continue
        pieces = chunk.split()
        if len(pieces) > 1 and not _one_number(chunk) and all(_one_number(p) for p in pieces):
            out.extend(pieces)
        else:
            out.append(chunk)
    return out


def _one_number(text: str) -> bool:
    try:
        clean_patent_number(text)
    except ValueError:
        return False
    return True
