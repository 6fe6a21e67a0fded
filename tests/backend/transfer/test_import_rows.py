"""Import rows: the row report, both policies, and the spellings a cell may use."""

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from backend.accounts.models import User
from backend.audit.models import AuditEntry
from backend.postings.need_model import Need
from backend.postings.result_model import Result
from backend.vocab import PostingStatus
from tests.backend.transfer.kit import (
    BAD,
    GOOD_TITLE,
    INJECTION,
    _bad_rows,
    api_import,
    count,
    csv_bytes,
    headers,
    job_report,
    mixed_needs,
    need_row,
    result_row,
    titles,
    with_cell,
    xlsx_bytes,
)


class TestPolicies:
    """valid_only stores the good rows; all_or_nothing stores all or none."""

    def test_valid_only_imports_exactly_the_valid_rows(
        self, client: TestClient, session: Session, operator: User, enterprise: User
    ) -> None:
        before = count(session, Need)
        data = csv_bytes(headers("needs"), mixed_needs())
        report = job_report(
            client,
            api_import(
                client,
                kind="needs",
                org_id=enterprise.organisation_id,
                owner_id=enterprise.id,
                data=data,
                filename="n.csv",
            ),
        )
        assert _bad_rows(report) == {row: {field} for row, field in BAD.items()}
        assert (report["total"], report["imported"], report["invalid"]) == (8, 2, 6)
        assert report["processed"] == report["total"]
        labels = {(e["row"], e["label"]) for e in report["errors"]}
        assert (4, "标题") in labels and (6, "期望成熟度(1-9)") in labels and (7, "合作方式") in labels
        messages = {e["row"]: e["message"] for e in report["errors"]}
        assert messages[4] == "不能超过 80 个字"
        assert messages[6] == "不能大于 9"
        assert "瞎合作" in messages[7]
        assert messages[8] == "预算下限不能高于上限"

        assert count(session, Need) == before + 2
        stored = {
            n.title: n for n in session.exec(select(Need).where(col(Need.id).in_(report["created_ids"])))
        }
        assert set(stored) == {GOOD_TITLE, INJECTION}  # the formula-like title is kept verbatim, as text
        for need in stored.values():
            assert need.organisation_id == enterprise.organisation_id
            assert need.owner_id == enterprise.id
            assert need.status == PostingStatus.published  # the operator imported it
        assert "地区写错的需求" not in titles(session, Need)
        audited = session.exec(
            select(AuditEntry).where(
                AuditEntry.entity == "need", col(AuditEntry.entity_id).in_(report["created_ids"])
            )
        )
        assert {(a.action, a.actor_id) for a in audited} >= {
            ("create", operator.id),
            ("publish", operator.id),
        }

    def test_all_or_nothing_stores_nothing_when_any_row_is_bad(
        self, client: TestClient, session: Session, operator: User, enterprise: User
    ) -> None:
        before = count(session, Need)
        data = csv_bytes(headers("needs"), mixed_needs())
        report = job_report(
            client,
            api_import(
                client,
                kind="needs",
                org_id=enterprise.organisation_id,
                policy="all_or_nothing",
                data=data,
                filename="n.csv",
            ),
        )
        assert _bad_rows(report) == {row: {field} for row, field in BAD.items()}
        assert report["imported"] == 0 and report["created_ids"] == []
        assert "未导入任何数据" in report["message"]
        assert count(session, Need) == before
        assert GOOD_TITLE not in titles(session, Need)

    def test_all_or_nothing_imports_everything_when_all_rows_are_good(
        self, client: TestClient, session: Session, operator: User, enterprise: User
    ) -> None:
        rows = [need_row(title=f"批量需求第{i}条") for i in range(5)]
        data = csv_bytes(headers("needs"), rows)
        report = job_report(
            client,
            api_import(
                client,
                kind="needs",
                org_id=enterprise.organisation_id,
                policy="all_or_nothing",
                publish=False,
                data=data,
                filename="n.csv",
            ),
        )
        assert (report["imported"], report["invalid"]) == (5, 0)
        stored = list(session.exec(select(Need).where(col(Need.id).in_(report["created_ids"]))))
        assert {n.title for n in stored} == {f"批量需求第{i}条" for i in range(5)}
        assert {n.status for n in stored} == {PostingStatus.draft}
        assert {n.owner_id for n in stored} == {operator.id}  # no owner chosen: the operator

    def test_results_xlsx_under_both_policies(
        self, client: TestClient, session: Session, operator: User, university: User
    ) -> None:
        rows = [
            result_row(title="导入的好成果：拉曼监测"),  # 2
            result_row(title=""),  # 3
            result_row(title="成熟度十二级的成果", trl=12),  # 4
            with_cell("results", result_row(title="形式不明的成果"), "成果形式", "论文"),  # 5
            result_row(title="价格没填的成果", price=None, price_negotiable=False),  # 6
            result_row(title=INJECTION),  # 7
        ]
        data = xlsx_bytes(headers("results"), rows)
        before = count(session, Result)
        strict = job_report(
            client,
            api_import(
                client,
                kind="results",
                org_id=university.organisation_id,
                policy="all_or_nothing",
                data=data,
                filename="r.xlsx",
            ),
        )
        assert _bad_rows(strict) == {3: {"title"}, 4: {"trl"}, 5: {"form"}, 6: {"price"}}
        assert count(session, Result) == before

        loose = job_report(
            client,
            api_import(
                client,
                kind="results",
                org_id=university.organisation_id,
                owner_id=university.id,
                data=data,
                filename="r.xlsx",
            ),
        )
        assert _bad_rows(loose) == _bad_rows(strict)
        assert count(session, Result) == before + 2
        assert {"导入的好成果：拉曼监测", INJECTION} <= titles(session, Result)
        labels = {e["row"]: e["label"] for e in loose["errors"]}
        assert labels[3] == "成果名称" and labels[4] == "技术成熟度(1-9)" and labels[5] == "成果形式"


class TestCellValues:
    """Labels, codes and short forms of a value."""

    def test_labels_codes_and_short_forms_are_accepted(
        self, client: TestClient, session: Session, operator: User, enterprise: User
    ) -> None:
        row = need_row(title="用代码填写的需求")
        head = headers("needs")
        row[head.index("技术领域")] = "new_materials"
        row[head.index("合作方式")] = "转让，委托开发; license_general"
        row[head.index("所在地区")] = "湖北"
        row[head.index("保密级别")] = "脱敏"
        row[head.index("有效期至")] = "2099/6/30"
        report = job_report(
            client,
            api_import(
                client,
                kind="needs",
                org_id=enterprise.organisation_id,
                data=csv_bytes(head, [row]),
                filename="c.csv",
            ),
        )
        assert report["imported"] == 1, report["errors"]
        need = session.get(Need, report["created_ids"][0])
        assert need is not None
        assert (
            need.field == "new_materials"
            and need.region == "湖北省"
            and need.confidentiality == "desensitized"
        )
        assert list(need.modes) == ["transfer", "commissioned", "license_general"]
        assert need.valid_until.isoformat() == "2099-06-30"
