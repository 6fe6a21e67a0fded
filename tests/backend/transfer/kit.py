"""Helpers for the import and export tests: spreadsheet rows and files, the import API, counts."""

import csv
import io
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlmodel import Session, func, select

from backend.transfer.columns import columns_for
from tests.factories import need_data, result_data

INJECTION = "=cmd|' /C calc'!A0"


def sheet_row(kind: str, data: dict[str, Any]) -> list[Any]:
    """A factory record as one spreadsheet row, in the template's column order."""
    return [c.show(data.get(c.field)) if c.field in data else "" for c in columns_for(kind)]


def need_row(**overrides: Any) -> list[Any]:
    data = need_data(**overrides)
    data["valid_until"] = None if data["valid_until"] is None else _date(data["valid_until"])
    return sheet_row("needs", data)


def result_row(**overrides: Any) -> list[Any]:
    return sheet_row("results", result_data(**overrides))


def _date(text: str) -> Any:
    from datetime import date

    return date.fromisoformat(text)


def with_cell(kind: str, row: list[Any], header: str, value: Any) -> list[Any]:
    """`row` with the cell under `header` replaced."""
    row = list(row)
    row[headers(kind).index(header)] = value
    return row


def headers(kind: str) -> list[str]:
    return [c.header for c in columns_for(kind)]


def csv_bytes(head: list[str], rows: list[list[Any]], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(head)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(head: list[str], rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(head)
    for row in rows:
        sheet.append(row)
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text that starts with '=' stays text
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def api_import(
    client: TestClient,
    *,
    kind: str,
    org_id: int,
    data: bytes,
    filename: str,
    policy: str = "valid_only",
    owner_id: int | None = None,
    publish: bool = True,
) -> Any:
    form: dict[str, Any] = {"kind": kind, "organisation_id": org_id, "policy": policy, "publish": publish}
    if owner_id is not None:
        form["owner_id"] = owner_id
    return client.post(
        "/api/ops/import",
        data=form,
        files={"file": (filename, data)},
        headers={"X-Requested-With": "XMLHttpRequest"},  # the API's CSRF rule for multipart
    )


def job_report(client: TestClient, response: Any) -> dict[str, Any]:
    assert response.status_code == 202, response.text
    report = client.get(response.json()["url"]).json()
    assert report["finished"], report
    return report  # type: ignore[no-any-return]


def count(session: Session, model: Any) -> int:
    return int(session.exec(select(func.count()).select_from(model)).one())


def titles(session: Session, model: Any) -> set[str]:
    return set(session.exec(select(model.title)))


GOOD_TITLE = "导入的好需求：发酵染菌"


def mixed_needs() -> list[list[Any]]:
    return [
        need_row(title=GOOD_TITLE),  # row 2
        need_row(title=""),  # 3: missing title
        need_row(title="长" * 81),  # 4: too long
        need_row(title="地区写错的需求", region="火星"),  # 5
        need_row(title="成熟度写错的需求", trl_wanted=12),  # 6
        with_cell("needs", need_row(title="方式写错的需求"), "合作方式", "瞎合作"),  # 7
        need_row(title="预算倒挂的需求", budget_min=200, budget_max=100),  # 8
        need_row(title=INJECTION),  # 9: formula-like text, stored as text
    ]


BAD = {3: "title", 4: "title", 5: "region", 6: "trl_wanted", 7: "modes", 8: "budget_max"}


def _bad_rows(report: dict[str, Any]) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    for e in report["errors"]:
        out.setdefault(e["row"], set()).add(e["field"])
    return out
