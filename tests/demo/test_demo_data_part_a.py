"""Checks for demo data part A (backend/demo/data/part_a.json).

Part A covers five technical fields: 电子信息, 生物与新医药, 航空航天, 新材料, 高技术服务.
Only the standard library is used so the check runs without the application installed.
"""

import json
import re
import statistics
from collections import Counter
from pathlib import Path

import pytest

DATA_PATH = Path(__file__).resolve().parents[2] / "backend" / "demo" / "data" / "part_a.json"

FIELDS = {
    "electronic_info": "电子信息",
    "biomedicine": "生物与新医药",
    "aerospace": "航空航天",
    "new_materials": "新材料",
    "high_tech_services": "高技术服务",
}
ORG_KINDS = {"enterprise", "university", "institute"}
USER_ROLES = {"enterprise", "researcher"}
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
    "上海市",
    "重庆市",
    "河北省",
    "山西省",
    "辽宁省",
    "吉林省",
    "黑龙江省",
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
    "海南省",
    "四川省",
    "贵州省",
    "云南省",
    "陕西省",
    "甘肃省",
    "青海省",
    "台湾省",
    "内蒙古自治区",
    "广西壮族自治区",
    "西藏自治区",
    "宁夏回族自治区",
    "新疆维吾尔自治区",
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

EMAIL_RE = re.compile(r"^[a-z][a-z0-9._-]*@[a-z0-9-]+(\.[a-z0-9-]+)*\.cn$")
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE_RE = re.compile(r"^0\d{2,3}-\d{7,8}$")
GRANTED_PATENT_RE = re.compile(r"^ZL(19|20)\d{2}[1-3]\d{7}\.[0-9X]$")
PUBLISHED_APP_RE = re.compile(r"^CN1\d{8}A$")
SOFTWARE_REG_RE = re.compile(r"^20\d{2}SR\d{7}$")
CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
PLACEHOLDERS = ("lorem", "ipsum", "todo", "xxx", "placeholder", "测试", "示例", "样例")


@pytest.fixture(scope="module")
def raw():
    return DATA_PATH.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def data(raw):
    return json.loads(raw)


@pytest.fixture(scope="module")
def orgs(data):
    return {o["key"]: o for o in data["organisations"]}


@pytest.fixture(scope="module")
def users(data):
    return {u["key"]: u for u in data["users"]}


@pytest.fixture(scope="module")
def needs(data):
    return {n["key"]: n for n in data["needs"]}


@pytest.fixture(scope="module")
def results(data):
    return {r["key"]: r for r in data["results"]}


def _patent_check_digit(app12):
    weights = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5]
    s = sum(int(d) * w for d, w in zip(app12, weights, strict=True)) % 11
    return "X" if s == 10 else str(s)


def _credit_code_ok(code):
    if len(code) != 18 or any(c not in CREDIT_CODE_CHARS for c in code):
        return False
    s = sum(CREDIT_CODE_CHARS.index(c) * w for c, w in zip(code[:17], CREDIT_CODE_WEIGHTS, strict=True))
    check = 31 - s % 31
    return code[17] == CREDIT_CODE_CHARS[0 if check == 31 else check]


def _check_keywords(kw, where):
    assert isinstance(kw, list), where
    assert 2 <= len(kw) <= 6, f"{where}: {len(kw)} keywords"
    assert len(set(kw)) == len(kw), f"{where}: duplicate keywords"
    for k in kw:
        assert isinstance(k, str) and k.strip() and len(k) <= 20, f"{where}: bad keyword {k!r}"


def _check_modes(modes, where):
    assert isinstance(modes, list) and modes, f"{where}: modes empty"
    assert len(set(modes)) == len(modes), f"{where}: duplicate modes"
    assert set(modes) <= MODES, f"{where}: unknown modes {set(modes) - MODES}"


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


# ---------------------------------------------------------------- file shape


def test_file_is_pretty_printed_utf8_without_ascii_escapes(raw):
    assert "\\u" not in raw, "write with ensure_ascii=False"
    assert raw.startswith('{\n  "'), "expected indented JSON"
    assert "生物" in raw


def test_top_level_sections(data):
    assert set(data) == {"organisations", "users", "needs", "results"}
    for section in data.values():
        assert isinstance(section, list) and section


def test_keys_are_prefixed_and_unique(data):
    all_keys = [item["key"] for section in data.values() for item in section]
    assert all(k.startswith("a-") for k in all_keys), [k for k in all_keys if not k.startswith("a-")]
    dupes = [k for k, c in Counter(all_keys).items() if c > 1]
    assert not dupes, dupes


def test_record_key_sets(data):
    for o in data["organisations"]:
        assert set(o) == ORG_KEYS, o["key"]
    for u in data["users"]:
        assert set(u) == USER_KEYS, u["key"]
    for n in data["needs"]:
        assert set(n) == NEED_KEYS, (n["key"], set(n) ^ NEED_KEYS)
    for r in data["results"]:
        assert set(r) == RESULT_KEYS, (r["key"], set(r) ^ RESULT_KEYS)


# ---------------------------------------------------------------- organisations and users


def test_organisations(orgs):
    names = [o["name"] for o in orgs.values()]
    assert len(set(names)) == len(names), "duplicate organisation names"
    for o in orgs.values():
        assert o["kind"] in ORG_KINDS, o["key"]
        assert o["region"] in REGIONS, o["key"]
        assert o["name"].strip() and "某" not in o["name"], o["name"]
        assert _credit_code_ok(o["credit_code"]), (o["key"], o["credit_code"])
        if o["kind"] == "enterprise":
            assert o["name"].endswith(("有限公司", "股份有限公司")), o["name"]
            assert o["credit_code"].startswith("91"), o["key"]
    kinds = Counter(o["kind"] for o in orgs.values())
    assert kinds["enterprise"] >= 10 and kinds["university"] >= 5 and kinds["institute"] >= 3


def test_hubei_is_most_common_region(orgs, needs, results):
    regions = Counter(o["region"] for o in orgs.values())
    assert regions.most_common(1)[0][0] == "湖北省"
    assert len(regions) >= 8, "regions should be spread"
    item_regions = Counter(x["region"] for x in list(needs.values()) + list(results.values()))
    assert item_regions.most_common(1)[0][0] == "湖北省"


def test_users(users, orgs):
    emails = [u["email"] for u in users.values()]
    assert len(set(emails)) == len(emails), "duplicate emails"
    for u in users.values():
        assert u["org"] in orgs, u["key"]
        assert u["role"] in USER_ROLES, u["key"]
        kind = orgs[u["org"]]["kind"]
        expected = "enterprise" if kind == "enterprise" else "researcher"
        assert u["role"] == expected, (u["key"], u["role"], kind)
        assert EMAIL_RE.match(u["email"]), u["email"]
        assert MOBILE_RE.match(u["phone"]) or LANDLINE_RE.match(u["phone"]), u["phone"]
        assert 2 <= len(u["name"]) <= 4, u["name"]
        if kind != "enterprise":
            assert u["email"].endswith((".edu.cn", ".ac.cn", ".cas.cn", ".cn")), u["email"]
    orgs_with_users = {u["org"] for u in users.values()}
    assert orgs_with_users == set(orgs), set(orgs) - orgs_with_users


# ---------------------------------------------------------------- needs


def test_need_counts_per_field(needs):
    assert len(needs) >= 24
    per_field = Counter(n["field"] for n in needs.values())
    assert set(per_field) == set(FIELDS), per_field
    assert min(per_field.values()) >= 4, per_field
    for main in ("biomedicine", "new_materials"):
        for other in ("electronic_info", "aerospace", "high_tech_services"):
            assert per_field[main] >= per_field[other], per_field


def test_need_records(needs, orgs, users):
    titles = [n["title"] for n in needs.values()]
    assert len(set(titles)) == len(titles)
    for n in needs.values():
        k = n["key"]
        assert n["org"] in orgs and orgs[n["org"]]["kind"] == "enterprise", k
        owner = users[n["owner"]]
        assert owner["role"] == "enterprise" and owner["org"] == n["org"], k
        assert 0 < len(n["title"]) <= 60, k
        assert 60 <= len(n["problem"]) <= 600, (k, len(n["problem"]))
        for text_key in ("indicators", "basis"):
            assert isinstance(n[text_key], str) and n[text_key].strip(), (k, text_key)
        assert n["field"] in FIELDS, k
        _check_keywords(n["keywords"], k)
        assert n["region"] in REGIONS, k
        assert n["region"] == orgs[n["org"]]["region"], k
        assert _is_int(n["trl_wanted"]) and 1 <= n["trl_wanted"] <= 9, k
        _check_modes(n["modes"], k)
        assert _is_int(n["valid_days"]) and 30 <= n["valid_days"] <= 365, k
        assert n["confidentiality"] in CONFIDENTIALITY, k
        assert n["contact_name"] == owner["name"], k
        assert n["contact_phone"] == owner["phone"], k
        assert n["contact_email"] == owner["email"], k


def test_need_budgets(needs):
    negotiable = 0
    for n in needs.values():
        k, lo, hi = n["key"], n["budget_min"], n["budget_max"]
        assert isinstance(n["budget_negotiable"], bool), k
        if lo is None or hi is None:
            assert lo is None and hi is None, f"{k}: half-open budget"
            assert n["budget_negotiable"] is True, f"{k}: null budget must be 面议"
            negotiable += 1
        else:
            assert _is_number(lo) and _is_number(hi), k
            assert 0 < lo <= hi, f"{k}: budget_min {lo} > budget_max {hi}"
    assert negotiable >= 1, "some needs should be 面议"
    assert negotiable < len(needs)


def test_confidentiality_mix(needs):
    mix = Counter(n["confidentiality"] for n in needs.values())
    assert 4 <= mix["desensitized"] <= 5, mix
    assert 2 <= mix["secret"] <= 3, mix
    assert mix["public"] == len(needs) - mix["desensitized"] - mix["secret"]
    assert mix["public"] > len(needs) / 2


# ---------------------------------------------------------------- results


def test_result_counts_per_field(results):
    assert len(results) >= 66
    per_field = Counter(r["field"] for r in results.values())
    assert set(per_field) == set(FIELDS), per_field
    assert min(per_field.values()) >= 10, per_field
    for main in ("biomedicine", "new_materials"):
        for other in ("electronic_info", "aerospace", "high_tech_services"):
            assert per_field[main] >= per_field[other], per_field


def test_result_records(results, orgs, users):
    titles = [r["title"] for r in results.values()]
    assert len(set(titles)) == len(titles)
    for r in results.values():
        k = r["key"]
        assert r["org"] in orgs and orgs[r["org"]]["kind"] in {"university", "institute"}, k
        owner = users[r["owner"]]
        assert owner["role"] == "researcher" and owner["org"] == r["org"], k
        assert 0 < len(r["title"]) <= 60, k
        assert 60 <= len(r["summary"]) <= 600, (k, len(r["summary"]))
        assert isinstance(r["advantages"], str) and len(r["advantages"]) >= 20, k
        assert r["field"] in FIELDS, k
        _check_keywords(r["keywords"], k)
        assert "团队" in r["team"] and "（" in r["team"], k
        assert r["region"] in REGIONS and r["region"] == orgs[r["org"]]["region"], k
        assert _is_int(r["trl"]) and 1 <= r["trl"] <= 9, k
        _check_modes(r["modes"], k)
        assert r["contact_name"] == owner["name"], k
        assert r["contact_phone"] == owner["phone"], k
        assert r["contact_email"] == owner["email"], k


def test_result_ip(results):
    seen_patents = Counter()
    for r in results.values():
        k = r["key"]
        assert r["form"] in FORMS, k
        assert r["ip_status"] in IP_STATUSES, k
        nums = r["patent_numbers"]
        assert isinstance(nums, list), k
        if r["ip_status"] == "none":
            assert nums == [], f"{k}: patent numbers with ip_status none"
            continue
        assert nums, f"{k}: ip_status {r['ip_status']} without numbers"
        for p in nums:
            seen_patents[p] += 1
            if p.startswith("ZL"):
                app = p[2:14]
                assert GRANTED_PATENT_RE.match(p), (k, p)
                assert p[-1] == _patent_check_digit(app), (k, p, "check digit")
            else:
                assert PUBLISHED_APP_RE.match(p) or SOFTWARE_REG_RE.match(p), (k, p)
        granted_like = [p for p in nums if p.startswith("ZL") or SOFTWARE_REG_RE.match(p)]
        if r["ip_status"] == "granted":
            assert granted_like, f"{k}: granted without a granted number"
        else:
            assert not granted_like, f"{k}: pending but has a granted number"
        if r["form"] == "software_copyright":
            assert any(SOFTWARE_REG_RE.match(p) for p in nums), k
        if r["form"] in {"invention_patent", "utility_patent"}:
            assert any(p.startswith(("ZL", "CN")) for p in nums), k
    dupes = [p for p, c in seen_patents.items() if c > 1]
    assert not dupes, f"patent numbers reused: {dupes}"


def test_result_prices(results):
    negotiable = 0
    for r in results.values():
        k = r["key"]
        assert isinstance(r["price_negotiable"], bool), k
        if r["price"] is None:
            assert r["price_negotiable"] is True, f"{k}: null price must be 面议"
            negotiable += 1
        else:
            assert _is_number(r["price"]) and r["price"] > 0, k
    assert 1 <= negotiable < len(results)


def test_trl_profile_by_org_kind(results, orgs):
    uni = [r["trl"] for r in results.values() if orgs[r["org"]]["kind"] == "university"]
    inst = [r["trl"] for r in results.values() if orgs[r["org"]]["kind"] == "institute"]
    assert statistics.median(uni) <= 5, sorted(uni)
    assert sum(3 <= t <= 5 for t in uni) > len(uni) / 2, sorted(uni)
    assert statistics.median(inst) >= 6, sorted(inst)


# ---------------------------------------------------------------- need ↔ result links


def test_solves_links(needs, results):
    solvers = Counter()
    for r in results.values():
        assert isinstance(r["solves"], list), r["key"]
        assert len(set(r["solves"])) == len(r["solves"]), r["key"]
        for nk in r["solves"]:
            assert nk in needs, (r["key"], nk)
            assert needs[nk]["field"] == r["field"], (r["key"], nk, "field mismatch")
            solvers[nk] += 1
    for nk in needs:
        assert 1 <= solvers[nk] <= 3, (nk, solvers[nk])


def test_every_field_has_distractors(results):
    distractors = Counter(r["field"] for r in results.values() if not r["solves"])
    for field in FIELDS:
        assert distractors[field] >= 2, (field, distractors)


def test_solving_results_use_different_wording(needs, results):
    """The vocabulary gap is the point: a solving result must not reuse the need's title."""
    for r in results.values():
        for nk in r["solves"]:
            n = needs[nk]
            assert n["title"] != r["title"]
            assert n["title"] not in r["summary"], (r["key"], nk)
            shared_kw = set(n["keywords"]) & set(r["keywords"])
            assert len(shared_kw) <= 1, (r["key"], nk, shared_kw)


def test_some_pairs_are_deliberately_incompatible(needs, results):
    pairs = [(needs[nk], r) for r in results.values() for nk in r["solves"]]
    mode_clash = [(n["key"], r["key"]) for n, r in pairs if not set(n["modes"]) & set(r["modes"])]
    trl_gap = [(n["key"], r["key"]) for n, r in pairs if n["trl_wanted"] - r["trl"] >= 2]
    assert len(mode_clash) >= 2, mode_clash
    assert len(trl_gap) >= 2, trl_gap
    compatible = [
        (n["key"], r["key"])
        for n, r in pairs
        if set(n["modes"]) & set(r["modes"]) and r["trl"] >= n["trl_wanted"] - 1
    ]
    assert len(compatible) >= len(needs) // 2, "most needs should also have a workable match"


def test_no_placeholder_text(data):
    for section in ("needs", "results"):
        for item in data[section]:
            title = item["title"]
            assert "测试" not in title and "test" not in title.lower(), item["key"]
            blob = json.dumps(item, ensure_ascii=False).lower()
            for marker in PLACEHOLDERS:
                assert marker not in blob, (item["key"], marker)
