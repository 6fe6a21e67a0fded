"""The project's text encoder: any local sentence-transformers directory, long texts windowed.

Texts longer than the model's window are split into overlapping token windows; the text's
embedding is the token-count-weighted mean of its window embeddings, re-normalised.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray
from sentence_transformers import SentenceTransformer
from tokenizers import Tokenizer

WINDOW_OVERLAP = 64  # tokens shared by consecutive windows of a long text
_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin", "model.onnx")


def _model_id(model_dir: Path) -> str:
    marker = model_dir / "kematch_model.json"
    if marker.is_file():
        return str(json.loads(marker.read_text(encoding="utf-8"))["model_id"])
    for name in _WEIGHT_FILES:
        weights = model_dir / name
        if weights.is_file():
            h = hashlib.sha256()
            with weights.open("rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
            return f"{model_dir.resolve().name}@{h.hexdigest()[:12]}"
    raise FileNotFoundError(f"{model_dir}: no kematch_model.json and no weights file")


class Encoder:
    """Embeds texts with a local sentence-transformers model (CPU, float32, L2-normalised)."""

    model_id: str
    dim: int
    max_tokens: int

    def __init__(self, model_dir: Path, *, prefix: str = "query: ", threads: int | None = None) -> None:
        torch.set_num_threads(threads or os.cpu_count() or 1)
        self.model_dir = Path(model_dir)
        self.prefix = prefix
        self.model_id = _model_id(self.model_dir)
        self._st = SentenceTransformer(str(self.model_dir), device="cpu", local_files_only=True)
        self._st.eval()
        dim = self._st.get_embedding_dimension()
        if dim is None:
            raise ValueError(f"{model_dir}: model does not declare an embedding dimension")
        self.dim = int(dim)
        self._tok: Any = self._st.tokenizer
        self._fast = getattr(self._tok, "_tokenizer", None)
        self.max_tokens = int(self._st.max_seq_length or self._tok.model_max_length)
        # the special-token frame around a single sequence, e.g. <s> … </s> or [CLS] … [SEP]
        frame: list[int] = self._tok("", add_special_tokens=True)["input_ids"]
        content: list[int] = self._tok("", add_special_tokens=False)["input_ids"]
        n_head = frame.index(content[0]) if content else (1 if len(frame) > 1 else len(frame))
        self._head, self._tail = frame[:n_head], frame[n_head + len(content) :]
        self._pad = int(self._tok.pad_token_id if self._tok.pad_token_id is not None else 0)
        self._window = self.max_tokens - len(self._head) - len(self._tail)
        if self._window <= WINDOW_OVERLAP:
            raise ValueError(f"{model_dir}: max_seq_length {self.max_tokens} too small")

    def _content_ids(self, texts: Sequence[str]) -> list[list[int]]:
        batch = [self.prefix + t for t in texts]
        if isinstance(self._fast, Tokenizer):  # straight to Rust: no BatchEncoding, no length warning
            return [e.ids for e in self._fast.encode_batch(batch, add_special_tokens=False)]
        ids: list[list[int]] = self._tok(batch, add_special_tokens=False, verbose=False)["input_ids"]
        return ids

    def token_count(self, text: str) -> int:
        """Tokens the model would see for ``text`` unwindowed (prefix and specials included)."""
        return len(self._content_ids([text])[0]) + len(self._head) + len(self._tail)

    def _windows(self, content: list[list[int]]) -> tuple[list[list[int]], NDArray[np.int64]]:
        """Every window as full model input, and the index of the text it belongs to."""
        step = self._window - WINDOW_OVERLAP
        windows: list[list[int]] = []
        owner: list[int] = []
        for i, ids in enumerate(content):
            starts = range(0, max(len(ids) - WINDOW_OVERLAP, 1), step) if len(ids) > self._window else [0]
            for s in starts:
                windows.append(self._head + ids[s : s + self._window] + self._tail)
                owner.append(i)
        return windows, np.asarray(owner, dtype=np.int64)

    def _forward(self, windows: list[list[int]]) -> NDArray[np.float32]:
        lengths = np.fromiter((len(w) for w in windows), dtype=np.int64, count=len(windows))
        width = int(lengths.max())
        mask = np.arange(width)[None, :] < lengths[:, None]
        ids = np.full(mask.shape, self._pad, dtype=np.int64)
        ids[mask] = np.fromiter((t for w in windows for t in w), dtype=np.int64, count=int(lengths.sum()))
        features = {
            "input_ids": torch.from_numpy(ids),
            "attention_mask": torch.from_numpy(mask.astype(np.int64)),
        }
        with torch.inference_mode():
            out = self._st(features)["sentence_embedding"]
        emb: NDArray[np.float32] = out.float().numpy()
        return emb

    def encode(self, texts: Sequence[str], *, batch_size: int = 32) -> NDArray[np.float32]:
        """(len(texts), dim) float32, L2-normalised, prefix applied; long texts windowed."""
        if isinstance(texts, str):
            raise TypeError("encode() takes a sequence of texts, not a str")
        result = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return result
        windows, owner = self._windows(self._content_ids(texts))
        lengths = np.fromiter((len(w) for w in windows), dtype=np.int64, count=len(windows))
        order = np.argsort(-lengths, kind="stable")  # longest first: similar lengths share a batch
        emb = np.empty((len(windows), self.dim), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            emb[idx] = self._forward([windows[i] for i in idx])
        weights = (lengths - len(self._head) - len(self._tail)).clip(min=1).astype(np.float32)
        np.add.at(result, owner, emb * weights[:, None])
        norms = np.linalg.norm(result, axis=1, keepdims=True)
        normalised: NDArray[np.float32] = (result / np.maximum(norms, 1e-12)).astype(np.float32)
        return normalised


_CACHE: dict[Path, Encoder] = {}
_LOCK = threading.Lock()


def load_encoder(model_dir: Path) -> Encoder:
    """The process-wide Encoder for ``model_dir`` (created on first use)."""
    key = Path(model_dir).resolve()
    with _LOCK:
        if key not in _CACHE:
            _CACHE[key] = Encoder(key)
        return _CACHE[key]
