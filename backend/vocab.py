"""Controlled vocabularies of the domain, each an enum carrying its Chinese label."""

from enum import StrEnum

# The engine owns the labels of what it reasons about (fields, modes, maturity): one source.
from embeddings.types import FIELD_LABELS, MODE_LABELS
from embeddings.types import TRL_LABELS as TRL_LABELS


class LabelledEnum(StrEnum):
    """A string enum whose members carry a Chinese label."""

    @property
    def label(self) -> str:
        return _LABELS[type(self).__name__][self.value]

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.label) for m in cls]


class TechField(LabelledEnum):
    electronic_info = "electronic_info"
    biomedicine = "biomedicine"
    aerospace = "aerospace"
    new_materials = "new_materials"
    high_tech_services = "high_tech_services"
    new_energy = "new_energy"
    resources_environment = "resources_environment"
    advanced_manufacturing = "advanced_manufacturing"
    modern_agriculture = "modern_agriculture"


class TransferMode(LabelledEnum):
    transfer = "transfer"
    license_exclusive = "license_exclusive"
    license_sole = "license_sole"
    license_general = "license_general"
    equity = "equity"
    joint_development = "joint_development"
    commissioned = "commissioned"
    other = "other"


class Confidentiality(LabelledEnum):
    public = "public"
    desensitized = "desensitized"
    secret = "secret"


class ResultForm(LabelledEnum):
    invention_patent = "invention_patent"
    utility_patent = "utility_patent"
    software_copyright = "software_copyright"
    new_variety = "new_variety"
    new_drug = "new_drug"
    trade_secret = "trade_secret"
    other = "other"


class IpStatus(LabelledEnum):
    granted = "granted"
    pending = "pending"
    none = "none"


class PostingStatus(LabelledEnum):
    draft = "draft"
    pending = "pending"
    published = "published"
    returned = "returned"
    closed = "closed"


class OrgKind(LabelledEnum):
    enterprise = "enterprise"
    university = "university"
    institute = "institute"
    platform = "platform"


class Role(LabelledEnum):
    enterprise = "enterprise"
    researcher = "researcher"
    operator = "operator"


class PairingStatus(LabelledEnum):
    suggested = "suggested"
    interested = "interested"
    pending_review = "pending_review"
    approved = "approved"
    negotiating = "negotiating"
    signed = "signed"
    rejected = "rejected"
    closed = "closed"


class Proposer(LabelledEnum):
    engine = "engine"
    enterprise = "enterprise"
    researcher = "researcher"
    operator = "operator"


_LABELS: dict[str, dict[str, str]] = {
    "TechField": FIELD_LABELS,
    "TransferMode": MODE_LABELS,
    "Confidentiality": {"public": "公开", "desensitized": "脱敏", "secret": "保密"},
    "ResultForm": {
        "invention_patent": "发明专利",
        "utility_patent": "实用新型专利",
        "software_copyright": "软件著作权",
        "new_variety": "新品种",
        "new_drug": "新药证书",
        "trade_secret": "技术秘密",
        "other": "其他",
    },
    "IpStatus": {"granted": "已授权", "pending": "申请中", "none": "无"},
    "PostingStatus": {
        "draft": "草稿",
        "pending": "待审核",
        "published": "已发布",
        "returned": "已退回",
        "closed": "已关闭",
    },
    "OrgKind": {"enterprise": "企业", "university": "高校", "institute": "科研院所", "platform": "平台"},
    "Role": {"enterprise": "企业用户", "researcher": "科研人员", "operator": "平台运营"},
    "PairingStatus": {
        "suggested": "推荐",
        "interested": "意向",
        "pending_review": "待审核",
        "approved": "已批准",
        "negotiating": "洽谈中",
        "signed": "已签约",
        "rejected": "已拒绝",
        "closed": "已关闭",
    },
    "Proposer": {
        "engine": "匹配引擎",
        "enterprise": "企业",
        "researcher": "科研人员",
        "operator": "平台运营",
    },
}

REGIONS: tuple[str, ...] = (
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
)


def modes_label(modes: list[str]) -> str:
    """Chinese labels of transfer modes, joined for display."""
    return "、".join(TransferMode(m).label for m in modes)
