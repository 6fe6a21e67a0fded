"""Structured-fit rules, their Chinese reasons, and hard filters."""

from __future__ import annotations

from embeddings.fit import Filters, assess, fit_points, mode_fit, passes
from embeddings.types import Profile


def _need(**kw: object) -> Profile:
    base: dict[str, object] = {"field": "new_materials", "trl": 6, "modes": frozenset({"transfer"})}
    base.update(budget_min=50, budget_max=100, region="湖北省", **kw)
    return Profile(**base)  # type: ignore[arg-type]


def test_reasons_for_and_against() -> None:
    res = Profile(
        field="new_materials",
        trl=4,
        modes=frozenset({"license_exclusive", "license_general"}),
        region="浙江省",
        price=120,
    )
    items = {i.aspect: i for i in assess(_need(), res)}
    assert items["field"].reason == "同属新材料领域" and items["field"].verdict == "for"
    assert items["trl"].reason == "成果成熟度 TRL 4（原理样机），低于需求期望的 TRL 6"
    assert items["mode"].reason == "转化方式不匹配：需求仅接受转让，成果仅许可"
    assert items["budget"].reason == "预算 50–100 万元，成果报价 120 万元，超出预算"
    assert items["region"].verdict == "neutral"
    assert all(items[a].verdict == "against" for a in ("trl", "mode", "budget"))
    pts = fit_points(relevance=80.0, items=list(items.values()))
    assert pts["trl"] < 0 and pts["field"] > 0 and sum(pts.values()) >= 80.0 * -0.6 - 1e-6


def test_mode_rules() -> None:
    lic = Profile(modes=frozenset({"license_general"}))
    assert mode_fit(Profile(modes=frozenset({"license_exclusive"})), lic).verdict == "neutral"  # type: ignore[union-attr]
    assert mode_fit(Profile(modes=frozenset({"transfer", "license_general"})), lic).verdict == "for"  # type: ignore[union-attr]
    collab = mode_fit(
        Profile(modes=frozenset({"joint_development"})), Profile(modes=frozenset({"commissioned"}))
    )
    assert collab is not None and collab.weight > 0
    assert mode_fit(Profile(), lic) is None
    assert (
        mode_fit(Profile(modes=frozenset({"equity"})), Profile(modes=frozenset({"other"}))).verdict
        == "neutral"
    )  # type: ignore[union-attr]


def test_trl_met_and_budget_within() -> None:
    res = Profile(field="biomedicine", trl=7, modes=frozenset({"transfer"}), region="湖北省", price=80)
    items = {i.aspect: i for i in assess(_need(), res)}
    assert items["trl"].verdict == "for" and "达到" in items["trl"].reason
    assert items["budget"].reason == "预算 50–100 万元，成果报价 80 万元，在预算内"
    assert items["field"].reason == "领域不同：需求属新材料，成果属生物与新医药"
    assert items["region"].reason.startswith("同在湖北省")


def test_filters() -> None:
    res = Profile(
        field="new_materials", trl=4, modes=frozenset({"license_general"}), region="浙江省", price=120
    )
    items = assess(_need(), res)
    ok = {"candidate": res, "items": items, "candidate_is_result": True}
    assert passes(filters=Filters(), **ok)  # type: ignore[arg-type]
    assert not passes(filters=Filters(fields=frozenset({"biomedicine"})), **ok)  # type: ignore[arg-type]
    assert not passes(filters=Filters(regions=frozenset({"湖北省"})), **ok)  # type: ignore[arg-type]
    assert not passes(filters=Filters(min_trl=6), **ok)  # type: ignore[arg-type]
    assert not passes(filters=Filters(max_price=100), **ok)  # type: ignore[arg-type]
    assert not passes(filters=Filters(modes=frozenset({"transfer"})), **ok)  # type: ignore[arg-type]
    for aspect in ("trl", "mode", "budget"):
        assert not passes(filters=Filters(require=frozenset({aspect})), **ok)  # type: ignore[arg-type]
    assert passes(filters=Filters(require=frozenset({"field"})), **ok)  # type: ignore[arg-type]
