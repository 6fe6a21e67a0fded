"""Load the demo data set into an empty database: `python -m backend.demo.load [--if-empty]`.

Everything goes through the services, so demo records are validated and audited like
real ones. It refuses to write into a database that already holds postings or users.
"""

import argparse
import json
import sys
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, func, select

from backend.accounts.models import Organisation, User
from backend.accounts.security import hash_password
from backend.config import get_settings
from backend.db import get_engine, utcnow
from backend.demo.challenges import create_demo_challenges
from backend.demo.pairings import create_demo_pairings
from backend.matching.lifecycle import build_engine, sync_engine, use_engine
from backend.postings import needs as needs
from backend.postings import results as results
from backend.postings.need_model import Need, NeedCreate
from backend.postings.result_model import Result, ResultCreate
from backend.vocab import OrgKind, Role

DATA_DIR = Path(__file__).resolve().parent / "data"
DEMO_PASSWORD = "Demo@2026"
PLATFORM_ORG = {
    "key": "platform",
    "name": "科创撮合平台运营中心",
    "kind": "platform",
    "region": "湖北省",
    "credit_code": None,
}
# The three logins printed by `make run`; each is attached to a demo organisation with postings.
DEMO_LOGINS = (
    {"email": "qiye@demo.kematch.cn", "name": "周企业", "role": "enterprise"},
    {"email": "keyan@demo.kematch.cn", "name": "吴研究员", "role": "researcher"},
    {"email": "yunying@demo.kematch.cn", "name": "郑运营", "role": "operator"},
)


@dataclass
class Loaded:
    """What the loader created, by demo key, for the steps that follow."""

    counts: dict[str, int]
    users: dict[str, User]
    needs: dict[str, Need] = field(default_factory=dict)
    results: dict[str, Result] = field(default_factory=dict)
    solves: list[tuple[str, str]] = field(default_factory=list)


def read_parts() -> dict[str, list[dict[str, Any]]]:
    """All demo parts merged: organisations, users, needs, results."""
    merged: dict[str, list[dict[str, Any]]] = {
        "organisations": [PLATFORM_ORG],
        "users": [],
        "needs": [],
        "results": [],
    }
    for path in sorted(DATA_DIR.glob("part_*.json")):
        part = json.loads(path.read_text(encoding="utf-8"))
        for key in ("organisations", "users", "needs", "results"):
            merged[key].extend(part.get(key, []))
    return merged


def _id(row: Any) -> int:
    assert row.id is not None
    return int(row.id)


def is_empty(session: Session) -> bool:
    """Whether the database holds no users (so demo data may be loaded)."""
    return session.exec(select(func.count()).select_from(User)).one() == 0


def _demo_owner_orgs(data: dict[str, list[dict[str, Any]]]) -> dict[str, str]:
    """The organisation each demo login joins: the first with postings of its kind."""
    need_org = data["needs"][0]["org"]
    result_org = data["results"][0]["org"]
    return {"enterprise": need_org, "researcher": result_org, "operator": "platform"}


def _approve_unless_held(session: Session, item: Any, service: Any, operator: User, hold: bool) -> None:
    """Demo postings pass review, except a few left waiting so the operator's queue is real."""
    if hold:
        return
    if isinstance(item, Need):
        service.approve(session=session, need=item, operator=operator)
    else:
        service.approve(session=session, result=item, operator=operator)


def load(session: Session) -> Loaded:
    """Insert the demo data set: organisations, accounts, reviewed postings."""
    data = read_parts()
    orgs: dict[str, Organisation] = {}
    for o in data["organisations"]:
        org = Organisation(
            name=o["name"], kind=OrgKind(o["kind"]), region=o["region"], credit_code=o.get("credit_code")
        )
        session.add(org)
        orgs[o["key"]] = org
    session.flush()
    password = hash_password(DEMO_PASSWORD)
    verified = utcnow()  # demo accounts count as verified: they post and submit at once
    users: dict[str, User] = {}
    for u in data["users"]:
        users[u["key"]] = User(
            email=u["email"].lower(),
            name=u["name"],
            phone=u.get("phone", ""),
            role=Role(u["role"]),
            organisation_id=_id(orgs[u["org"]]),
            password_hash=password,
            email_verified_at=verified,
        )
    homes = _demo_owner_orgs(data)
    for login in DEMO_LOGINS:
        users[login["role"]] = User(
            email=login["email"],
            name=login["name"],
            phone="027-87000000",
            role=Role(login["role"]),
            organisation_id=_id(orgs[homes[login["role"]]]),
            password_hash=password,
            email_verified_at=verified,
        )
    session.add_all(users.values())
    session.flush()
    operator = users["operator"]
    now = utcnow()
    loaded = Loaded(counts={k: len(v) for k, v in data.items()}, users=users)
    for i, n in enumerate(data["needs"]):
        fields = {k: v for k, v in n.items() if k not in ("key", "org", "owner", "valid_days")}
        fields["valid_until"] = (now + timedelta(days=n["valid_days"])).date()
        need = needs.create(
            session=session, data=NeedCreate.model_validate(fields), user=users[n["owner"]], publish=True
        )
        _approve_unless_held(session, need, needs, operator, hold=i % 12 == 11)
        if need.published_at is not None:
            need.published_at = now - timedelta(days=(len(data["needs"]) - i) % 45, hours=i)
        need.created_at = (need.published_at or now) - timedelta(hours=6)
        loaded.needs[n["key"]] = need
    for i, r in enumerate(data["results"]):
        fields = {k: v for k, v in r.items() if k not in ("key", "org", "owner", "solves")}
        result = results.create(
            session=session, data=ResultCreate.model_validate(fields), user=users[r["owner"]], publish=True
        )
        _approve_unless_held(session, result, results, operator, hold=i % 20 == 19)
        if result.published_at is not None:
            result.published_at = now - timedelta(days=(len(data["results"]) - i) % 60, hours=i)
        result.created_at = (result.published_at or now) - timedelta(hours=6)
        loaded.results[r["key"]] = result
        loaded.solves.extend((need_key, r["key"]) for need_key in r.get("solves", []))
    session.flush()
    return loaded


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--if-empty", action="store_true", help="do nothing (exit 0) when data exists")
    args = parser.parse_args()
    with Session(get_engine()) as session:
        if not is_empty(session):
            print("数据库已有数据，未加载演示数据。" if args.if_empty else "数据库非空，拒绝加载演示数据。")
            return 0 if args.if_empty else 1
        loaded = load(session)
        session.commit()
        solves = [(_id(loaded.needs[n]), _id(loaded.results[r])) for n, r in loaded.solves]
        operator_id = loaded.users["operator"].id
        enterprise_id = loaded.users["enterprise"].id
    counts = loaded.counts
    print(
        f"已加载演示数据：{counts['needs']} 条需求，{counts['results']} 条成果，"
        f"{counts['organisations']} 个单位，{counts['users'] + len(DEMO_LOGINS)} 个账号。"
    )
    if get_settings().matching_enabled:
        # Pairings carry the engine's score and explanation, so the index is built first.
        engine = build_engine()
        sync_engine(engine)
        use_engine(engine)
        with Session(get_engine()) as session:
            operator = session.get(User, operator_id)
            assert operator is not None
            made = create_demo_pairings(session, solves=solves, operator=operator)
            session.commit()
        print(f"已生成 {made} 条演示对接记录（含意向、审核、洽谈、签约等各阶段）。")
    with Session(get_engine()) as session:
        operator, enterprise = session.get(User, operator_id), session.get(User, enterprise_id)
        assert operator is not None
        made = create_demo_challenges(session, solves=solves, operator=operator, enterprise=enterprise)
        session.commit()
    print(f"已生成 {made} 个演示榜单（揭榜挂帅：草稿、揭榜中、评审中、已挂帅、已关闭）。")
    return 0


if __name__ == "__main__":
    sys.exit(main())
