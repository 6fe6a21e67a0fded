"""Checks on demo data part B (新能源与节能, 资源与环境, 先进制造与自动化, 现代农业).

Stdlib only: the file is read as plain JSON and checked against the rules the demo
loader and the matching demo rely on (counts, references, vocabularies, lengths,
every need solvable by at least one result, budget ordering, confidentiality mix).
"""

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

Data = dict[str, list[dict[str, Any]]]
DATA = Path(__file__).resolve().parents[2] / "backend" / "demo" / "data" / "part_b.json"

FIELDS = {"new_energy", "resources_environment", "advanced_manufacturing", "modern_agriculture"}
ORG_KINDS = {"enterprise", "university", "institute"}
ROLES = {"enterprise", "researcher"}
MODES = {
    "transfer",
    "license_exclusive",
    "license_sole",
    "license_general",
    "equity",
    "joint_development",
    "commissioned",
    "other",
}
FORMS = {
    "invention_patent",
    "utility_patent",
    "software_copyright",
    "new_variety",
    "new_drug",
    "trade_secret",
    "other",
}
IP_STATUSES = {"granted", "pending", "none"}
CONFIDENTIALITY = {"public", "desensitized", "secret"}
REGIONS = {
    "北京市",
    "天津市",
    "河北省",
    "山西省",
    "内蒙古自治区",
    "辽宁省",
    "吉林省",
    "黑龙江省",
    "上海市",
    "江苏省",
    "浙江省",
    "安徽省",
    "福建省",
    "江西省",
    "山东省",
    "河南省",
    "湖北省",
    "湖南省",
    "广东省",
    "广西壮族自治区",
    "海南省",
    "重庆市",
    "四川省",
    "贵州省",
    "云南省",
    "西藏自治区",
    "陕西省",
    "甘肃省",
    "青海省",
    "宁夏回族自治区",
    "新疆维吾尔自治区",
    "台湾省",
    "香港特别行政区",
    "澳门特别行政区",
}
ORG_KEYS = {"key", "name", "kind", "region", "credit_code"}
USER_KEYS = {"key", "email", "name", "phone", "role", "org"}
NEED_KEYS = {
    "key",
    "org",
    "owner",
    "title",
    "problem",
    "indicators",
    "basis",
    "field",
    "keywords",
    "region",
    "budget_min",
    "budget_max",
    "budget_negotiable",
    "trl_wanted",
    "modes",
    "valid_days",
    "confidentiality",
    "contact_name",
    "contact_phone",
    "contact_email",
}
RESULT_KEYS = {
    "key",
    "org",
    "owner",
    "title",
    "summary",
    "advantages",
    "field",
    "keywords",
    "team",
    "form",
    "ip_status",
    "patent_numbers",
    "trl",
    "modes",
    "price",
    "price_negotiable",
    "region",
    "contact_name",
    "contact_phone",
    "contact_email",
    "solves",
}

EMAIL = re.compile(r"^[a-z][a-z0-9._-]*@[a-z0-9-]+(\.[a-z0-9-]+)*\.(cn|com)$")
PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-\d{7,8})$")
CREDIT_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
PATENT = re.compile(r"^(ZL\d{12}\.[0-9X]|CN\d{9}[AB]|\d{4}SR\d{7}|CNA\d{11}\.\d)$")
PLACEHOLDERS = (
    "lorem",
    "ipsum",
    "xxxx",
    "XXXX",
    "TODO",
    "待填",
    "测试数据",
    "测试需求",
    "测试成果",
    "测试单位",
    "测试用户",
    "示例数据",
    "某某",
)


@pytest.fixture(scope="module")
def data() -> Data:
    loaded: Data = json.loads(DATA.read_text(encoding="utf-8"))
    return loaded


def _by_key(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {i["key"]: i for i in items}


def test_file_is_pretty_utf8_without_escapes() -> None:
    text = DATA.read_text(encoding="utf-8")
    assert "\\u" not in text, "use ensure_ascii=False"
    assert text.startswith("{\n"), "pretty-printed"


def test_top_level_shape(data: Data) -> None:
    assert set(data) == {"organisations", "users", "needs", "results"}
    for org in data["organisations"]:
        assert set(org) == ORG_KEYS, org["key"]
    for user in data["users"]:
        assert set(user) == USER_KEYS, user["key"]
    for need in data["needs"]:
        assert set(need) == NEED_KEYS, need["key"]
    for result in data["results"]:
        assert set(result) == RESULT_KEYS, result["key"]


def test_counts_and_balance(data: Data) -> None:
    assert len(data["needs"]) >= 22
    assert len(data["results"]) >= 62
    needs_per_field = Counter(n["field"] for n in data["needs"])
    results_per_field = Counter(r["field"] for r in data["results"])
    assert set(needs_per_field) == FIELDS
    assert set(results_per_field) == FIELDS
    assert min(needs_per_field.values()) >= 5, needs_per_field
    assert max(needs_per_field.values()) - min(needs_per_field.values()) <= 2, needs_per_field
    assert min(results_per_field.values()) >= 14, results_per_field
    assert max(results_per_field.values()) - min(results_per_field.values()) <= 4, results_per_field


def test_keys_unique_and_prefixed(data: Data) -> None:
    keys = [x["key"] for part in data.values() for x in part]
    assert len(keys) == len(set(keys))
    assert all(k.startswith("b-") for k in keys)


def test_organisations(data: Data) -> None:
    names = [o["name"] for o in data["organisations"]]
    assert len(names) == len(set(names))
    codes = [o["credit_code"] for o in data["organisations"]]
    assert len(codes) == len(set(codes))
    for org in data["organisations"]:
        assert org["kind"] in ORG_KINDS, org["key"]
        assert org["region"] in REGIONS, org["key"]
        assert CREDIT_CODE.match(org["credit_code"]), org["credit_code"]
        assert org["credit_code"][:2] == ("91" if org["kind"] == "enterprise" else "12"), org["key"]
        if org["kind"] == "enterprise":
            assert org["name"].endswith(("有限公司", "股份有限公司")), org["name"]


def test_users(data: Data) -> None:
    orgs = _by_key(data["organisations"])
    emails = [u["email"] for u in data["users"]]
    assert len(emails) == len(set(emails))
    for user in data["users"]:
        assert user["role"] in ROLES
        assert user["org"] in orgs, user["key"]
        kind = orgs[user["org"]]["kind"]
        assert user["role"] == ("enterprise" if kind == "enterprise" else "researcher"), user["key"]
        assert EMAIL.match(user["email"]), user["email"]
        if user["role"] == "researcher":
            assert user["email"].endswith((".edu.cn", ".ac.cn", ".cn", ".com")), user["email"]
        assert PHONE.match(user["phone"]), user["phone"]
        assert 2 <= len(user["name"]) <= 4
    orgs_with_users = {u["org"] for u in data["users"]}
    assert orgs_with_users == set(orgs), set(orgs) - orgs_with_users


def _check_text(value: str, low: int, high: int, what: str) -> None:
    assert isinstance(value, str), what
    assert value == value.strip(), what
    assert low <= len(value) <= high, f"{what}: {len(value)} chars"
    for word in PLACEHOLDERS:
        assert word not in value, f"{what}: placeholder {word!r}"
    if what.endswith("title"):
        assert "测试" not in value and "示例" not in value, what


def test_names_are_not_placeholders(data: Data) -> None:
    for item in data["organisations"] + data["users"]:
        assert "测试" not in item["name"] and "示例" not in item["name"], item["key"]
        assert not any(word in item["name"] for word in PLACEHOLDERS), item["key"]


def _check_keywords(keywords: list[str], what: str) -> None:
    assert 2 <= len(keywords) <= 6, what
    assert len(keywords) == len(set(keywords)), what
    assert all(isinstance(k, str) and 1 <= len(k) <= 20 for k in keywords), what


def _check_modes(modes: list[str], what: str) -> None:
    assert modes, what
    assert len(modes) == len(set(modes)), what
    assert set(modes) <= MODES, what


def test_needs(data: Data) -> None:
    orgs = _by_key(data["organisations"])
    users = _by_key(data["users"])
    for need in data["needs"]:
        what = need["key"]
        assert need["org"] in orgs and orgs[need["org"]]["kind"] == "enterprise", what
        owner = users[need["owner"]]
        assert owner["role"] == "enterprise" and owner["org"] == need["org"], what
        _check_text(need["title"], 2, 60, what + " title")
        _check_text(need["problem"], 60, 600, what + " problem")
        _check_text(need["indicators"], 10, 600, what + " indicators")
        _check_text(need["basis"], 10, 600, what + " basis")
        assert need["field"] in FIELDS, what
        _check_keywords(need["keywords"], what)
        assert need["region"] in REGIONS, what
        assert need["region"] == orgs[need["org"]]["region"], what
        low, high = need["budget_min"], need["budget_max"]
        if low is None or high is None:
            assert low is None and high is None and need["budget_negotiable"] is True, what
        else:
            assert isinstance(low, (int, float)) and isinstance(high, (int, float)), what
            assert 0 < low <= high, what
        assert isinstance(need["budget_negotiable"], bool), what
        assert isinstance(need["trl_wanted"], int) and 1 <= need["trl_wanted"] <= 9, what
        _check_modes(need["modes"], what)
        assert isinstance(need["valid_days"], int) and 30 <= need["valid_days"] <= 365, what
        assert need["confidentiality"] in CONFIDENTIALITY, what
        assert need["contact_name"] == owner["name"], what
        assert PHONE.match(need["contact_phone"]), what
        assert EMAIL.match(need["contact_email"]), what


def test_some_needs_are_negotiable(data: Data) -> None:
    assert any(n["budget_negotiable"] for n in data["needs"])
    assert any(not n["budget_negotiable"] for n in data["needs"])


def test_confidentiality_mix(data: Data) -> None:
    mix = Counter(n["confidentiality"] for n in data["needs"])
    assert mix["desensitized"] == 4, mix
    assert mix["secret"] == 2, mix
    assert mix["public"] == len(data["needs"]) - 6, mix


def test_results(data: Data) -> None:
    orgs = _by_key(data["organisations"])
    users = _by_key(data["users"])
    needs = _by_key(data["needs"])
    for result in data["results"]:
        what = result["key"]
        assert result["org"] in orgs and orgs[result["org"]]["kind"] in ("university", "institute"), what
        owner = users[result["owner"]]
        assert owner["role"] == "researcher" and owner["org"] == result["org"], what
        _check_text(result["title"], 2, 60, what + " title")
        _check_text(result["summary"], 60, 600, what + " summary")
        _check_text(result["advantages"], 20, 600, what + " advantages")
        _check_text(result["team"], 4, 200, what + " team")
        assert result["field"] in FIELDS, what
        _check_keywords(result["keywords"], what)
        assert result["form"] in FORMS, what
        assert result["ip_status"] in IP_STATUSES, what
        patents = result["patent_numbers"]
        if result["ip_status"] == "none":
            assert patents == [], what
        else:
            assert patents and all(PATENT.match(p) for p in patents), (what, patents)
        if result["form"] in ("invention_patent", "utility_patent"):
            assert result["ip_status"] != "none", what
            assert any(p.startswith(("ZL", "CN")) and not p.startswith("CNA") for p in patents), what
        if result["form"] == "new_variety":
            assert all(p.startswith("CNA") for p in patents), what
        if result["form"] == "software_copyright":
            assert all("SR" in p for p in patents), what
        if result["ip_status"] == "granted":
            assert any(p.startswith(("ZL", "CNA")) or "SR" in p for p in patents), what
        if result["ip_status"] == "pending":
            assert all(re.match(r"^CN\d{9}A$", p) for p in patents), what
        assert isinstance(result["trl"], int) and 1 <= result["trl"] <= 9, what
        _check_modes(result["modes"], what)
        if result["price"] is None:
            assert result["price_negotiable"] is True, what
        else:
            assert isinstance(result["price"], (int, float)) and result["price"] > 0, what
            assert result["price_negotiable"] is False, what
        assert result["region"] in REGIONS and result["region"] == orgs[result["org"]]["region"], what
        assert result["contact_name"] == owner["name"], what
        assert PHONE.match(result["contact_phone"]), what
        assert EMAIL.match(result["contact_email"]), what
        assert isinstance(result["solves"], list), what
        assert len(result["solves"]) == len(set(result["solves"])), what
        for key in result["solves"]:
            assert key in needs, (what, key)
            assert needs[key]["field"] == result["field"], (what, key)


def test_form_variety(data: Data) -> None:
    forms = Counter(r["form"] for r in data["results"])
    assert forms["new_variety"] >= 2
    assert forms["invention_patent"] > len(data["results"]) / 2
    statuses = Counter(r["ip_status"] for r in data["results"])
    assert statuses["granted"] and statuses["pending"] and statuses["none"]


def test_every_need_is_solved_by_one_to_three_results(data: Data) -> None:
    solvers = Counter(k for r in data["results"] for k in r["solves"])
    for need in data["needs"]:
        assert 1 <= solvers[need["key"]] <= 3, need["key"]


def test_distractors_exist_in_each_field(data: Data) -> None:
    distractors = Counter(r["field"] for r in data["results"] if not r["solves"])
    for field in FIELDS:
        assert distractors[field] >= 3, (field, distractors)


def test_incompatible_pairs_are_present(data: Data) -> None:
    """Some solving pairs should give the platform reasons against (mode or maturity gap)."""
    needs = _by_key(data["needs"])
    no_common_mode = trl_gap = 0
    for result in data["results"]:
        for key in result["solves"]:
            need = needs[key]
            if not set(need["modes"]) & set(result["modes"]):
                no_common_mode += 1
            if need["trl_wanted"] - result["trl"] >= 2:
                trl_gap += 1
    assert no_common_mode >= 3
    assert trl_gap >= 5


def test_trl_profile(data: Data) -> None:
    orgs = _by_key(data["organisations"])
    uni = [r["trl"] for r in data["results"] if orgs[r["org"]]["kind"] == "university"]
    inst = [r["trl"] for r in data["results"] if orgs[r["org"]]["kind"] == "institute"]
    assert sum(3 <= t <= 5 for t in uni) > len(uni) / 2
    assert sum(6 <= t <= 8 for t in inst) > len(inst) * 0.75
    assert all(n["trl_wanted"] >= 5 for n in data["needs"])


def test_hubei_is_most_common_region(data: Data) -> None:
    regions = Counter(x["region"] for part in ("organisations", "needs", "results") for x in data[part])
    assert regions.most_common(1)[0][0] == "湖北省", regions.most_common(3)
    assert len(regions) >= 10


def test_no_clash_with_other_parts(data: Data) -> None:
    """The loader merges every part_*.json: names, emails, credit codes and keys must not repeat."""
    others = [p for p in DATA.parent.glob("part_*.json") if p.name != DATA.name]
    mine_orgs = {o["name"] for o in data["organisations"]}
    mine_codes = {o["credit_code"] for o in data["organisations"]}
    mine_emails = {u["email"].lower() for u in data["users"]}
    mine_keys = {x["key"] for part in data.values() for x in part}
    for path in others:
        other = json.loads(path.read_text(encoding="utf-8"))
        orgs = other.get("organisations", [])
        assert not mine_orgs & {o["name"] for o in orgs}, path.name
        assert not mine_codes & {o.get("credit_code") for o in orgs}, path.name
        assert not mine_emails & {u["email"].lower() for u in other.get("users", [])}, path.name
        assert not mine_keys & {
            x["key"] for key in ("organisations", "users", "needs", "results") for x in other.get(key, [])
        }, path.name
