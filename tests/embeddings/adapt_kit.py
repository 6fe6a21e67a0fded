"""A tiny in-domain corpus for the adaptation tests: close topics the base model mixes up."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from embeddings.adapt_pairs import Pair, Text
from embeddings.adapt_train import PREFIX
from embeddings.types import FloatArray

# Eight postings on neighbouring battery and energy topics; each has three sentences, so that one
# sentence must find the rest of its own posting among seven others that use the same words.
POSTINGS: list[str] = [
    "退役动力电池拆解后的正极粉料采用湿法浸出。浸出液经萃取分离得到硫酸镍和硫酸钴。锂以碳酸锂形式沉淀回收，回收率超过百分之九十五。",
    "储能电站的电池簇在低温下容量衰减明显。我们开发了电芯自加热膜和保温箱体。零下二十度时可用容量保持在百分之八十五以上。",
    "光伏组件到达寿命后需要回收处理。热解去除EVA胶膜后玻璃可以完整剥离。银浆和硅片通过化学刻蚀分别回收。",
    "动力电池包的热失控会沿模组蔓延。在电芯之间加入气凝胶隔热垫可以阻断传热。针刺试验中相邻电芯温度不超过一百五十度。",
    "梯次利用前要快速判断退役电池的健康状态。脉冲内阻测试配合容量增量分析可在十分钟内完成。分选后的电池用于通信基站备电。",
    "钠离子电池的硬碳负极首效偏低。通过预钠化处理和孔结构调控提高首次库伦效率。全电池循环两千次容量保持率百分之九十。",
    "锂电池生产车间的NMP废气需要回收。冷凝加吸附的两级工艺可回收百分之九十九的溶剂。回收的NMP经精馏后回用到涂布工序。",
    "氢燃料电池的膜电极在启停时会发生碳载体腐蚀。采用石墨化碳载体和电压钳位控制策略。加速老化测试后功率衰减小于百分之五。",
]


def texts() -> list[Text]:
    """The postings as adaptation texts."""
    return [Text(body=p) for p in POSTINGS]


def cloze_pairs(pick: int) -> list[Pair]:
    """One (sentence `pick` → the rest of its posting) pair per posting."""
    out: list[Pair] = []
    for post in POSTINGS:
        parts = [s + "。" for s in post.split("。") if s]
        rest = "".join(p for j, p in enumerate(parts) if j != pick)
        out.append(Pair(query=parts[pick], passage=rest))
    return out


class TorchEncoder:
    """A trained SentenceTransformer seen through the engine's encoder interface."""

    dim = 384

    def __init__(self, model: Any, model_id: str) -> None:
        self._model, self.model_id = model, model_id

    def encode(self, texts: Sequence[str], *, batch_size: int = 32) -> FloatArray:
        self._model[0].max_seq_length = 512
        vecs = self._model.encode(
            [PREFIX + t for t in texts], normalize_embeddings=True, batch_size=batch_size
        )
        return np.asarray(vecs, dtype=np.float32)


def mrr(encoder: TorchEncoder, pairs: Sequence[Pair]) -> float:
    """Mean reciprocal rank of each sentence's own rest among all the rests."""
    q = encoder.encode([p.query for p in pairs])
    d = encoder.encode([p.passage for p in pairs])
    sims = q @ d.T
    own = sims[np.arange(len(q)), np.arange(len(q))]
    ranks = (sims > own[:, None]).sum(axis=1)
    return float((1.0 / (ranks + 1)).mean())
