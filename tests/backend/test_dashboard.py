"""The operators' dashboard, against a data set whose figures were worked out by hand.

Times are UTC; the dashboard counts days and weeks in Beijing time (UTC+8).
March 2025 holds needs n1–n4 (n5 is published 2025-04-01 01:00 Beijing time, so outside),
results r1–r3 and pairings p1–p5; n_old, p6 (signed for 50 万元) lie in January.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session

from backend.dashboard.export import safe_cell, to_csv
from backend.dashboard.filters import Filters, parse_filters
from backend.dashboard.metrics import by_field, by_region, dashboard, funnel, headline, response, weekly
from backend.pairings.models import Pairing, PairingEvent
from backend.postings.need_model import Need
from backend.postings.result_model import Result
from backend.vocab import PairingStatus as S
from backend.vocab import PostingStatus, Proposer, Role, TechField
from tests.factories import login, make_need, make_result, make_user

EI, BIO = TechField.electronic_info, TechField.biomedicine
MARCH = Filters(date_from=date(2025, 3, 1), date_to=date(2025, 3, 31))
MARCH_Q = "from=2025-03-01&to=2025-03-31"


def at(month: int, day: int, hour: int = 2) -> datetime:
    return datetime(2025, month, day, hour, tzinfo=UTC)


@dataclass
class World:
    needs: dict[str, Need]
    results: dict[str, Result]
    operator: object


def _need(
    session: Session, owner: object, field: TechField, region: str, published: datetime, **kw: object
) -> Need:
    need = make_need(session, owner, field=field.value, region=region, **kw)
    need.published_at = published
    return need


def _result(session: Session, owner: object, field: TechField, region: str, published: datetime) -> Result:
    result = make_result(session, owner, field=field.value, region=region)
    result.published_at = published
    return result


def _pairing(
    session: Session, need: Need, result: Result, steps: list[tuple[S, datetime]], amount: float | None = None
) -> Pairing:
    """A pairing created at the first step's time, then moved through the other steps."""
    created = steps[0][1]
    pairing = Pairing(
        need_id=need.id,
        result_id=result.id,
        score=70,
        proposed_by=Proposer.engine,
        status=steps[-1][0],
        created_at=created,
        contract_amount=amount,
        signed_on=steps[-1][1].date() if amount else None,
    )
    session.add(pairing)
    session.flush()
    previous = None
    for to, when in steps:
        session.add(PairingEvent(pairing_id=pairing.id, from_status=previous, to_status=to, created_at=when))
        previous = to
    session.flush()
    return pairing


@pytest.fixture
def world(session: Session) -> World:
    company, lab = make_user(session, Role.enterprise), make_user(session, Role.researcher)
    n = {
        "n1": _need(session, company, EI, "湖北省", at(3, 3), title='=HYPERLINK("http://x","点我")'),
        "n2": _need(session, company, EI, "广东省", at(3, 5)),
        "n3": _need(session, company, BIO, "湖北省", at(3, 12)),
        "n4": _need(session, company, BIO, "湖北省", at(3, 20)),
        "n5": _need(session, company, EI, "湖北省", at(3, 31, 17)),  # 2025-04-01 01:00 in Beijing
        "n_old": _need(session, company, EI, "湖北省", at(1, 10)),
    }
    n["n_old"].status = PostingStatus.closed
    r = {
        "r1": _result(session, lab, EI, "湖北省", at(3, 4)),
        "r2": _result(session, lab, BIO, "广东省", at(3, 13)),
        "r3": _result(session, lab, BIO, "北京市", at(3, 13)),
    }
    session.flush()
    _pairing(
        session,
        n["n1"],
        r["r1"],
        [
            (S.suggested, at(3, 3, 6)),
            (S.interested, at(3, 4)),
            (S.approved, at(3, 5)),
            (S.negotiating, at(3, 6)),
            (S.signed, at(3, 10)),
        ],
        amount=120,
    )
    _pairing(
        session,
        n["n2"],
        r["r1"],
        [
            (S.suggested, at(3, 5, 4)),
            (S.interested, at(3, 14)),
            (S.pending_review, at(3, 15)),
            (S.rejected, at(3, 16)),
        ],
    )
    _pairing(
        session,
        n["n3"],
        r["r2"],
        [(S.interested, at(3, 12, 8)), (S.approved, at(3, 13)), (S.negotiating, at(3, 14))],
    )
    _pairing(session, n["n3"], r["r3"], [(S.suggested, at(3, 12, 5)), (S.closed, at(3, 20))])
    _pairing(session, n["n4"], r["r2"], [(S.suggested, at(3, 21))])
    _pairing(
        session,
        n["n_old"],
        r["r1"],
        [
            (S.suggested, at(1, 11)),
            (S.interested, at(1, 12)),
            (S.approved, at(1, 13)),
            (S.negotiating, at(1, 14)),
            (S.signed, at(1, 20)),
        ],
        amount=50,
    )
    return World(needs=n, results=r, operator=make_user(session, Role.operator))


def test_funnel_counts_each_pairing_in_every_stage_it_reached(session: Session, world: World) -> None:
    f = funnel(session=session, filters=MARCH)
    assert [(s.label, s.count) for s in f.stages] == [
        ("推荐", 5),
        ("意向", 3),
        ("已批准", 2),
        ("洽谈中", 2),
        ("已签约", 1),
    ]
    assert (f.rejected, f.closed, f.total) == (1, 1, 5)


def test_response_rate_within_seven_days_and_median_hours(session: Session, world: World) -> None:
    r = response(session=session, filters=MARCH)
    # n1 answered after 24 h, n2 after 216 h (too late), n3 after 6 h, n4 never.
    assert (r.needs_published, r.responded_within_7d, r.responded_total, r.waiting) == (4, 2, 3, 0)
    assert r.rate == 0.5
    assert r.median_hours == 24.0


def test_waiting_counts_young_unanswered_needs(session: Session, world: World) -> None:
    assert response(session=session, filters=MARCH, now=at(3, 25)).waiting == 1  # n4, 5 days old


def test_activity_by_field_and_region(session: Session, world: World) -> None:
    fields = {
        row.key: (row.needs, row.results, row.pairings) for row in by_field(session=session, filters=MARCH)
    }
    assert fields["electronic_info"] == (2, 1, 2)
    assert fields["biomedicine"] == (2, 2, 3)
    assert fields["aerospace"] == (0, 0, 0)
    assert len(fields) == len(TechField)
    regions = [
        (row.label, row.needs, row.results, row.pairings) for row in by_region(session=session, filters=MARCH)
    ]
    assert regions == [("湖北省", 3, 1, 4), ("广东省", 1, 1, 1), ("北京市", 0, 1, 0)]


def test_weekly_buckets_are_iso_weeks_in_beijing_time(session: Session, world: World) -> None:
    weeks = [
        (w.week, w.needs, w.results, w.pairings, w.signed) for w in weekly(session=session, filters=MARCH)
    ]
    assert weeks == [
        ("2025-W09", 0, 0, 0, 0),
        ("2025-W10", 2, 1, 2, 0),
        ("2025-W11", 1, 2, 2, 1),
        ("2025-W12", 1, 0, 1, 0),
        ("2025-W13", 0, 0, 0, 0),
        ("2025-W14", 0, 0, 0, 0),
    ]


def test_headline(session: Session, world: World) -> None:
    h = headline(session=session, filters=MARCH)
    assert (h.listed_needs, h.listed_results, h.open_pairings, h.signed_deals, h.contract_amount) == (
        5,
        3,
        2,
        1,
        120,
    )


def test_filters_by_period_and_field_change_the_figures(session: Session, world: World) -> None:
    ei = Filters(date_from=MARCH.date_from, date_to=MARCH.date_to, field=EI)
    d = dashboard(session=session, filters=ei)
    assert [s.count for s in d.funnel.stages] == [2, 2, 1, 1, 1]
    assert (d.funnel.rejected, d.funnel.closed) == (1, 0)
    assert (d.response.rate, d.response.median_hours) == (0.5, 120.0)  # 24 h and 216 h
    assert [r.key for r in d.by_field] == ["electronic_info"]
    assert d.headline.listed_needs == 3  # n1, n2, n5
    assert [r.label for r in d.by_region] == ["湖北省", "广东省"]

    january = dashboard(
        session=session, filters=Filters(date_from=date(2025, 1, 1), date_to=date(2025, 1, 31))
    )
    assert [s.count for s in january.funnel.stages] == [1, 1, 1, 1, 1]
    assert (january.headline.signed_deals, january.headline.contract_amount) == (1, 50)
    assert january.response.needs_published == 1

    everything = dashboard(session=session, filters=Filters())
    assert everything.headline.contract_amount == 170
    assert everything.response.needs_published == 6
    april = dashboard(session=session, filters=Filters(date_from=date(2025, 4, 1), date_to=date(2025, 4, 1)))
    assert april.response.needs_published == 1  # n5, published at 01:00 Beijing time


def test_presets() -> None:
    today = date(2025, 3, 31)
    f = parse_filters(preset="30d", date_from=None, date_to=None, field=None, today=today)
    assert (f.date_from, f.date_to) == (date(2025, 3, 2), today)
    assert parse_filters(preset="ytd", date_from="", date_to="", field="", today=today).date_from == date(
        2025, 1, 1
    )
    assert parse_filters(preset="all", date_from=None, date_to=None, field=None).date_from is None
    assert parse_filters(preset=None, date_from=None, date_to=None, field=None, today=today).preset == "90d"
    explicit = parse_filters(preset="30d", date_from="2025-03-31", date_to="2025-03-01", field="biomedicine")
    assert (explicit.date_from, explicit.date_to, explicit.field, explicit.preset) == (
        date(2025, 3, 1),
        date(2025, 3, 31),
        BIO,
        "",
    )
    assert explicit.query() == "from=2025-03-01&to=2025-03-31&field=biomedicine"


def test_csv_cells_are_neutralised() -> None:
    assert [safe_cell(v) for v in ("=1+1", "+86", "-2", "@SUM(A1)", "湖北省", 3)] == [
        "'=1+1",
        "'+86",
        "'-2",
        "'@SUM(A1)",
        "湖北省",
        3,
    ]
    text = to_csv(["名称"], [["=cmd|' /C calc'!A0"]])
    assert text.startswith("\ufeff名称\r\n")
    assert "'=cmd" in text


# ---- pages, downloads, JSON, access -------------------------------------------------------


def test_page_shows_the_figures_as_charts(client: TestClient, session: Session, world: World) -> None:
    login(client, world.operator)  # type: ignore[arg-type]
    response = client.get(f"/ops/dashboard?{MARCH_Q}")
    assert response.status_code == 200
    soup = BeautifulSoup(response.text, "html.parser")
    assert [k.get_text(strip=True) for k in soup.select(".kpi-value")] == ["5", "3", "2", "1", "120"]
    labels = [svg["aria-label"] for svg in soup.select("svg.chart:not(.chart-narrow)")]
    assert "对接漏斗：推荐 5，意向 3，已批准 2，洽谈中 2，已签约 1" in labels
    assert labels[1] == "2 / 4 条需求 50%"
    assert soup.select_one("input[name=from]")["value"] == "2025-03-01"
    csv_links = [a["href"] for a in soup.select("a.csv-link")]
    assert f"/ops/dashboard/funnel.csv?{MARCH_Q}" in csv_links
    assert len(csv_links) == 7
    assert "24.0" in soup.select_one(".rate-facts").get_text()
    assert "=HYPERLINK" in soup.select_one(".data-table").get_text()  # shown as text, escaped


def test_page_field_filter(client: TestClient, session: Session, world: World) -> None:
    login(client, world.operator)  # type: ignore[arg-type]
    soup = BeautifulSoup(client.get(f"/ops/dashboard?{MARCH_Q}&field=biomedicine").text, "html.parser")
    assert soup.select_one("select[name=field] option[selected]")["value"] == "biomedicine"
    assert "对接漏斗：推荐 3，意向 1，已批准 1，洽谈中 1，已签约 0" in [
        s["aria-label"] for s in soup.select("svg.chart")
    ]
    assert soup.select(".kpi-value")[3].get_text(strip=True) == "0"


def test_csv_download(client: TestClient, session: Session, world: World) -> None:
    login(client, world.operator)  # type: ignore[arg-type]
    response = client.get(f"/ops/dashboard/funnel.csv?{MARCH_Q}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines == [
        "阶段,对接数,占推荐",
        "推荐,5,100.0%",
        "意向,3,60.0%",
        "已批准,2,40.0%",
        "洽谈中,2,40.0%",
        "已签约,1,20.0%",
        "已拒绝,1,",
        "已关闭,1,",
    ]
    signed = client.get(f"/ops/dashboard/signed.csv?{MARCH_Q}").content.decode("utf-8-sig").splitlines()
    assert signed[0].startswith("对接编号,技术需求,科技成果")
    assert len(signed) == 2
    assert ',"\'=HYPERLINK(""http://x"",""点我"")",' in signed[1]
    assert signed[1].endswith(",2025-03-10 10:00,2025-03-10,120.0")  # 02:00 UTC is 10:00 in Beijing
    weekly_csv = client.get(f"/ops/dashboard/weekly.csv?{MARCH_Q}&field=electronic_info").content.decode(
        "utf-8-sig"
    )
    assert "2025-W10,2025-03-03,2,1,2,0" in weekly_csv.splitlines()
    assert client.get("/ops/dashboard/nothing.csv").status_code == 404


def test_json_api(client: TestClient, session: Session, world: World) -> None:
    login(client, world.operator)  # type: ignore[arg-type]
    body = client.get(f"/api/ops/dashboard?{MARCH_Q}&field=electronic_info").json()
    assert (body["date_from"], body["date_to"], body["field"]) == (
        "2025-03-01",
        "2025-03-31",
        "electronic_info",
    )
    figures = body["figures"]
    assert [s["count"] for s in figures["funnel"]["stages"]] == [2, 2, 1, 1, 1]
    assert figures["headline"]["contract_amount"] == 120
    assert figures["response"]["median_hours"] == 120.0
    assert client.get("/api/ops/dashboard?from=2025-13-01").status_code == 422


@pytest.mark.parametrize("role", [Role.enterprise, Role.researcher])
def test_only_operators(client: TestClient, session: Session, role: Role) -> None:
    login(client, make_user(session, role))
    assert client.get("/ops/dashboard").status_code == 403
    assert client.get("/ops/dashboard/funnel.csv").status_code == 403
    assert client.get("/api/ops/dashboard").status_code == 403


def test_anonymous_is_sent_to_log_in(client: TestClient) -> None:
    response = client.get(f"/ops/dashboard?{MARCH_Q}", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=/ops/dashboard")
    assert client.get("/api/ops/dashboard").status_code == 401
