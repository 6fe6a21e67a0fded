"""Listing needs and results through the services: filters, word search, ordering and paging."""

from datetime import timedelta

from sqlmodel import Session

from backend.accounts.models import User
from backend.db import utcnow
from backend.postings import needs as needs
from backend.postings import results as results
from backend.postings.listing import ListFilters
from backend.vocab import Role
from tests.backend.postings.kit import _ids
from tests.factories import make_need, make_result, make_user


class TestNeedList:
    """needs.list_needs."""

    def test_list_needs_filters(self, session: Session) -> None:
        owner = make_user(session, Role.enterprise)
        org = owner.organisation_id
        a = make_need(session, owner, field="new_materials", region="江苏省", trl_wanted=4, modes=["equity"])
        b = make_need(session, owner, field="biomedicine", region="湖北省", trl_wanted=6, modes=["transfer"])
        c = make_need(
            session,
            owner,
            field="biomedicine",
            region="湖北省",
            trl_wanted=8,
            modes=["commissioned", "transfer"],
            title="锂电池隔膜涂覆工艺",
            problem="隔膜涂覆厚度不均，导致电池一致性差，希望找到在线检测与控制方法。",
            keywords=["隔膜", "涂覆"],
        )
        d = make_need(session, owner, publish=False)

        def ids(**kw: object) -> set[int | None]:
            rows, total = needs.list_needs(
                session=session,
                user=owner,
                filters=ListFilters(organisation_id=org, **kw),  # type: ignore[arg-type]
            )
            assert total == len(rows)
            return set(_ids(rows))

        assert ids() == {a.id, b.id, c.id, d.id}
        assert ids(field="biomedicine") == {b.id, c.id, d.id}
        assert ids(region="江苏省") == {a.id}
        assert ids(trl_min=6) == {b.id, c.id, d.id}
        assert ids(trl_max=5) == {a.id}
        assert ids(trl_min=6, trl_max=7) == {b.id, d.id}
        assert ids(mode="equity") == {a.id}
        assert ids(mode="commissioned") == {c.id}
        assert ids(status="draft") == {d.id}
        assert ids(status="published") == {a.id, b.id, c.id}
        assert ids(text="隔膜") == {c.id}  # title, problem and keywords are searched
        assert ids(text="在线检测") == {c.id}
        assert ids(text="染菌 发酵") == {a.id, b.id, d.id}
        assert ids(text="隔膜 发酵") == set()  # every word must match

        other = make_user(session, Role.enterprise)
        make_need(session, other)
        rows, _ = needs.list_needs(session=session, user=owner, filters=ListFilters(organisation_id=org))
        assert {r.organisation_id for r in rows} == {org}

    def test_list_needs_ordering_and_paging(self, session: Session) -> None:
        owner = make_user(session, Role.enterprise)
        today = utcnow().date()
        made = [
            make_need(session, owner, valid_until=(today + timedelta(days=days)).isoformat())
            for days in (30, 10, 50, 20, 40)
        ]
        filters = ListFilters(organisation_id=owner.organisation_id)

        newest, total = needs.list_needs(session=session, user=owner, filters=filters)
        assert total == 5
        assert _ids(newest) == [n.id for n in reversed(made)]

        deadline, _ = needs.list_needs(session=session, user=owner, filters=filters, order="deadline")
        assert [n.valid_until for n in deadline] == sorted(n.valid_until for n in made)

        page1, total1 = needs.list_needs(session=session, user=owner, filters=filters, offset=0, limit=2)
        page3, total3 = needs.list_needs(session=session, user=owner, filters=filters, offset=4, limit=2)
        assert (total1, total3) == (5, 5)
        assert _ids(page1) == _ids(newest)[:2]
        assert _ids(page3) == _ids(newest)[4:]


class TestResultList:
    """results.list_results."""

    def test_list_results_filters_ordering_and_contacts(self, session: Session) -> None:
        author = make_user(session, Role.researcher)
        org = author.organisation_id
        low = make_result(session, author, trl=3, field="new_materials", modes=["equity"], region="北京市")
        mid = make_result(session, author, trl=5)
        high = make_result(session, author, trl=8, title="高通量基因测序样本前处理装置", keywords=["测序"])
        draft = make_result(session, author, publish=False)
        filters = ListFilters(organisation_id=org)

        rows, total = results.list_results(session=session, user=author, filters=filters, order="trl")
        assert total == 4
        assert [r.trl for r in rows] == sorted((r.trl for r in rows), reverse=True)

        def ids(user: User | None, **kw: object) -> set[int | None]:
            rows, _ = results.list_results(
                session=session,
                user=user,
                filters=ListFilters(organisation_id=org, **kw),  # type: ignore[arg-type]
            )
            return set(_ids(rows))

        assert ids(author, trl_min=4, trl_max=6) == {mid.id, draft.id}
        assert ids(author, field="new_materials") == {low.id}
        assert ids(author, region="北京市") == {low.id}
        assert ids(author, mode="equity") == {low.id}
        assert ids(author, text="测序") == {high.id}
        assert ids(author, text="李明教授") == {low.id, mid.id, high.id, draft.id}  # the team is searched
        outsider = make_user(session, Role.enterprise)
        assert ids(outsider) == {low.id, mid.id, high.id}  # drafts stay private
        assert ids(None) == {low.id, mid.id, high.id}
        page, total = results.list_results(session=session, user=outsider, filters=filters, offset=2, limit=2)
        assert total == 3 and len(page) == 1

        view = results.public_view(session=session, result=mid, user=outsider)
        assert view.organisation_name and view.contact_phone is None
        assert results.public_view(session=session, result=mid, user=author).contact_phone == "027-87541234"
