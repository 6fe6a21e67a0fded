"""Confidentiality: a 保密 need is matched but never shown to anyone outside its owner, operators and the
other party of an approved pairing; a 脱敏 need hides its enterprise and contacts until approval.

The crawl plants MARKER in the secret need's title and problem, runs the real matching engine so
match sections, match endpoints and search really rank the secret need, makes the pairing events
send their notifications, then fetches every GET route (derived from the app's routes, with the
world's ids) and a list of search / match / list URLs as each non-insider role, asserting MARKER
never appears. Exports are operators' only (tests/security/test_access_table.py::ACCESS rows for
/ops/export and /ops/dashboard/*.csv give every other role 403 or a login redirect).
"""

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from backend.db import utcnow
from backend.follow.models import Bookmark, Subscription, SubscriptionHit
from backend.main import app
from backend.matching.lifecycle import listed_documents
from backend.postings.changes import mark_changed
from embeddings.engine import MatchEngine
from tests.security.routes import all_routes
from tests.security.test_access_table import ACCESS
from tests.security.world import DES_CONTACT, DES_EMAIL, DES_ORG, DES_PHONE, MARKER, World

pytestmark = pytest.mark.slow

OUTSIDERS = ("anonymous", "enterprise2", "researcher", "researcher2")
EXTRA_URLS = (
    "/api/search?q=高温合金叶片内部缺陷检测&side=need&k=50",
    "/api/search?q=保密课题 核心工艺不便公开&side=need",  # (searching the marker itself would echo it)
    "/api/search?q=叶片缺陷&side=result",
    "/api/results/{result2}/matches?k=50",
    "/api/results/{result}/matches?k=50",
    "/api/needs/{need_pub}/matches",
    "/results/{result2}",
    "/results/{result}",
    "/needs?q=叶片",
    "/needs?q=保密课题",
    "/api/needs?q=核心工艺",
    "/needs?field=advanced_manufacturing",
    "/api/needs?q=叶片&limit=100",
    "/api/needs?status=published&limit=100",
    "/",
    "/workspace",
    "/notifications",
    "/api/notifications",
    "/api/pairings",
    "/pairings/{pairing_secret}",
    "/api/pairings/{pairing_secret}",
    "/needs/{need_sec}",
    "/api/needs/{need_sec}",
    "/api/needs/{need_sec}/matches",
    "/needs/{need_sec}/edit",
    "/ops/export/needs.csv",
    "/ops/pairings",
    "/api/ops/pairings",
)


def _index(world: World, engine: MatchEngine) -> None:
    needs, results = listed_documents(world.session)
    engine.sync(side="need", docs=needs)
    engine.sync(side="result", docs=results)


def _get_urls(world: World) -> list[str]:
    ids = world.ids() | {"need_pub": world.need_pub.id}
    urls = [u.format(**ids) for u in EXTRA_URLS]
    for route in all_routes(app):
        if route.method in ("GET", "MOUNT") and route.path not in (
            "/docs",
            "/redoc",
            "/docs/oauth2-redirect",
        ):
            urls += [case.path.format(**ids) for case in ACCESS[str(route)]]
    return sorted(set(urls))


def _pairing_events(client: TestClient, world: World) -> None:
    """The secret need's enterprise asks for the pairing, the researcher answers: notifications flow."""
    world.sign_in(client, "enterprise")
    asked = client.post(
        "/api/pairings/interest", json={"need_id": world.need_sec.id, "result_id": world.result2.id}
    )
    assert asked.status_code == 200, asked.text
    world.sign_in(client, "researcher2")
    answered = client.post(
        "/pairings/interest",
        data={
            "need_id": world.need_sec.id,
            "result_id": world.result2.id,
            "csrf_token": world.csrf["researcher2"],
        },
    )
    assert answered.status_code == 303, answered.text
    world.sign_in(client, "enterprise")  # the owner withdraws the other pairing: a notification with a note
    client.post(
        f"/pairings/{world.pairing.id}/withdraw",
        data={"note": "另有安排", "version": world.pairing.version, "csrf_token": world.csrf["enterprise"]},
    )


def _follow_ups(world: World) -> None:
    """Outsiders bookmarked the secret need (before it turned 保密, say) and subscribed to what would
    match it; it is announced again (an edit): no subscription fires, and the crawl finds no name."""
    long_ago = utcnow() - timedelta(days=30)
    for role in OUTSIDERS[1:]:
        user_id = world.users[role].id or 0
        world.session.add(Bookmark(user_id=user_id, side="need", posting_id=world.need_sec.id or 0))
        for query in ("", "高温合金叶片内部缺陷检测"):
            world.session.add(
                Subscription(
                    user_id=user_id,
                    side="need",
                    field="advanced_manufacturing",
                    query=query,
                    min_band="weak",
                    created_at=long_ago,
                )
            )
    world.session.commit()
    mark_changed(session=world.session, side="need", item_id=world.need_sec.id or 0)
    world.session.commit()
    assert world.session.exec(select(SubscriptionHit)).all() == []


def test_secret_need_is_matched_but_never_shown_to_outsiders(
    access_client: TestClient, world: World, match_engine: MatchEngine
) -> None:
    _index(world, match_engine)
    # The engine really ranks the secret need: insiders see it in the result's matches.
    world.sign_in(access_client, "operator")
    ranked = access_client.get(f"/api/results/{world.result2.id}/matches?k=50").json()
    assert world.need_sec.id in [m["need"]["id"] for m in ranked]
    assert MARKER in access_client.get(f"/results/{world.result2.id}").text
    world.sign_in(access_client, "enterprise")
    assert MARKER in access_client.get(f"/needs/{world.need_sec.id}").text

    _pairing_events(access_client, world)
    _follow_ups(world)
    urls = _get_urls(world)
    assert len(urls) > 60
    leaks: list[str] = []
    for role in OUTSIDERS:
        world.sign_in(access_client, role)
        for url in urls:
            response = access_client.get(url)
            assert response.status_code < 500, (role, url, response.text[:200])
            if MARKER in response.text:
                leaks.append(f"{role} GET {url} ({response.status_code})")
    assert leaks == []


def test_the_researcher_of_an_approved_pairing_sees_the_secret_need(
    access_client: TestClient, world: World, match_engine: MatchEngine
) -> None:
    _index(world, match_engine)
    _pairing_events(access_client, world)
    world.sign_in(access_client, "researcher2")
    assert MARKER not in access_client.get(f"/pairings/{world.pairing_secret.id}").text
    world.sign_in(access_client, "operator")
    pairing = access_client.get(f"/api/pairings/{world.pairing_secret.id}").json()
    decided = access_client.post(
        f"/api/ops/pairings/{world.pairing_secret.id}/decision",
        json={"to": "approved", "version": pairing["version"]},
    )
    assert decided.status_code == 200, decided.text
    world.sign_in(access_client, "researcher2")
    assert MARKER in access_client.get(f"/needs/{world.need_sec.id}").text
    assert MARKER in access_client.get(f"/pairings/{world.pairing_secret.id}").text
    sheet = f"/attachments/{world.attachments['att_sec']}"  # the 保密 need's specification sheet
    assert MARKER in access_client.get(sheet).text
    for role in ("researcher", "enterprise2", "anonymous"):  # still nobody else
        world.sign_in(access_client, role)
        assert MARKER not in access_client.get(f"/results/{world.result2.id}").text
        assert access_client.get(f"/api/needs/{world.need_sec.id}").status_code == 404
        assert access_client.get(sheet).status_code == 404


def _no_identity(text: str) -> bool:
    return not any(s in text for s in (DES_CONTACT, DES_PHONE, DES_EMAIL))


def test_desensitized_need_hides_enterprise_and_contacts_until_approval(
    access_client: TestClient, world: World, match_engine: MatchEngine
) -> None:
    _index(world, match_engine)
    des = world.need_des.id
    for role in ("anonymous", "enterprise2", "researcher"):
        world.sign_in(access_client, role)
        page = access_client.get(f"/needs/{des}").text
        assert DES_ORG not in page and _no_identity(page)
        api = access_client.get(f"/api/needs/{des}").json()
        assert (
            api["organisation_name"] is None
            and api["organisation_id"] is None
            and api["contact_phone"] is None
        )
        for hit in access_client.get("/api/search?q=发酵过程在线监测&side=need&k=50").json():
            if hit["id"] == des:
                assert hit["organisation_name"] is None
        for match in access_client.get(f"/api/results/{world.result.id}/matches?k=50").json():
            if match["need"]["id"] == des:
                assert match["need"]["organisation_name"] is None and match["need"]["contact_email"] is None
        for url in ("/needs", "/", "/api/needs?limit=100", f"/results/{world.result.id}"):
            assert _no_identity(access_client.get(url).text), (role, url)
    # Approved: the researcher's side sees who and how to reach them.
    world.sign_in(access_client, "researcher")
    made = access_client.post(
        "/api/pairings/interest", json={"need_id": des, "result_id": world.result.id}
    ).json()
    assert made["status"] == "interested"
    assert DES_ORG not in access_client.get(f"/pairings/{made['id']}").text  # asked, not approved
    world.sign_in(access_client, "operator")
    decided = access_client.post(
        f"/api/ops/pairings/{made['id']}/decision", json={"to": "approved", "version": made["version"]}
    )
    assert decided.status_code == 200, decided.text
    world.sign_in(access_client, "researcher")
    shown: dict[str, Any] = access_client.get(f"/api/needs/{des}").json()
    assert shown["organisation_name"] == DES_ORG and shown["contact_phone"] == DES_PHONE
    assert DES_CONTACT in access_client.get(f"/pairings/{made['id']}").text


def test_result_contacts_only_after_approval(access_client: TestClient, world: World) -> None:
    phone = world.result.contact_phone
    world.sign_in(access_client, "enterprise")  # interested, not approved
    assert phone not in access_client.get(f"/results/{world.result.id}").text
    assert access_client.get(f"/api/results/{world.result.id}").json()["contact_phone"] is None
    assert phone not in access_client.get(f"/pairings/{world.pairing.id}").text
    world.sign_in(access_client, "operator")
    assert (
        access_client.post(
            f"/api/ops/pairings/{world.pairing.id}/decision",
            json={"to": "approved", "version": world.pairing.version},
        ).status_code
        == 200
    )
    world.sign_in(access_client, "enterprise")
    assert access_client.get(f"/api/results/{world.result.id}").json()["contact_phone"] == phone
    world.sign_in(access_client, "enterprise2")
    assert access_client.get(f"/api/results/{world.result.id}").json()["contact_phone"] is None
