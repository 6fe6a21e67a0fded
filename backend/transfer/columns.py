"""Spreadsheet columns of needs and results: Chinese headers, cell parsing and cell formatting.

One list per kind serves the download template, the importer and the exporter, so an exported
file always re-imports. Cells accept Chinese labels or the enum codes.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from backend.vocab import (
    REGIONS,
    TRL_LABELS,
    Confidentiality,
    IpStatus,
    LabelledEnum,
    ResultForm,
    TechField,
    TransferMode,
)

KINDS = ("needs", "results")
TRUE_WORDS = {"是", "y", "yes", "true", "1", "面议", "√"}
FALSE_WORDS = {"否", "n", "no", "false", "0", ""}
_LIST_SPLIT = re.compile(r"[、,，;；\n]+")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


class CellError(ValueError):
    """A cell that cannot be read as its column's kind of value (message in Chinese)."""


@dataclass(frozen=True)
class Column:
    """One spreadsheet column bound to a model field."""

    field: str
    header: str
    required: bool  # the column must be present in an imported file
    parse: Callable[[Any], Any]
    show: Callable[[Any], Any]
    example: Any
    hint: str = ""  # the 填写说明 line: allowed values or format


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _same(value: Any) -> Any:
    return value


def _number(value: Any) -> Any:
    """A number cell, or None when blank; text is left for the model to judge."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        return value.strip().replace(",", "").removesuffix("万元").strip()
    return value


def _show_number(value: Any) -> Any:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else float(value)


def _flag(value: Any) -> bool:
    word = _text(value).lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CellError(f"无法识别“{_text(value)}”，请填写“是”或“否”")


def _show_flag(value: Any) -> str:
    return "是" if value else "否"


def _date(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    found = _DATE.match(text)
    if not found:
        return text or None
    try:
        return date(int(found[1]), int(found[2]), int(found[3]))
    except ValueError:
        return text


def _show_date(value: Any) -> str:
    return value.isoformat() if value else ""


def _region(value: Any) -> str:
    """A province-level region; a unique short form (湖北 → 湖北省) is accepted."""
    text = _text(value)
    if text in REGIONS or len(text) < 2:
        return text
    found = [r for r in REGIONS if r.startswith(text)]
    return found[0] if len(found) == 1 else text


def aliases(enum: type[LabelledEnum]) -> dict[str, str]:
    """Every word a cell may hold for each member: code, label, and each part of a 'A / B' label."""
    out: dict[str, str] = {}
    for member in enum:
        out[member.value.lower()] = member.value
        out[member.label] = member.value
        for part in member.label.split("/"):
            out.setdefault(part.strip(), member.value)
    if enum is TransferMode:
        out.setdefault("作价入股", TransferMode.equity.value)
    return out


def _choice(enum: type[LabelledEnum]) -> Callable[[Any], Any]:
    words = aliases(enum)
    allowed = "、".join(m.label for m in enum)

    def parse(value: Any) -> Any:
        text = _text(value)
        if not text:
            return None
        code = words.get(text) or words.get(text.lower())
        if code is None:
            raise CellError(f"无法识别“{text}”，可填：{allowed}")
        return code

    return parse


def _choices(enum: type[LabelledEnum]) -> Callable[[Any], Any]:
    one = _choice(enum)

    def parse(value: Any) -> list[Any]:
        return [one(part) for part in _LIST_SPLIT.split(_text(value)) if part.strip()]

    return parse


def _show_label(enum: type[LabelledEnum]) -> Callable[[Any], str]:
    return lambda value: enum(value).label if value else ""


def _show_labels(enum: type[LabelledEnum]) -> Callable[[Any], str]:
    return lambda values: "、".join(enum(v).label for v in values or [])


def _words(value: Any) -> str:
    # The models split a string on commas, 、 and spaces themselves.
    return _text(value)


def _show_words(values: Any) -> str:
    return "、".join(str(v) for v in values or [])


def _labels(enum: type[LabelledEnum]) -> str:
    return "、".join(m.label for m in enum)


TRL_HINT = "填 1–9 的整数：" + "；".join(f"{k} {v}" for k, v in TRL_LABELS.items())
MODES_HINT = "可多选，用顿号“、”分隔：" + _labels(TransferMode)
FLAG_HINT = "填“是”或“否”（留空为否）"
REGION_HINT = "省级行政区全称，如“湖北省”（也可填“湖北”）"


def _col(field: str, header: str, required: bool, kind: str, example: Any, hint: str = "") -> Column:
    parse, show = {
        "text": (_text, _same),
        "number": (_number, _show_number),
        "flag": (_flag, _show_flag),
        "date": (_date, _show_date),
        "region": (_region, _same),
        "words": (_words, _show_words),
    }[kind]
    return Column(field, header, required, parse, show, example, hint)


def _enum_col(field: str, header: str, enum: type[LabelledEnum], example: Any, many: bool = False) -> Column:
    if many:
        return Column(field, header, True, _choices(enum), _show_labels(enum), example, MODES_HINT)
    return Column(field, header, True, _choice(enum), _show_label(enum), example, "可填：" + _labels(enum))


NEED_COLUMNS: tuple[Column, ...] = (
    _col(
        "title",
        "标题",
        True,
        "text",
        "【示例】发酵罐批次差异大、容易染菌",
        "2–80 字；以“【示例】”开头的行不会导入",
    ),
    _col(
        "problem",
        "拟解决的技术难题",
        True,
        "text",
        "我们厂的发酵罐批次之间差异大，老是染菌，想找能解决的团队。",
        "至少 10 字",
    ),
    _col("indicators", "技术指标", False, "text", "染菌率低于 1%，批次产量波动小于 5%", "选填"),
    _col("basis", "现有基础", False, "text", "现有 20 吨发酵罐 6 台", "选填"),
    _enum_col("field", "技术领域", TechField, "生物与新医药"),
    _col("keywords", "关键词", False, "words", "发酵、染菌", "选填，用顿号分隔，最多 8 个"),
    _col("region", "所在地区", True, "region", "湖北省", REGION_HINT),
    _col("budget_min", "预算下限(万元)", False, "number", 50, "数字，单位万元；不填金额时请在“面议”填“是”"),
    _col("budget_max", "预算上限(万元)", False, "number", 100, "数字，单位万元，不低于下限"),
    _col("budget_negotiable", "面议", False, "flag", "否", FLAG_HINT),
    _col("trl_wanted", "期望成熟度(1-9)", True, "number", 6, TRL_HINT),
    _enum_col("modes", "合作方式", TransferMode, "转让、合作开发 / 合作实施", many=True),
    _col("valid_until", "有效期至", True, "date", "2099-12-31", "日期，如 2027-06-30，须晚于今天"),
    _enum_col("confidentiality", "保密级别", Confidentiality, "公开"),
    _col("contact_name", "联系人", True, "text", "张伟"),
    _col("contact_phone", "联系电话", True, "text", "13871234567", "11 位手机号或带区号的固定电话"),
    _col("contact_email", "联系邮箱", False, "text", "zhang@example.cn", "选填"),
)

RESULT_COLUMNS: tuple[Column, ...] = (
    _col(
        "title",
        "成果名称",
        True,
        "text",
        "【示例】基于在线传感的发酵过程智能控制技术",
        "2–80 字；以“【示例】”开头的行不会导入",
    ),
    _col(
        "summary",
        "成果简介",
        True,
        "text",
        "本成果采用在线拉曼光谱与软测量模型实时监测发酵过程关键参数，显著降低批次间差异。",
        "至少 20 字",
    ),
    _col("advantages", "技术优势", False, "text", "批次间产量变异系数由 12% 降至 3%", "选填，尽量给出数字"),
    _enum_col("field", "技术领域", TechField, "生物与新医药"),
    _col("keywords", "关键词", False, "words", "发酵过程控制、拉曼光谱", "选填，用顿号分隔，最多 8 个"),
    _col("team", "完成单位/完成人", True, "text", "某大学 李明教授团队"),
    _enum_col("form", "成果形式", ResultForm, "发明专利"),
    _enum_col("ip_status", "知识产权状态", IpStatus, "已授权"),
    _col("patent_numbers", "专利号", False, "words", "ZL202110345678.3", "选填，多个用顿号分隔，最多 10 个"),
    _col("trl", "技术成熟度(1-9)", True, "number", 5, TRL_HINT),
    _enum_col("modes", "转化方式", TransferMode, "普通许可、合作开发 / 合作实施", many=True),
    _col("price", "报价(万元)", False, "number", 80, "数字，单位万元；不填金额时请在“面议”填“是”"),
    _col("price_negotiable", "面议", False, "flag", "否", FLAG_HINT),
    _col("region", "所在地区", True, "region", "湖北省", REGION_HINT),
    _col("contact_name", "联系人", True, "text", "李明"),
    _col("contact_phone", "联系电话", True, "text", "027-87541234", "11 位手机号或带区号的固定电话"),
    _col("contact_email", "联系邮箱", False, "text", "liming@example.edu.cn", "选填"),
)

EXAMPLE_PREFIX = "【示例】"


def columns_for(kind: str) -> tuple[Column, ...]:
    """The columns of 'needs' or 'results'."""
    return NEED_COLUMNS if kind == "needs" else RESULT_COLUMNS


def normalise_header(text: Any) -> str:
    """A header as typed by people: full-width brackets, stray spaces and a required-mark `*` ignored."""
    value = _text(text).replace("（", "(").replace("）", ")").replace("／", "/")
    return re.sub(r"\s+", "", value).lstrip("*＊").rstrip("*＊")


def header_label(kind: str, field: str) -> str:
    """The column header shown for a model field in reports."""
    for column in columns_for(kind):
        if column.field == field:
            return column.header
    return field
