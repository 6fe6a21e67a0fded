"""The posting lifecycle through the need and result services: edit, submit, review, close, delete, rights."""

import pytest
from sqlmodel import Session

from backend.audit.service import history
from backend.errors import Conflict, InvalidInput, NotPermitted
from backend.pairings.models import Pairing
from backend.postings import needs as needs
from backend.postings import results as results
from backend.postings.need_model import Need, NeedUpdate
from backend.postings.result_model import Result, ResultUpdate
from backend.vocab import PostingStatus, Proposer, Role
from tests.factories import make_need, make_result, make_user


class TestNeedLifecycle:
    """A need from draft to closed or deleted, every step audited."""

    def test_need_create_read_update_publish_close_with_audit(self, session: Session) -> None:
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

    def test_operator_edit_is_audited_with_the_operator_as_actor(self, session: Session) -> None:
        owner = make_user(session, Role.enterprise)
        operator = make_user(session, Role.operator)
        need = make_need(session, owner)
        needs.update(session=session, need=need, changes=NeedUpdate(trl_wanted=7), user=operator)
        session.flush()
        last = history(session=session, entity="need", entity_id=need.id or 0)[-1]
        assert (last.action, last.actor_id) == ("edit", operator.id)

    def test_invalid_need_update_changes_nothing(self, session: Session) -> None:
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

    def test_need_delete_removes_row_and_is_audited(self, session: Session) -> None:
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

    def test_need_with_a_pairing_cannot_be_deleted(self, session: Session) -> None:
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


class TestResultLifecycle:
    """A result from draft to closed or deleted, every step audited."""

    def test_result_lifecycle_with_audit(self, session: Session) -> None:
        researcher = make_user(session, Role.researcher)
        result = make_result(session, researcher, publish=False)
        assert result.status == PostingStatus.draft and result.organisation_id == researcher.organisation_id

        results.update(
            session=session, result=result, changes=ResultUpdate(trl=6, price=120), user=researcher
        )
        results.publish(session=session, result=result, user=researcher)
        assert result.status == PostingStatus.pending and result.published_at is None
        results.close(session=session, result=result, user=researcher)  # withdrawn while waiting
        session.flush()
        session.expire_all()
        stored = session.get(Result, result.id)
        assert stored is not None
        assert (stored.trl, stored.price, stored.status) == (6, 120, PostingStatus.closed)
        assert stored.patent_numbers == ["ZL202110345678.3"]
        entries = history(session=session, entity="result", entity_id=result.id or 0)
        assert [e.action for e in entries] == ["create", "edit", "submit", "close"]
        assert {e.actor_id for e in entries} == {researcher.id}

        draft = make_result(session, researcher, publish=False)
        draft_id = draft.id or 0
        results.delete(session=session, result=draft, user=researcher)
        session.flush()
        assert session.get(Result, draft_id) is None
        assert history(session=session, entity="result", entity_id=draft_id)[-1].action == "delete"


class TestRights:
    """Who may post and change a posting."""

    def test_others_cannot_change_a_need(self, session: Session) -> None:
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

    def test_researcher_cannot_post_a_need(self, session: Session) -> None:
        from backend.postings.need_model import NeedCreate
        from tests.factories import need_data

        with pytest.raises(NotPermitted):
            needs.create(
                session=session,
                data=NeedCreate.model_validate(need_data()),
                user=make_user(session, Role.researcher),
            )

    def test_result_edit_rights(self, session: Session) -> None:
        author = make_user(session, Role.researcher)
        colleague = make_user(session, Role.researcher, organisation_id=author.organisation_id)
        stranger = make_user(session, Role.researcher)
        enterprise = make_user(session, Role.enterprise)
        result = make_result(session, author)
        results.update(
            session=session, result=result, changes=ResultUpdate(team="李明、王强"), user=colleague
        )
        for intruder in (stranger, enterprise):
            with pytest.raises(NotPermitted):
                results.update(
                    session=session, result=result, changes=ResultUpdate(team="冒名"), user=intruder
                )
        assert result.team == "李明、王强"


class TestReview:
    """Review decisions on a posting waiting for one."""

    def test_a_stale_review_decision_loses_to_the_one_already_made(self, session: Session) -> None:
        """Two operators deciding the same posting at once: the second sees it already decided."""
        from sqlalchemy import update as sa_update

        from backend.errors import Conflict
        from backend.postings import needs as need_service

        owner = make_user(session, Role.enterprise)
        first, second = make_user(session, Role.operator), make_user(session, Role.operator)
        need = make_need(session, owner, publish=False)
        need_service.publish(session=session, need=need, user=owner)
        session.flush()
        # The first operator's decision lands in the database; the second still holds the old row.
        session.execute(sa_update(Need).where(Need.id == need.id).values(status="returned"))
        with pytest.raises(Conflict):
            need_service.approve(session=session, need=need, operator=second)
        session.refresh(need)
        assert need.status == "returned"
        assert first.id != second.id
