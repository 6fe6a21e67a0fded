"""What runs the model for the Encoder: ONNX Runtime (int8 or fp32) or the sentence-transformers reference.

A runtime takes padded token windows (ids and mask, int64) and returns one L2-normalised vector
per window. Only the reference imports PyTorch, and only when it is chosen.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
from numpy.typing import NDArray

from embeddings.onnx_export import FP32_FILE, INT8_FILE, ONNX_DIR

RuntimeName = Literal["onnx-int8", "onnx", "torch"]
RUNTIMES: tuple[RuntimeName, ...] = ("onnx-int8", "onnx", "torch")

# Appended to the model id when a runtime's vectors differ from the reference's (cosine ≈ 0.997
# for int8), so indexes built by another runtime are re-encoded rather than mixed.
ID_SUFFIX: dict[RuntimeName, str] = {"onnx-int8": "+ort-int8", "onnx": "", "torch": ""}


class Runtime(Protocol):
    """One forward pass over a batch of windows."""

    dim: int
    concurrent: bool  # True: several threads may call forward at once, each on one core

    def forward(self, ids: NDArray[np.int64], mask: NDArray[np.int64]) -> NDArray[np.float32]:
        """(batch, dim) float32, one L2-normalised vector per window."""
        ...


def _normalised(emb: NDArray[np.float32]) -> NDArray[np.float32]:
    norms = np.linalg.norm(emb, axis=1, keepdims=True)
    out: NDArray[np.float32] = (emb / np.maximum(norms, 1e-12)).astype(np.float32)
    return out


class OnnxRuntime:
    """An ONNX Runtime session on one intra-op thread: a query keeps one core, bulk work runs
    one session call per core from the Encoder's worker threads (the session is thread-safe)."""

    concurrent = True

    def __init__(self, model_file: Path, *, dim: int) -> None:
        import onnxruntime as ort

        if not model_file.is_file():
            raise FileNotFoundError(f"{model_file} is missing: run `make model` to export the ONNX model")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # no busy-waiting between calls: the cores are shared with FAISS, jieba and the web server
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(str(model_file), opts, providers=["CPUExecutionProvider"])
        self.dim = dim

    def forward(self, ids: NDArray[np.int64], mask: NDArray[np.int64]) -> NDArray[np.float32]:
        out = self._session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        return _normalised(np.asarray(out, dtype=np.float32))


class TorchRuntime:
    """The reference: today's sentence-transformers model on PyTorch (imports torch)."""

    concurrent = False

    def __init__(self, model_dir: Path, *, threads: int) -> None:
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(threads)
        self._torch = torch
        self.st = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
        self.st.eval()
        dim = self.st.get_embedding_dimension()
        if dim is None:
            raise ValueError(f"{model_dir}: model does not declare an embedding dimension")
        self.dim = int(dim)

    def forward(self, ids: NDArray[np.int64], mask: NDArray[np.int64]) -> NDArray[np.float32]:
        torch = self._torch
        features = {"input_ids": torch.from_numpy(ids), "attention_mask": torch.from_numpy(mask)}
        with torch.inference_mode():
            out = self.st(features)["sentence_embedding"]
        return _normalised(out.float().numpy())


def embedding_dim(model_dir: Path) -> int:
    """The pooled vector size the directory declares (1_Pooling/config.json)."""
    cfg: dict[str, Any] = json.loads((model_dir / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
    return int(cfg["word_embedding_dimension"])


def open_runtime(name: RuntimeName, model_dir: Path, *, threads: int) -> Runtime:
    """The named runtime over a converted model directory."""
    if name == "torch":
        return TorchRuntime(model_dir, threads=threads)
    if name not in RUNTIMES:
        raise ValueError(f"unknown runtime {name!r}; one of {RUNTIMES}")
    file = INT8_FILE if name == "onnx-int8" else FP32_FILE
    return OnnxRuntime(model_dir / ONNX_DIR / file, dim=embedding_dim(model_dir))
