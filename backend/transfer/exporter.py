"""Export of needs, results and pairings as CSV (UTF-8 with BOM) or XLSX, and the import templates.

Text that a spreadsheet would run as a formula (=, +, -, @, tab, CR first) gets a leading `'`;
XLSX cells are always written as strings or numbers, never formulas.
"""

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from sqlmodel import Session, col, select

from backend.accounts.models import Organisation, User
from backend.pairings.models import Pairing
from backend.postings.need_model import Need
from backend.postings.result_model import Result
from backend.timefmt import show_time
from backend.transfer.columns import FLAG_HINT, Column, columns_for
from backend.transfer.reader import FORMULA_TRIGGERS
from backend.vocab import PairingStatus, PostingStatus, Proposer

EXTRA_HEADERS = ("编号", "状态", "所属单位", "创建时间")  # ignored on re-import
PAIRING_HEADERS = (
    "需求标题",
    "成果标题",
    "匹配得分",
    "状态",
    "提出方",
    "创建时间",
    "合同金额(万元)",
    "签约日期",
)
MAX_EXPORT_ROWS = 100_000


def neutralise(value: Any) -> Any:
    """A cell value safe to open in a spreadsheet: formula-like text gets a leading `'`."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _when(value: datetime | None) -> str:
    return show_time(value)


def posting_rows(
    *, session: Session, kind: str, status: str | None = None, field: str | None = None
) -> tuple[list[str], list[list[Any]]]:
    """Headers and rows of every need/result (optionally of one status and field), oldest first."""
    model: Any = Need if kind == "needs" else Result
    stmt = select(model).order_by(col(model.id)).limit(MAX_EXPORT_ROWS)
    if status:
        stmt = stmt.where(model.status == status)
    if field:
        stmt = stmt.where(model.field == field)
    columns = columns_for(kind)
    orgs = {o.id: o.name for o in session.exec(select(Organisation))}
    rows = []
    for item in session.exec(stmt):
        cells = [c.show(getattr(item, c.field)) for c in columns]
        cells += [
            item.id,
            PostingStatus(item.status).label,
            orgs.get(item.organisation_id, ""),
            _when(item.created_at),
        ]
        rows.append(cells)
    return [c.header for c in columns] + list(EXTRA_HEADERS), rows


def pairing_rows(*, session: Session, status: str | None = None) -> tuple[list[str], list[list[Any]]]:
    """Headers and rows of the pairings, oldest first."""
    stmt = (
        select(Pairing, Need.title, Result.title)
        .join(Need, col(Need.id) == Pairing.need_id)
        .join(Result, col(Result.id) == Pairing.result_id)
        .order_by(col(Pairing.id))
        .limit(MAX_EXPORT_ROWS)
    )
    if status:
        stmt = stmt.where(Pairing.status == status)
    users = {u.id: u.name for u in session.exec(select(User))}
    rows = []
    for pairing, need_title, result_title in session.exec(stmt):
        proposer = Proposer(pairing.proposed_by).label
        if pairing.proposed_by_user_id in users:
            proposer += f"（{users[pairing.proposed_by_user_id]}）"
        rows.append(
            [
                need_title,
                result_title,
                round(pairing.score, 1),
                PairingStatus(pairing.status).label,
                proposer,
                _when(pairing.created_at),
                pairing.contract_amount,
                pairing.signed_on.isoformat() if pairing.signed_on else "",
            ]
        )
    return list(PAIRING_HEADERS), rows


def _plain(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def to_csv(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 CSV with a BOM, so Excel opens the Chinese correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([neutralise(_plain(v)) for v in row])
    return buffer.getvalue().encode("utf-8-sig")


def _sheet_rows(sheet: Any, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    sheet.append(list(headers))
    for row in rows:
        sheet.append([_plain(v) for v in row])
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            if isinstance(cell.value, str):
                cell.value = neutralise(cell.value)
                cell.data_type = "s"  # openpyxl would take a leading '=' for a formula


def to_xlsx(
    headers: Sequence[str], rows: Iterable[Sequence[Any]], notes: list[list[str]] | None = None
) -> bytes:
    """An XLSX workbook; `notes` become a second sheet "填写说明"."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "数据"
    _sheet_rows(sheet, headers, rows)
    for letter_index in range(len(headers)):
        sheet.column_dimensions[sheet.cell(row=1, column=letter_index + 1).column_letter].width = 18
    if notes:
        _sheet_rows(book.create_sheet("填写说明"), ["列名", "是否必填", "填写说明"], notes)
        book["填写说明"].column_dimensions["C"].width = 100
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _notes(columns: Sequence[Column]) -> list[list[str]]:
    lines = [[c.header, "必填列" if c.required else "选填列", c.hint or "文字"] for c in columns]
    lines.append(
        ["（说明）", "", "第一行是表头，请勿修改；从第二行起每行一条。示例行以“【示例】”开头，导入时会跳过。"]
    )
    lines.append(["（说明）", "", "选项列可填中文名称，也可填代码；" + FLAG_HINT + "。请勿使用公式。"])
    return lines


def template(*, kind: str, fmt: str) -> bytes:
    """The import template of 'needs' or 'results': headers, one example row (and notes in XLSX)."""
    columns = columns_for(kind)
    headers = [c.header for c in columns]
    example = [c.example for c in columns]
    if fmt == "csv":
        return to_csv(headers, [example])
    return to_xlsx(headers, [example], notes=_notes(columns))
