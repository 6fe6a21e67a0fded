"""The pair the follow and workspace tests post: a need an enterprise writes loosely (单抗纯化的填料)
and the result that solves it in a researcher's jargon (Protein A 配基, 琼脂糖微球). They share little
more than 亲和层析, so it is the real model, not word overlap, that has to find the match."""

from typing import Any

from sqlmodel import Session

from backend.accounts.models import User
from backend.postings.need_model import Need
from backend.postings.result_model import Result
from tests.factories import make_need, make_result

NEED = {
    "title": "单抗纯化用的亲和层析填料想找国产替代",
    "problem": "我们做单抗药，下游纯化第一步的亲和层析填料一直用进口的，太贵还老断货，想找国内能做的团队。",
    "keywords": ["纯化", "亲和层析"],
    "field": "biomedicine",
}
SOLVER = {
    "title": "碱稳定型重组蛋白A配基及高载量亲和层析介质",
    "summary": "通过定点突变获得耐碱的重组Protein A配基，偶联于高交联琼脂糖微球，动态载量达 60 mg/mL，"
    "可用于单克隆抗体的亲和层析捕获。",
    "keywords": ["Protein A", "亲和层析"],
    "field": "biomedicine",
}


def make_affinity_need(session: Session, owner: User, **overrides: Any) -> Need:
    """The enterprise's need for an affinity chromatography resin, published."""
    return make_need(session, owner, **(NEED | overrides))


def make_solver(session: Session, owner: User, **overrides: Any) -> Result:
    """The researcher's result that answers it, published."""
    return make_result(session, owner, **(SOLVER | overrides))
