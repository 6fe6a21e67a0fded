"""附件 in a browser: a researcher uploads a patent PDF to a result, marked 仅对接方可见; the
enterprise of the pairing sees and downloads it once the pairing is approved, an outsider never."""

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import approve_pairing, pending_pairing

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def test_a_parties_only_patent_pdf_is_seen_by_the_approved_party_not_by_an_outsider(
    open_page: Callable[..., Page], tmp_path: Path
) -> None:
    ent, res, op, outsider = (
        open_page("enterprise"),
        open_page("researcher"),
        open_page("operator"),
        open_page(),
    )
    pending = pending_pairing(ent, res, op)
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

    approve_pairing(op, pending)
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
