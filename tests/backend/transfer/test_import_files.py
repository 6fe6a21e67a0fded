"""Import files as a whole: decoding, and files refused before any row is read."""

import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlmodel import Session

from backend.accounts.models import User
from backend.postings.need_model import Need
from backend.transfer.models import ImportJob
from backend.transfer.reader import MAX_BYTES
from tests.backend.transfer.kit import api_import, count, csv_bytes, headers, job_report, need_row, titles


class TestRefusedFiles:
    """A bad file is refused whole, with nothing stored and no job."""

    @pytest.mark.parametrize(
        ("content", "filename", "expected"),
        [
            (csv_bytes(["标题", "说明"], [["a", "b"]]), "wrong.csv", "缺少列：拟解决的技术难题"),
            (b"", "empty.csv", "文件是空的"),
            (csv_bytes(headers("needs"), []), "head.csv", "没有数据行"),
            (b"\xff\xfe\x00\x00garbage" * 10, "bin.csv", "CSV"),
            ("标题".encode() + b"\x81\x20\xff" * 20, "mojibake.csv", "编码"),
            (b"x" * (MAX_BYTES + 1), "big.csv", "超过 5 MB"),
            (b"\xd0\xcf\x11\xe0rest", "old.xls", ".xls"),
            (b"PK\x03\x04broken", "broken.xlsx", "已损坏"),
        ],
    )
    def test_bad_files_are_refused_whole(
        self,
        client: TestClient,
        session: Session,
        operator: User,
        enterprise: User,
        content: bytes,
        filename: str,
        expected: str,
    ) -> None:
        needs, jobs = count(session, Need), count(session, ImportJob)
        response = api_import(
            client, kind="needs", org_id=enterprise.organisation_id, data=content, filename=filename
        )
        assert response.status_code == 422, response.text
        assert expected in response.json()["error"]
        assert (count(session, Need), count(session, ImportJob)) == (needs, jobs)

    def test_formula_cells_are_refused(
        self, client: TestClient, session: Session, operator: User, enterprise: User
    ) -> None:
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(headers("needs"))
        sheet.append(need_row(title="公式行"))
        sheet["B2"] = "=A2&A2"  # a real formula
        out = io.BytesIO()
        book.save(out)
        before = count(session, Need)
        response = api_import(
            client, kind="needs", org_id=enterprise.organisation_id, data=out.getvalue(), filename="f.xlsx"
        )
        assert response.status_code == 422
        assert "公式" in response.json()["error"] and "B2" in response.json()["error"]
        assert count(session, Need) == before

    def test_too_many_rows_are_refused(
        self,
        client: TestClient,
        session: Session,
        operator: User,
        enterprise: User,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        from backend.transfer import reader

        monkeypatch.setattr(reader, "MAX_ROWS", 3)
        data = csv_bytes(headers("needs"), [need_row(title=f"行{i}需求") for i in range(4)])
        response = api_import(
            client, kind="needs", org_id=enterprise.organisation_id, data=data, filename="many.csv"
        )
        assert response.status_code == 422 and "超过 3 行" in response.json()["error"]


class TestDecoding:
    """CSV files in the encodings Excel writes."""

    def test_gbk_and_bom_csv_decode(
        self, client: TestClient, session: Session, operator: User, enterprise: User
    ) -> None:
        for encoding, title in (("gbk", "国标编码的需求标题"), ("utf-8-sig", "带签名编码的需求标题")):
            data = csv_bytes(headers("needs"), [need_row(title=title)], encoding=encoding)
            report = job_report(
                client,
                api_import(
                    client, kind="needs", org_id=enterprise.organisation_id, data=data, filename="g.csv"
                ),
            )
            assert report["imported"] == 1, report
            assert title in titles(session, Need)
