"""Services over every table: accounts, needs, results, pairings and the audit trail."""

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from backend.accounts import service as accounts
from backend.accounts.models import Organisation, User, UserSession
from backend.accounts.schemas import PasswordChange, SignUp
from backend.audit.models import AuditEntry
from backend.audit.service import history
from backend.db import utcnow
from backend.errors import Conflict, InvalidInput, NotAuthenticated, NotFound, NotPermitted
from backend.pairings.models import Pairing, PairingEvent
from backend.postings import needs as needs
from backend.postings import results as results
from backend.postings.listing import ListFilters
from backend.postings.need_model import Need, NeedUpdate
from backend.postings.result_model import Result, ResultUpdate
from backend.vocab import Confidentiality, OrgKind, PairingStatus, PostingStatus, Proposer, Role
from tests.factories import PASSWORD, make_need, make_result, make_user


def _signup(**overrides: object) -> SignUp:
    fields: dict[str, object] = {
        "email": "Wang@Example.CN",
        "password": "Secret123",
        "name": "王芳",
        "phone": "13900000000",
        "role": "enterprise",
        "organisation_name": "武汉光谷新材料有限公司",
        "organisation_kind": "enterprise",
        "region": "湖北省",
    } | overrides
    return SignUp.model_validate(fields)


def _ids(rows: list[Need] | list[Result]) -> list[int | None]:
    return [r.id for r in rows]


# --- organisation, user, user_session ---------------------------------------------------------


def test_create_user_creates_organisation_and_hashes_password(session: Session) -> None:
    user = accounts.create_user(session=session, data=_signup())

    stored = session.get(User, user.id)
    assert stored is not None
    assert stored.email == "wang@example.cn"  # normalised to lower case
    assert stored.role == Role.enterprise
    assert stored.password_hash != "Secret123"
    org = session.get(Organisation, stored.organisation_id)
    assert org is not None
    assert (org.name, org.kind, org.region) == ("武汉光谷新材料有限公司", OrgKind.enterprise, "湖北省")
    assert accounts.authenticate(session=session, email="WANG@example.cn", password="Secret123").id == user.id
    with pytest.raises(NotAuthenticated):
        accounts.authenticate(session=session, email="wang@example.cn", password="wrong-Pass1")
    entries = history(session=session, entity="user", entity_id=user.id or 0)
    assert [(e.action, e.actor_id) for e in entries] == [("create", user.id)]


def test_organisation_update_is_stored(session: Session) -> None:
    user = accounts.create_user(session=session, data=_signup())
    org = session.get(Organisation, user.organisation_id)
    assert org is not None
    org.credit_code = "91420100MA4K00001X"
    session.add(org)
    session.flush()
    session.expire_all()
    again = session.get(Organisation, user.organisation_id)
    assert again is not None and again.credit_code == "91420100MA4K00001X"
    assert (
        accounts.organisation_name(session=session, organisation_id=org.id or 0) == "武汉光谷新材料有限公司"
    )


def test_operator_adds_colleague_to_existing_organisation(session: Session) -> None:
    first = accounts.create_user(session=session, data=_signup())
    operator = make_user(session, Role.operator)
    colleague = accounts.create_user(
        session=session, data=_signup(email="li@example.cn", name="李雷"), created_by=operator
    )
    assert colleague.organisation_id == first.organisation_id
    entries = history(session=session, entity="user", entity_id=colleague.id or 0)
    assert [e.actor_id for e in entries] == [operator.id]


def test_user_session_lifecycle(session: Session) -> None:
    user = make_user(session)
    token, row = accounts.start_session(session=session, user=user, hours=2)
    assert row.token_hash != token  # only the digest is stored
    found = accounts.resolve_session(session=session, token=token)
    assert found is not None and found[0].id == user.id

    accounts.end_session(session=session, token=token)
    session.flush()
    stored = session.get(UserSession, row.id)
    assert stored is not None and stored.revoked_at is not None
    assert accounts.resolve_session(session=session, token=token) is None


def test_expired_session_does_not_resolve(session: Session) -> None:
    user = make_user(session)
    token, row = accounts.start_session(session=session, user=user, hours=2)
    row.expires_at = utcnow() - timedelta(minutes=1)
    session.add(row)
    session.flush()
    session.expire_all()
    assert accounts.resolve_session(session=session, token=token) is None


def test_change_password_updates_user_and_revokes_other_sessions(session: Session) -> None:
    user = make_user(session)
    keep_token, keep = accounts.start_session(session=session, user=user, hours=2)
    other_token, _ = accounts.start_session(session=session, user=user, hours=2)
    accounts.change_password(
        session=session,
        user=user,
        data=PasswordChange(current_password=PASSWORD, new_password="NewPass456"),
        keep_session_id=keep.id,
    )
    session.flush()
    assert accounts.resolve_session(session=session, token=keep_token) is not None
    assert accounts.resolve_session(session=session, token=other_token) is None
    assert accounts.authenticate(session=session, email=user.email, password="NewPass456").id == user.id
    with pytest.raises(NotAuthenticated):
        accounts.authenticate(session=session, email=user.email, password=PASSWORD)


# --- needs --------------------------------------------------------------------------------------


def test_need_create_read_update_publish_close_with_audit(session: Session) -> None:
    owner = make_user(session, Role.enterprise)
    need = make_need(session, owner, publish=False)
    assert need.status == PostingStatus.draft
    assert need.published_at is None
    assert need.organisation_id == owner.organisation_id and need.owner_id == owner.id

    session.expire_all()
    stored = session.get(Need, need.id)
    assert stored is not None
    assert stored.keywords == ["发酵", "染菌"]
    assert stored.modes == ["transfer", "joint_development"]

    needs.update(session=session, need=stored, changes=NeedUpdate(title="发酵罐染菌问题求解"), user=owner)
    needs.publish(session=session, need=stored, user=owner)
    assert stored.status == PostingStatus.pending and stored.published_at is None
    with pytest.raises(Conflict):
        needs.publish(session=session, need=stored, user=owner)
    with pytest.raises(NotPermitted):
        needs.approve(session=session, need=stored, operator=owner)  # owners cannot approve themselves
    operator = make_user(session, Role.operator)
    needs.approve(session=session, need=stored, operator=operator)
    assert stored.status == PostingStatus.published and stored.published_at is not None
    with pytest.raises(Conflict):
        needs.publish(session=session, need=stored, user=owner)
    needs.close(session=session, need=stored, user=owner)
    assert stored.status == PostingStatus.closed and stored.closed_at is not None
    with pytest.raises(Conflict):
        needs.update(session=session, need=stored, changes=NeedUpdate(title="再改一次"), user=owner)
    session.flush()

    session.expire_all()
    again = session.get(Need, need.id)
    assert again is not None and again.title == "发酵罐染菌问题求解"
    assert again.status == PostingStatus.closed
    entries = history(session=session, entity="need", entity_id=need.id or 0)
    assert [(e.action, e.actor_id) for e in entries] == [
        ("create", owner.id),
        ("edit", owner.id),
        ("submit", owner.id),
        ("approve", operator.id),
        ("close", owner.id),
    ]
    assert entries[1].summary == "title"


def test_operator_edit_is_audited_with_the_operator_as_actor(session: Session) -> None:
    owner = make_user(session, Role.enterprise)
    operator = make_user(session, Role.operator)
    need = make_need(session, owner)
    needs.update(session=session, need=need, changes=NeedUpdate(trl_wanted=7), user=operator)
    session.flush()
    last = history(session=session, entity="need", entity_id=need.id or 0)[-1]
    assert (last.action, last.actor_id) == ("edit", operator.id)


def test_invalid_need_update_changes_nothing(session: Session) -> None:
    owner = make_user(session, Role.enterprise)
    need = make_need(session, owner)
    with pytest.raises(InvalidInput):
        needs.update(
            session=session, need=need, changes=NeedUpdate(title="新标题", budget_min=500), user=owner
        )
    session.flush()
    session.expire_all()
    stored = session.get(Need, need.id)
    assert stored is not None
    assert stored.title == "发酵罐批次差异大、容易染菌"
    assert stored.budget_min == 50
    assert [e.action for e in history(session=session, entity="need", entity_id=need.id or 0)] == [
        "create",
        "submit",
        "approve",
    ]


def test_need_delete_removes_row_and_is_audited(session: Session) -> None:
    owner = make_user(session, Role.enterprise)
    need = make_need(session, owner, publish=False)
    need_id = need.id or 0
    needs.delete(session=session, need=need, user=owner)
    session.flush()
    assert session.get(Need, need_id) is None
    assert [(e.action, e.actor_id) for e in history(session=session, entity="need", entity_id=need_id)][
        -1
    ] == (
        "delete",
        owner.id,
    )


def test_need_with_a_pairing_cannot_be_deleted(session: Session) -> None:
    owner = make_user(session, Role.enterprise)
    need = make_need(session, owner)
    result = make_result(session, make_user(session, Role.researcher))
    session.add(
        Pairing(need_id=need.id or 0, result_id=result.id or 0, score=80, proposed_by=Proposer.engine)
    )
    session.flush()
    with pytest.raises(Conflict):
        needs.delete(session=session, need=need, user=owner)
    assert session.get(Need, need.id) is not None


def test_others_cannot_change_a_need(session: Session) -> None:
    owner = make_user(session, Role.enterprise)
    need = make_need(session, owner)
    for intruder in (make_user(session, Role.enterprise), make_user(session, Role.researcher)):
        with pytest.raises(NotPermitted):
            needs.update(session=session, need=need, changes=NeedUpdate(title="篡改"), user=intruder)
        with pytest.raises(NotPermitted):
            needs.close(session=session, need=need, user=intruder)
        with pytest.raises(NotPermitted):
            needs.delete(session=session, need=need, user=intruder)
    assert session.get(Need, need.id).title == "发酵罐批次差异大、容易染菌"  # type: ignore[union-attr]


def test_researcher_cannot_post_a_need(session: Session) -> None:
    from backend.postings.need_model import NeedCreate
    from tests.factories import need_data

    with pytest.raises(NotPermitted):
        needs.create(
            session=session,
            data=NeedCreate.model_validate(need_data()),
            user=make_user(session, Role.researcher),
        )


def test_list_needs_filters(session: Session) -> None:
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


def test_list_needs_ordering_and_paging(session: Session) -> None:
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


# --- visibility ---------------------------------------------------------------------------------


def test_secret_need_is_listed_only_for_owner_org_and_operator(session: Session) -> None:
    owner = make_user(session, Role.enterprise)
    colleague = make_user(session, Role.enterprise, organisation_id=owner.organisation_id)
    outsider = make_user(session, Role.enterprise)
    researcher = make_user(session, Role.researcher)
    operator = make_user(session, Role.operator)
    secret = make_need(session, owner, confidentiality="secret")
    public = make_need(session, owner)

    def listed(user: User | None) -> set[int | None]:
        rows, _ = needs.list_needs(session=session, user=user, filters=ListFilters(), limit=100)
        return set(_ids(rows))

    for viewer in (owner, colleague, operator):
        assert {secret.id, public.id} <= listed(viewer)
    for viewer in (outsider, researcher, None):
        assert public.id in listed(viewer)
        assert secret.id not in listed(viewer)
        with pytest.raises(NotFound):
            needs.get_visible(session=session, need_id=secret.id or 0, user=viewer)


def test_secret_need_is_shown_to_the_party_of_an_approved_pairing(session: Session) -> None:
    owner = make_user(session, Role.enterprise)
    researcher = make_user(session, Role.researcher)
    secret = make_need(session, owner, confidentiality="secret")
    result = make_result(session, researcher)
    pairing = Pairing(need_id=secret.id or 0, result_id=result.id or 0, score=70, proposed_by=Proposer.engine)
    session.add(pairing)
    session.flush()

    def listed() -> set[int | None]:
        rows, _ = needs.list_needs(session=session, user=researcher, filters=ListFilters(), limit=100)
        return set(_ids(rows))

    assert secret.id not in listed()  # a mere suggestion discloses nothing
    pairing.status = PairingStatus.approved
    session.add(pairing)
    session.flush()
    assert secret.id in listed()
    view = needs.public_view(session=session, need=secret, user=researcher)
    assert view.contact_phone == "13871234567"


def test_draft_need_is_hidden_from_outsiders(session: Session) -> None:
    owner = make_user(session, Role.enterprise)
    draft = make_need(session, owner, publish=False)
    outsider = make_user(session, Role.enterprise)
    with pytest.raises(NotFound):
        needs.get_visible(session=session, need_id=draft.id or 0, user=outsider)
    assert needs.get_visible(session=session, need_id=draft.id or 0, user=owner).id == draft.id


def test_desensitized_need_hides_organisation_and_contacts_from_outsiders(session: Session) -> None:
    owner = make_user(session, Role.enterprise)
    org_name = session.get(Organisation, owner.organisation_id).name  # type: ignore[union-attr]
    need = make_need(session, owner, confidentiality="desensitized")
    outsider = make_user(session, Role.researcher)

    for viewer in (outsider, None):
        view = needs.public_view(session=session, need=need, user=viewer)
        assert view.title == need.title  # still listed, with its content
        assert view.organisation_id is None and view.organisation_name is None
        assert (view.contact_name, view.contact_phone, view.contact_email) == (None, None, None)

    for viewer in (owner, make_user(session, Role.operator)):
        view = needs.public_view(session=session, need=need, user=viewer)
        assert view.organisation_name == org_name
        assert view.contact_phone == "13871234567"


def test_public_need_shows_organisation_but_not_contacts_to_outsiders(session: Session) -> None:
    owner = make_user(session, Role.enterprise)
    need = make_need(session, owner, confidentiality=Confidentiality.public.value)
    view = needs.public_view(session=session, need=need, user=make_user(session, Role.researcher))
    assert view.organisation_id == owner.organisation_id and view.organisation_name
    assert view.contact_phone is None and view.contact_name is None


# --- results ------------------------------------------------------------------------------------


def test_result_lifecycle_with_audit(session: Session) -> None:
    researcher = make_user(session, Role.researcher)
    result = make_result(session, researcher, publish=False)
    assert result.status == PostingStatus.draft and result.organisation_id == researcher.organisation_id

    results.update(session=session, result=result, changes=ResultUpdate(trl=6, price=120), user=researcher)
    results.publish(session=session, result=result, user=researcher)
    assert result.status == PostingStatus.pending and result.published_at is None
    results.close(session=session, result=result, user=researcher)  # withdrawn while waiting
    session.flush()
    session.expire_all()
    stored = session.get(Result, result.id)
    assert stored is not None
    assert (stored.trl, stored.price, stored.status) == (6, 120, PostingStatus.closed)
    assert stored.patent_numbers == ["ZL202110345678.9"]
    entries = history(session=session, entity="result", entity_id=result.id or 0)
    assert [e.action for e in entries] == ["create", "edit", "submit", "close"]
    assert {e.actor_id for e in entries} == {researcher.id}

    draft = make_result(session, researcher, publish=False)
    draft_id = draft.id or 0
    results.delete(session=session, result=draft, user=researcher)
    session.flush()
    assert session.get(Result, draft_id) is None
    assert history(session=session, entity="result", entity_id=draft_id)[-1].action == "delete"


def test_result_edit_rights(session: Session) -> None:
    author = make_user(session, Role.researcher)
    colleague = make_user(session, Role.researcher, organisation_id=author.organisation_id)
    stranger = make_user(session, Role.researcher)
    enterprise = make_user(session, Role.enterprise)
    result = make_result(session, author)
    results.update(session=session, result=result, changes=ResultUpdate(team="李明、王强"), user=colleague)
    for intruder in (stranger, enterprise):
        with pytest.raises(NotPermitted):
            results.update(session=session, result=result, changes=ResultUpdate(team="冒名"), user=intruder)
    assert result.team == "李明、王强"


def test_list_results_filters_ordering_and_contacts(session: Session) -> None:
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


# --- pairings -----------------------------------------------------------------------------------


def test_pairing_and_events_round_trip(session: Session) -> None:
    owner = make_user(session, Role.enterprise)
    operator = make_user(session, Role.operator)
    need = make_need(session, owner)
    result = make_result(session, make_user(session, Role.researcher))
    explanation = {"reasons": ["关键词“发酵”相同", "成熟度差 1 级"], "lexical": 0.42}
    pairing = Pairing(
        need_id=need.id or 0,
        result_id=result.id or 0,
        score=87.5,
        explanation=explanation,
        proposed_by=Proposer.engine,
    )
    session.add(pairing)
    session.flush()
    session.add_all(
        [
            PairingEvent(pairing_id=pairing.id or 0, to_status=PairingStatus.suggested),
            PairingEvent(
                pairing_id=pairing.id or 0,
                actor_id=operator.id,
                from_status=PairingStatus.suggested,
                to_status=PairingStatus.approved,
                note="双方需求匹配，同意对接",
            ),
        ]
    )
    pairing.status = PairingStatus.approved
    pairing.version += 1
    session.add(pairing)
    session.flush()
    session.expire_all()

    stored = session.get(Pairing, pairing.id)
    assert stored is not None
    assert (stored.score, stored.status, stored.version) == (87.5, PairingStatus.approved, 2)
    assert stored.explanation == explanation
    assert stored.proposed_by == Proposer.engine
    events = session.exec(
        select(PairingEvent).where(PairingEvent.pairing_id == pairing.id).order_by(PairingEvent.id)  # type: ignore[arg-type]
    ).all()
    assert [(e.from_status, e.to_status) for e in events] == [
        (None, PairingStatus.suggested),
        (PairingStatus.suggested, PairingStatus.approved),
    ]
    assert events[1].actor_id == operator.id and events[1].note == "双方需求匹配，同意对接"


def test_pairing_of_the_same_need_and_result_is_unique(session: Session) -> None:
    need = make_need(session, make_user(session, Role.enterprise))
    result = make_result(session, make_user(session, Role.researcher))
    session.add(
        Pairing(need_id=need.id or 0, result_id=result.id or 0, score=60, proposed_by=Proposer.engine)
    )
    session.flush()
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(
            Pairing(need_id=need.id or 0, result_id=result.id or 0, score=90, proposed_by=Proposer.operator)
        )
    other = make_result(session, make_user(session, Role.researcher))
    session.add(Pairing(need_id=need.id or 0, result_id=other.id or 0, score=50, proposed_by=Proposer.engine))
    session.flush()
    count = len(session.exec(select(Pairing).where(Pairing.need_id == need.id)).all())
    assert count == 2


def test_audit_entries_carry_actor_and_entity(session: Session) -> None:
    owner = make_user(session, Role.enterprise)
    need = make_need(session, owner)
    session.flush()
    rows = session.exec(
        select(AuditEntry).where(AuditEntry.entity_id == need.id, AuditEntry.entity == "need")
    ).all()
    approver = next(r.actor_id for r in rows if r.action == "approve")
    assert approver is not None and approver != owner.id
    assert session.get(User, approver).role == Role.operator  # type: ignore[union-attr]
    assert [(r.action, r.actor_id) for r in sorted(rows, key=lambda r: r.id or 0)] == [
        ("create", owner.id),
        ("submit", owner.id),
        ("approve", approver),
    ]
    assert next(r for r in rows if r.action == "create").summary == need.title
