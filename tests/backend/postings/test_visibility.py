"""Who sees a need, and how much of it: secret, draft, desensitized and public postings."""

import pytest
from sqlmodel import Session

from backend.accounts.models import Organisation, User
from backend.errors import NotFound
from backend.pairings.models import Pairing
from backend.postings import needs as needs
from backend.postings import results as results
from backend.postings.listing import ListFilters
from backend.vocab import Confidentiality, PairingStatus, Proposer, Role
from tests.backend.postings.kit import _ids
from tests.factories import make_need, make_result, make_user


class TestSecretNeed:
    """A secret need is shown to its organisation, operators and approved parties."""

    def test_secret_need_is_listed_only_for_owner_org_and_operator(self, session: Session) -> None:
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

    def test_secret_need_is_shown_to_the_party_of_an_approved_pairing(self, session: Session) -> None:
        owner = make_user(session, Role.enterprise)
        researcher = make_user(session, Role.researcher)
        secret = make_need(session, owner, confidentiality="secret")
        result = make_result(session, researcher)
        pairing = Pairing(
            need_id=secret.id or 0, result_id=result.id or 0, score=70, proposed_by=Proposer.engine
        )
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


class TestDraftNeed:
    """Drafts stay with their owners."""

    def test_draft_need_is_hidden_from_outsiders(self, session: Session) -> None:
        owner = make_user(session, Role.enterprise)
        draft = make_need(session, owner, publish=False)
        outsider = make_user(session, Role.enterprise)
        with pytest.raises(NotFound):
            needs.get_visible(session=session, need_id=draft.id or 0, user=outsider)
        assert needs.get_visible(session=session, need_id=draft.id or 0, user=owner).id == draft.id


class TestPublicView:
    """What outsiders see of the organisation and contacts."""

    def test_desensitized_need_hides_organisation_and_contacts_from_outsiders(self, session: Session) -> None:
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

    def test_public_need_shows_organisation_but_not_contacts_to_outsiders(self, session: Session) -> None:
        owner = make_user(session, Role.enterprise)
        need = make_need(session, owner, confidentiality=Confidentiality.public.value)
        view = needs.public_view(session=session, need=need, user=make_user(session, Role.researcher))
        assert view.organisation_id == owner.organisation_id and view.organisation_name
        assert view.contact_phone is None and view.contact_name is None
