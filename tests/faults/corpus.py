"""A tiny corpus with one obvious answer: a need, the result that solves it, and unrelated results."""

from dataclasses import dataclass

from fastapi.testclient import TestClient
from sqlmodel import Session

from backend.vocab import Role
from tests.factories import make_need, make_result, make_user

NEED = {
    "title": "单抗纯化填料想找国产替代",
    "problem": "我们做单抗药，下游纯化第一步的亲和填料一直用进口的，太贵还老断货，想找国内能做的团队。",
    "indicators": "载量不低于进口产品，能耐碱清洗",
    "keywords": ["纯化", "填料"],
    "field": "biomedicine",
}
SOLVER = {
    "title": "碱稳定型重组蛋白A配基及高载量亲和层析介质",
    "summary": "通过定点突变获得耐碱的重组Protein A配基，偶联于高交联琼脂糖微球，动态载量达 60 mg/mL，"
    "0.5 M NaOH 在位清洗 200 次后载量保持 90% 以上，可用于单克隆抗体的亲和捕获和纯化填料国产替代。",
    "keywords": ["Protein A", "亲和层析", "纯化", "填料"],
    "field": "biomedicine",
}
OTHERS = [
    {
        "title": "高比能钠离子电池正极材料",
        "summary": "层状氧化物正极材料，比容量 160 mAh/g，循环 2000 次容量保持率 85%，适用于储能电站和低速电动车。",
        "field": "new_energy",
        "keywords": ["钠离子电池"],
    },
    {
        "title": "小麦抗赤霉病分子标记辅助育种技术",
        "summary": "开发与抗赤霉病主效基因紧密连锁的 KASP 分子标记，实现苗期快速筛选，育种周期缩短 2 年。",
        "field": "modern_agriculture",
        "keywords": ["分子标记"],
    },
]


@dataclass
class Seeded:
    enterprise_id: int
    researcher_id: int
    operator_id: int
    need_id: int
    solver_id: int
    other_ids: list[int]


def seed(session: Session) -> Seeded:
    """Users of each role, the need, its solver and two unrelated results, all published and committed."""
    enterprise = make_user(session, Role.enterprise)
    researcher = make_user(session, Role.researcher)
    operator = make_user(session, Role.operator)
    need = make_need(session, enterprise, **NEED)
    solver = make_result(session, researcher, **SOLVER)
    others = [make_result(session, researcher, **o) for o in OTHERS]
    session.commit()
    ids = [x.id for x in (enterprise, researcher, operator, need, solver, *others)]
    assert all(i is not None for i in ids)
    return Seeded(*ids[:5], other_ids=ids[5:])  # type: ignore[arg-type]


def ranked_result_ids(client: TestClient, need_id: int) -> list[int]:
    """The results the app ranks for a need, best first."""
    response = client.get(f"/api/needs/{need_id}/matches?k=10")
    assert response.status_code == 200, response.text
    return [m["result"]["id"] for m in response.json()]
