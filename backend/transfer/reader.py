"""Reading an uploaded CSV or XLSX into rows keyed by model field, refusing bad files whole.

Every refusal is an InvalidInput with a Chinese message: nothing of a refused file is stored.
"""

import csv
import io
import zipfile
from dataclasses import dataclass, field
from typing import Any

from openpyxl import load_workbook

from backend.errors import InvalidInput
from backend.transfer.columns import Column, columns_for, normalise_header

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
MAX_COLUMNS = 60
# Spreadsheet rows walked at most: the data rows, the header, and some blank rows around them.
# Blank rows count too: one cell at row 1,048,576 made the reader walk a million empty rows.
MAX_SHEET_ROWS = MAX_ROWS + 1 + 1000
# A zip bomb: a small XLSX whose members expand to far more than any 5,000-row sheet needs.
MAX_UNZIPPED = 50 * 1024 * 1024
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_XLSX_MAGIC = b"PK\x03\x04"
_XLS_MAGIC = b"\xd0\xcf\x11\xe0"


@dataclass
class Row:
    """One data row: its number as the spreadsheet shows it (header = 1) and its raw cells."""

    number: int
    cells: dict[str, Any]


@dataclass
class Table:
    """A parsed upload."""

    rows: list[Row]
    ignored_headers: list[str] = field(default_factory=list)


def refuse(message: str, problems: list[str] | None = None) -> InvalidInput:
    """The error for a file that cannot be imported at all."""
    detail = [{"field": "file", "label": "文件", "message": p} for p in (problems or [message])]
    return InvalidInput(message, detail=detail)


def unescape(value: Any) -> Any:
    """Undo the exporter's formula guard: `'=x` reads back as `=x` (as a spreadsheet shows it)."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1] in FORMULA_TRIGGERS:
        return value[1:]
    return value


def _decode(data: bytes) -> str:
    if b"\x00" in data[:4096]:
        raise refuse("文件不是文本格式的 CSV，请上传 CSV（UTF-8 或 GBK 编码）或 XLSX 文件")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise refuse("无法识别文件编码，请在 Excel 中“另存为”CSV UTF-8 或 GBK 编码后重试")


def _csv_rows(data: bytes) -> list[list[Any]]:
    text = _decode(data)
    try:
        rows: list[list[Any]] = []
        for row in csv.reader(io.StringIO(text, newline="")):
            rows.append(row)
            if len(rows) > MAX_ROWS + 1:
                raise refuse(f"数据行超过 {MAX_ROWS} 行，请拆分为多个文件后分批导入")
        return rows
    except csv.Error as exc:
        raise refuse(f"CSV 格式有误：{exc}") from exc


def _cell_name(row: int, col: int) -> str:
    letters = ""
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row}"


def _too_many_rows() -> InvalidInput:
    return refuse(f"数据行超过 {MAX_ROWS} 行，请拆分为多个文件后分批导入")


def _check_unzipped_size(data: bytes) -> None:
    """Refuse, before parsing, a workbook whose members (as the zip directory declares them) are too big."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            total = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise refuse("XLSX 文件已损坏或不是 Excel 工作簿，请重新保存后上传") from exc
    if total > MAX_UNZIPPED:
        raise refuse(f"XLSX 文件解压后超过 {MAX_UNZIPPED // (1024 * 1024)} MB，请只保留需要导入的数据后重试")


def _xlsx_rows(data: bytes) -> list[list[Any]]:
    _check_unzipped_size(data)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise refuse("XLSX 文件已损坏或不是 Excel 工作簿，请重新保存后上传") from exc
    try:
        sheet = book.worksheets[0]
        declared = getattr(sheet, "max_row", None)  # the sheet's <dimension>, read without parsing rows
        if isinstance(declared, int) and declared > MAX_SHEET_ROWS:
            raise _too_many_rows()
        rows: list[list[Any]] = []
        formulas: list[str] = []
        for r, cells in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS), start=1):
            if r > MAX_SHEET_ROWS:  # the dimension can be absent or wrong: count as we go as well
                raise _too_many_rows()
            values = []
            for c, cell in enumerate(cells, start=1):
                if getattr(cell, "data_type", None) == "f":
                    formulas.append(_cell_name(r, c))
                values.append(getattr(cell, "value", None))
            if any(v not in (None, "") for v in values):
                rows.append(values)
            elif rows:
                rows.append([])  # keep the numbering of rows after a blank one
            if len(rows) > MAX_ROWS + 1:
                raise refuse(f"数据行超过 {MAX_ROWS} 行，请拆分为多个文件后分批导入")
    finally:
        book.close()
    if formulas:
        shown = "、".join(formulas[:20]) + ("等" if len(formulas) > 20 else "")
        raise refuse(
            f"文件含有公式单元格（{shown}），请复制后“选择性粘贴 → 数值”再导入",
            [f"单元格 {name} 是公式" for name in formulas[:200]],
        )
    return rows


def _bind(kind: str, grid: list[list[Any]]) -> Table:
    while grid and not any(str(v or "").strip() for v in grid[0]):
        grid = grid[1:]
    if not grid:
        raise refuse("文件是空的：没有表头，也没有数据行")
    columns = columns_for(kind)
    by_header = {normalise_header(c.header): c for c in columns}
    positions: dict[int, Column] = {}
    ignored: list[str] = []
    seen: set[str] = set()
    for index, raw in enumerate(grid[0]):
        name = normalise_header(raw)
        if not name:
            continue
        column = by_header.get(name)
        if column is None:
            ignored.append(str(raw))
        elif column.field in seen:
            raise refuse(f"表头“{column.header}”出现了两次")
        else:
            seen.add(column.field)
            positions[index] = column
    missing = [c.header for c in columns if c.required and c.field not in seen]
    if missing:
        label = "需求" if kind == "needs" else "成果"
        raise refuse(
            f"表头不符合{label}导入模板，缺少列：{'、'.join(missing)}。请下载模板，按模板的第一行填写表头",
            [f"缺少列“{h}”" for h in missing],
        )
    rows = []
    for number, values in enumerate(grid[1:], start=2):
        if not any(str(v if v is not None else "").strip() for v in values):
            continue
        cells = {col.field: unescape(values[i]) if i < len(values) else None for i, col in positions.items()}
        rows.append(Row(number=number, cells=cells))
    if not rows:
        raise refuse("文件只有表头，没有数据行")
    if len(rows) > MAX_ROWS:
        raise refuse(f"数据行超过 {MAX_ROWS} 行，请拆分为多个文件后分批导入")
    return Table(rows=rows, ignored_headers=ignored)


def read_table(*, kind: str, filename: str, data: bytes) -> Table:
    """The rows of an uploaded needs/results file, or InvalidInput saying why it is refused."""
    if len(data) > MAX_BYTES:
        raise refuse(f"文件超过 {MAX_BYTES // (1024 * 1024)} MB，请拆分后分批导入")
    if not data.strip():
        raise refuse("文件是空的：没有表头，也没有数据行")
    name = filename.lower()
    if data.startswith(_XLS_MAGIC) or name.endswith(".xls"):
        raise refuse("不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 或 CSV 后上传")
    if data.startswith(_XLSX_MAGIC):
        grid = _xlsx_rows(data)
    elif name.endswith(".xlsx"):
        raise refuse("XLSX 文件已损坏或不是 Excel 工作簿，请重新保存后上传")
    else:
        grid = _csv_rows(data)
    return _bind(kind, grid)
