"""An upload's work is bounded before parsing (issue 13, finding 8): the sheet's declared
dimensions and the zip's declared member sizes decide, so a tiny file cannot tie a worker up."""

import io
import re
import zipfile

import pytest
from openpyxl import Workbook

from backend.errors import InvalidInput
from backend.transfer import reader
from backend.transfer.columns import columns_for


def _workbook(last_row: int | None = None, header: bool = True) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    if header:
        sheet.append([c.header for c in columns_for("needs")])
    if last_row:
        sheet.cell(row=last_row, column=1, value="x")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _rewrite(data: bytes, change: dict[str, bytes | None], add: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename in change:
                new = change[info.filename]
                body = new if new is not None else body
            dst.writestr(info.filename, body)
        for name, body in (add or {}).items():
            dst.writestr(name, body)
    return out.getvalue()


def _refused_fast(data: bytes, match: str) -> None:
    """Refused by a bound checked before or while reading (the message names the bound), not after
    a full parse; how fast is the benchmark's business, not a unit test's."""
    with pytest.raises(InvalidInput, match=match):
        reader.read_table(kind="needs", filename="x.xlsx", data=data)


def test_one_cell_at_the_last_row_is_refused_by_the_declared_dimension() -> None:
    data = _workbook(last_row=1_048_576, header=False)  # every row before it is a leading blank
    assert len(data) < 10_000
    _refused_fast(data, "数据行超过")


def test_without_a_dimension_blank_rows_count_toward_the_limit() -> None:
    data = _workbook(last_row=1_048_576, header=False)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    # No <dimension>, and rows written one by one (blank rows the reader must walk).
    blank = b"".join(
        b'<row r="%d"><c r="B%d" t="inlineStr"><is><t></t></is></c></row>' % (r, r) for r in range(2, 20_000)
    )
    sheet = re.sub(rb"<dimension[^>]*/>", b"", sheet).replace(b"<sheetData>", b"<sheetData>", 1)
    sheet = sheet.replace(b"<sheetData>", b"<sheetData>" + blank, 1)
    _refused_fast(_rewrite(data, {"xl/worksheets/sheet1.xml": sheet}), "数据行超过")


def test_a_zip_bomb_is_refused_before_parsing() -> None:
    padding = b" " * (reader.MAX_UNZIPPED + 1024)
    data = _rewrite(_workbook(), {}, {"xl/media/padding.bin": padding})
    assert len(data) < 200_000
    _refused_fast(data, "解压后超过")


def test_an_ordinary_workbook_still_reads() -> None:
    with pytest.raises(InvalidInput, match="只有表头"):
        reader.read_table(kind="needs", filename="x.xlsx", data=_workbook())
