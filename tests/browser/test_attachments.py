"""附件 in a browser: a researcher uploads a patent PDF to a result, marked 仅对接方可见; the
enterprise of the pairing sees and downloads it once the pairing is approved, an outsider never."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]
JSON = {"content-type": "application/json"}
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _ids(page: Page, path: str) -> list[int]:
    page.goto(path)
    hrefs = page.locator(".card-list h3 a").evaluate_all("a => a.map(x => x.getAttribute('href'))")
    return [int(h.rsplit("/", 1)[1]) for h in hrefs]


def _post(page: Page, path: str, body: dict[str, Any]) -> Any:
    response = page.request.post(path, data=json.dumps(body), headers=JSON)
    assert response.ok, response.text()
    return response.json()


def _pending_pairing(ent: Page, res: Page, op: Page) -> dict[str, Any]:
    """A fresh 待审核 pairing of the demo enterprise's need and the demo researcher's result."""
    for need_id in _ids(ent, "/needs?mine=1&status=published"):
        for result_id in _ids(res, "/results?mine=1&status=published"):
            pair = {"need_id": need_id, "result_id": result_id}
            made = op.request.post("/api/ops/pairings", data=json.dumps(pair), headers=JSON)
            if made.status == 201:
                _post(ent, "/api/pairings/interest", pair | {"message": ""})
                return dict(_post(res, "/api/pairings/interest", pair | {"message": ""}))
    raise AssertionError("no unpaired need × result left in the demo data")


def test_a_parties_only_patent_pdf_is_seen_by_the_approved_party_not_by_an_outsider(
    open_page: Callable[..., Page], tmp_path: Path
) -> None:
    ent, res, op, outsider = (
        open_page("enterprise"),
        open_page("researcher"),
        open_page("operator"),
        open_page(),
    )
    pending = _pending_pairing(ent, res, op)
    url = f"/results/{pending['result_id']}"
    pdf = tmp_path / "发明专利证书.pdf"
    pdf.write_bytes(PDF)

    res.goto(url)
    res.set_input_files("#attachment-file", str(pdf))
    res.get_by_label("仅对接方可见（对接经平台批准后，对方才能查看）").check()
    res.get_by_role("button", name="上传", exact=True).click()
    expect(res.locator("#attachments .flash")).to_contain_text("已上传附件“发明专利证书.pdf”")
    item = res.locator("#attachments li", has_text="发明专利证书.pdf")
    expect(item).to_contain_text("PDF")
    expect(item).to_contain_text("仅对接方可见")
    href = item.locator("a").first.get_attribute("href")
    assert href is not None

    ent.goto(url)  # interested, but the platform has not approved the pairing yet
    expect(ent.locator("#attachments li", has_text="发明专利证书.pdf")).to_have_count(0)
    assert ent.request.get(href).status == 404

    _post(
        op, f"/api/ops/pairings/{pending['id']}/decision", {"to": "approved", "version": pending["version"]}
    )
    ent.goto(url)
    link = ent.locator("#attachments li a", has_text="发明专利证书.pdf")
    expect(link).to_be_visible()
    with ent.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "发明专利证书.pdf"
    assert Path(download.value.path()).read_bytes() == PDF

    outsider.goto(url)
    expect(outsider.locator("#attachments li", has_text="发明专利证书.pdf")).to_have_count(0)
    assert outsider.request.get(href).status == 404
