"""Documents, profiles, labels and result types shared by the matching engine."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

Side = Literal["need", "result"]
SIDES: tuple[Side, Side] = ("need", "result")
FloatArray = npt.NDArray[np.float32]

FIELD_LABELS: dict[str, str] = {
    "electronic_info": "电子信息",
    "biomedicine": "生物与新医药",
    "aerospace": "航空航天",
    "new_materials": "新材料",
    "high_tech_services": "高技术服务",
    "new_energy": "新能源与节能",
    "resources_environment": "资源与环境",
    "advanced_manufacturing": "先进制造与自动化",
    "modern_agriculture": "现代农业",
}
MODE_LABELS: dict[str, str] = {
    "transfer": "转让",
    "license_exclusive": "独占许可",
    "license_sole": "排他许可",
    "license_general": "普通许可",
    "equity": "作价投资",
    "joint_development": "合作开发 / 合作实施",
    "commissioned": "委托开发 / 技术服务",
    "other": "其他",
}
TRL_LABELS: dict[int, str] = {
    1: "基本原理",
    2: "技术概念",
    3: "实验室验证",
    4: "原理样机",
    5: "相关环境验证",
    6: "中试 / 系统样机",
    7: "实际环境演示",
    8: "定型 / 小批量",
    9: "规模化应用",
}


class EncoderLike(Protocol):
    """What the engine needs from a text encoder (embeddings.encoder.Encoder fits)."""

    model_id: str
    dim: int

    def encode(self, texts: Sequence[str], *, batch_size: int = 32) -> FloatArray:
        """Return (n, dim) float32 L2-normalised vectors."""
        ...


@dataclass(frozen=True)
class Profile:
    """Structured attributes used for fit scoring and filters."""

    field: str | None = None
    trl: int | None = None  # need: wanted minimum TRL; result: its TRL
    modes: frozenset[str] = frozenset()
    region: str | None = None
    budget_min: float | None = None  # need only, 万元
    budget_max: float | None = None
    price: float | None = None  # result only, 万元; None = 面议
    negotiable: bool = False  # budget / price 面议

    def __post_init__(self) -> None:
        """Validate codes early so bad rows fail at the boundary."""
        if self.field is not None and self.field not in FIELD_LABELS:
            raise ValueError(f"unknown field code {self.field!r}")
        if self.trl is not None and not 1 <= self.trl <= 9:
            raise ValueError(f"TRL must be 1-9, got {self.trl}")
        unknown = set(self.modes) - set(MODE_LABELS)
        if unknown:
            raise ValueError(f"unknown transfer modes {sorted(unknown)}")


@dataclass(frozen=True)
class Document:
    """A need or a result: weighted text sections plus a structured profile."""

    id: int
    side: Side
    title: str = ""
    body: str = ""  # need: 拟解决的技术难题; result: 成果简介
    details: str = ""  # need: 技术指标; result: 技术优势
    keywords: tuple[str, ...] = ()
    profile: Profile = field(default_factory=Profile)

    @classmethod
    def need(
        cls,
        *,
        id: int,
        title: str,
        problem: str = "",
        indicators: str = "",
        keywords: Sequence[str] = (),
        profile: Profile | None = None,
    ) -> Document:
        """Build a technical need (技术需求)."""
        return cls(id, "need", title, problem, indicators, tuple(keywords), profile or Profile())

    @classmethod
    def result(
        cls,
        *,
        id: int,
        title: str,
        summary: str = "",
        advantages: str = "",
        keywords: Sequence[str] = (),
        profile: Profile | None = None,
    ) -> Document:
        """Build a research result (科技成果)."""
        return cls(id, "result", title, summary, advantages, tuple(keywords), profile or Profile())

    def sections(self) -> list[tuple[str, str]]:
        """Non-empty (section name, text) pairs in display order."""
        names = ("problem", "indicators") if self.side == "need" else ("summary", "advantages")
        parts = [("title", self.title), (names[0], self.body), (names[1], self.details)]
        parts.append(("keywords", "、".join(self.keywords)))
        return [(n, t.strip()) for n, t in parts if t.strip()]

    @property
    def text(self) -> str:
        """The text that is encoded: all sections joined."""
        return "\n".join(t for _, t in self.sections())

    @property
    def content_hash(self) -> str:
        """SHA-256 over exactly what gets encoded and indexed."""
        return hashlib.sha256(f"{self.side}\x00{self.text}".encode()).hexdigest()[:32]


def other_side(side: Side) -> Side:
    """The side a document of `side` is matched against."""
    return "result" if side == "need" else "need"
