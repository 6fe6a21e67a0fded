"""Shared helpers for the matching-engine tests: model dir, a counting fake encoder, sample docs."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from embeddings.lexical import tokenize
from embeddings.types import Document, FloatArray, Profile

ROOT = Path(__file__).resolve().parents[2]


def model_dir() -> Path:
    """The real model (KEMATCH_MODEL_DIR overrides); converted here when missing."""
    path = Path(os.environ.get("KEMATCH_MODEL_DIR", ROOT / "data/models/multilingual-e5-small"))
    if not (path / "modules.json").is_file():
        cmd = [sys.executable, "-m", "embeddings.convert", "--out", str(path)]
        subprocess.run(cmd, check=True, cwd=ROOT)
    return path


class FakeEncoder:
    """Deterministic hashed char-n-gram vectors; counts how many texts it encoded."""

    model_id = "fake-encoder-v1"
    dim = 64

    def __init__(self) -> None:
        self.calls = 0
        self.texts: list[str] = []

    def encode(self, texts: Sequence[str], *, batch_size: int = 32) -> FloatArray:
        self.calls += 1
        self.texts.extend(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for tok in tokenize(text):
                h = int.from_bytes(hashlib.md5(tok.encode()).digest()[:4], "little")
                out[row, h % self.dim] += 1.0 if len(tok) > 1 else 0.2
            out[row, 0] += 0.01
        return out / np.linalg.norm(out, axis=1, keepdims=True)


RESULTS = [
    Document.result(
        id=1,
        title="石墨烯改性锂离子电池负极材料",
        summary="采用石墨烯包覆硅碳复合负极，循环1000次容量保持率92%，零下20摄氏度仍可正常充放电。",
        advantages="低温放电容量为常温的85%，成本与现有石墨负极相当。",
        keywords=["锂离子电池", "负极材料", "低温性能"],
        profile=Profile(
            field="new_energy",
            trl=6,
            modes=frozenset({"transfer", "license_general"}),
            region="湖北省",
            price=80,
        ),
    ),
    Document.result(
        id=2,
        title="基于深度学习的工业零件表面缺陷视觉检测系统",
        summary="利用卷积神经网络对金属零件图像进行缺陷识别，检测精度99.2%，每分钟检测120件。",
        advantages="替代人工目检，误检率低于0.5%。",
        keywords=["机器视觉", "缺陷检测"],
        profile=Profile(
            field="advanced_manufacturing",
            trl=7,
            modes=frozenset({"license_exclusive"}),
            region="浙江省",
            price=120,
        ),
    ),
    Document.result(
        id=3,
        title="高效降解有机磷农药残留的复合微生物菌剂",
        summary="筛选出三株高效降解菌构建复合菌剂，喷施后蔬菜中有机磷农药残留降低85%。",
        keywords=["微生物菌剂", "农药降解"],
        profile=Profile(
            field="modern_agriculture",
            trl=5,
            modes=frozenset({"joint_development"}),
            region="湖北省",
            negotiable=True,
        ),
    ),
    Document.result(
        id=4,
        title="GLP-1受体激动剂长效缓释微球",
        summary="将GLP-1类似物包载于PLGA微球，实现每周皮下给药一次，2型糖尿病模型大鼠血糖控制良好。",
        keywords=["GLP-1", "缓释微球", "糖尿病"],
        profile=Profile(
            field="biomedicine",
            trl=4,
            modes=frozenset({"license_exclusive", "license_sole"}),
            region="上海市",
            price=300,
        ),
    ),
    Document.result(
        id=5,
        title="低成本激光散射PM2.5传感器",
        summary="基于激光散射原理测量空气中PM2.5颗粒物浓度，模组成本低于30元，与标准仪器相关系数0.95。",
        keywords=["PM2.5", "颗粒物传感器"],
        profile=Profile(
            field="resources_environment", trl=6, modes=frozenset({"transfer"}), region="江苏省", price=40
        ),
    ),
    Document.result(
        id=6,
        title="靶向CD19的CAR-T细胞制备工艺",
        summary="优化慢病毒转导与扩增工艺，CAR-T细胞转导效率提升至60%，体外杀伤淋巴瘤细胞效果显著。",
        keywords=["CAR-T", "细胞治疗"],
        profile=Profile(field="biomedicine", trl=3, modes=frozenset({"equity"}), region="北京市", price=500),
    ),
]

NEEDS = [
    Document.need(
        id=101,
        title="手机电池冬天不耐用",
        problem="我们厂做的手机电池一到冬天在北方就掉电特别快，天冷时充不进电，想找个办法让电池扛冻、用得更久。",
        profile=Profile(
            field="new_energy",
            trl=6,
            modes=frozenset({"transfer"}),
            region="湖北省",
            budget_min=50,
            budget_max=100,
        ),
    ),
    Document.need(
        id=102,
        title="产线质检靠人眼",
        problem="冲压件上有划痕、凹坑，现在全靠工人盯着看，经常漏掉次品，想让机器自动把坏件挑出来。",
        profile=Profile(
            field="advanced_manufacturing",
            trl=6,
            modes=frozenset({"transfer"}),
            region="湖北省",
            budget_min=50,
            budget_max=100,
        ),
    ),
    Document.need(
        id=103,
        title="蔬菜打药后残留超标",
        problem="基地的青菜打完药送检老是超标，出口过不了关，想找一种生物的办法把残留快点降下来。",
        profile=Profile(
            field="modern_agriculture",
            trl=4,
            modes=frozenset({"joint_development"}),
            region="湖北省",
            negotiable=True,
        ),
    ),
    Document.need(
        id=104,
        title="降糖针打得太频繁",
        problem="病人天天打针很痛苦，希望有一周只用打一次的降血糖药。",
        profile=Profile(
            field="biomedicine",
            trl=6,
            modes=frozenset({"transfer"}),
            region="湖北省",
            budget_min=100,
            budget_max=200,
        ),
    ),
]
EXPECTED = {101: 1, 102: 2, 103: 3, 104: 4}
