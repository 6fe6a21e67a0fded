"""保密 challenges follow the 保密 rules: only operators, the need's enterprise and invited researchers
see them (their text carries the secret need's MARKER); everyone else gets a 404, a list without
them and notifications without their title. The crawl in test_confidentiality.py fetches every
challenge route of the access table as each outsider too."""

from fastapi.testclient import TestClient

from tests.security.world import MARKER, World

OUTSIDERS = ("anonymous", "enterprise2", "researcher", "researcher2")


def _urls(world: World) -> list[str]:
    ids = world.ids()
    return [
        "/challenges",
        f"/challenges/{ids['challenge_sec']}",
        "/notifications",
        "/api/notifications",
        "/workspace",
        f"/ops/challenges/{ids['challenge_sec']}/invite",
        "/ops/unmet",
    ]


def test_secret_challenge_is_seen_by_insiders_and_invited_researchers_only(
    access_client: TestClient, world: World
) -> None:
    secret = world.ids()["challenge_sec"]
    for role in ("enterprise", "operator"):
        world.sign_in(access_client, role)
        assert MARKER in access_client.get(f"/challenges/{secret}").text
        assert MARKER in access_client.get("/challenges").text
    for role in OUTSIDERS:
        world.sign_in(access_client, role)
        for url in _urls(world):
            assert MARKER not in access_client.get(url).text, (role, url)
        assert access_client.get(f"/challenges/{secret}").status_code == 404

    world.sign_in(access_client, "operator")
    invited = access_client.post(
        f"/ops/challenges/{secret}/invite",
        data={"result_id": world.result.id, "csrf_token": world.csrf["operator"]},
    )
    assert invited.status_code == 303
    world.sign_in(access_client, "researcher")  # invited: the page, the list and the notification
    assert MARKER in access_client.get(f"/challenges/{secret}").text
    assert MARKER in access_client.get("/challenges").text
    assert MARKER in access_client.get("/notifications").text
    assert access_client.get(f"/needs/{world.need_sec.id}").status_code == 404  # the need stays hidden
    for role in ("anonymous", "enterprise2", "researcher2"):  # still nobody else
        world.sign_in(access_client, role)
        for url in _urls(world):
            assert MARKER not in access_client.get(url).text, (role, url)
