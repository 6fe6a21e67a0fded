"""The project's text encoder: a converted e5 model directory, long texts windowed.

Texts longer than the model's window are split into overlapping token windows; the text's
embedding is the token-count-weighted mean of its window embeddings, re-normalised.

The model runs on ONNX Runtime with int8 weights by default (embeddings/runtimes.py; no PyTorch
import). Windows are sorted by length. ONNX Runtime takes one window per call (measured on this
2-core machine: faster than padded batches of 4 or 32, and batch-independent); a call with more
than one window spreads them over `threads` worker threads, one core each, and a single query
uses one core. The PyTorch reference (`runtime="torch"`) pads per batch of `batch_size`.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from tokenizers import Tokenizer

from embeddings.runtimes import ID_SUFFIX, RUNTIMES, RuntimeName, open_runtime

WINDOW_OVERLAP = 64  # tokens shared by consecutive windows of a long text
DEFAULT_RUNTIME: RuntimeName = "onnx-int8"
REPORT_EVERY_S = 1.0  # progress callbacks at most this often (and at the end of each encode call)
RUNTIME_ENV = "KEMATCH_ENCODER_RUNTIME"  # load_encoder's override: onnx-int8 | onnx | torch
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


def _read_json(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@dataclass(frozen=True)
class EncodeProgress:
    """Where a bulk encode stands: texts done of `total`, the rate so far, and the time left."""

    done: int
    total: int
    texts_per_s: float
    seconds_left: float


ProgressFn = Callable[[EncodeProgress], None]


class _Tracker:
    """Counts texts across encode calls for one `Encoder.reporting` block."""

    def __init__(self, callback: ProgressFn, total: int | None) -> None:
        self.callback, self.total = callback, total
        self.done, self.started = 0.0, time.perf_counter()
        self.last = 0.0
        self.lock = threading.Lock()

    def advance(self, texts: float, call_left: float) -> None:
        with self.lock:
            self.done += texts
            now = time.perf_counter()
            if call_left > 0.5 and now - self.last < REPORT_EVERY_S:
                return
            self.last = now
            done = round(self.done)
            rate = self.done / max(now - self.started, 1e-9)
            total = max(self.total, done) if self.total is not None else done + round(call_left)
            left = (total - done) / rate if rate > 0 else 0.0
            self.callback(EncodeProgress(done, total, round(rate, 1), round(left, 1)))


class Encoder:
    """Embeds texts with a converted e5 model (CPU, float32 out, L2-normalised)."""

    model_id: str
    dim: int
    max_tokens: int

    def __init__(
        self,
        model_dir: Path,
        *,
        prefix: str = "query: ",
        threads: int | None = None,
        runtime: RuntimeName = DEFAULT_RUNTIME,
    ) -> None:
        self.model_dir = Path(model_dir)
        self.prefix = prefix
        self.threads = max(1, threads or os.cpu_count() or 1)
        self.runtime: RuntimeName = runtime
        self._runtime = open_runtime(runtime, self.model_dir, threads=self.threads)
        self.model_id = _model_id(self.model_dir) + ID_SUFFIX[runtime]
        self.dim = self._runtime.dim
        self._st: Any = getattr(self._runtime, "st", None)  # the reference's SentenceTransformer
        self._tok = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        # as the converted tokenizer_config says (split_special_tokens): a literal "<s>" is text
        self._tok.encode_special_tokens = True
        self._tok.no_truncation()
        self._tok.no_padding()
        st_cfg = _read_json(self.model_dir / "sentence_bert_config.json")
        self.max_tokens = int(st_cfg["max_seq_length"])
        pad = _read_json(self.model_dir / "config.json").get("pad_token_id")
        self._pad = int(pad) if pad is not None else 0
        # the special-token frame around a single sequence, e.g. <s> … </s> or [CLS] … [SEP]
        frame: list[int] = self._tok.encode("", add_special_tokens=True).ids
        content: list[int] = self._tok.encode("", add_special_tokens=False).ids
        n_head = frame.index(content[0]) if content else (1 if len(frame) > 1 else len(frame))
        self._head, self._tail = frame[:n_head], frame[n_head + len(content) :]
        self._window = self.max_tokens - len(self._head) - len(self._tail)
        if self._window <= WINDOW_OVERLAP:
            raise ValueError(f"{model_dir}: max_seq_length {self.max_tokens} too small")
        self._tracker: _Tracker | None = None

    @contextmanager
    def reporting(self, callback: ProgressFn, *, total: int | None = None) -> Iterator[None]:
        """Report the progress of the encode calls inside the block to `callback` (about once a second).

        `total`: the texts the block will encode, if known; without it the time left is the
        current call's."""
        self._tracker = _Tracker(callback, total)
        try:
            yield
        finally:
            self._tracker = None

    def _content_ids(self, texts: Sequence[str]) -> list[list[int]]:
        batch = [self.prefix + t for t in texts]
        return [e.ids for e in self._tok.encode_batch(batch, add_special_tokens=False)]

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
        mask = np.arange(int(lengths.max()))[None, :] < lengths[:, None]
        ids = np.full(mask.shape, self._pad, dtype=np.int64)
        ids[mask] = np.fromiter((t for w in windows for t in w), dtype=np.int64, count=int(lengths.sum()))
        return self._runtime.forward(ids, mask.astype(np.int64))

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
        # ONNX Runtime: one window per call, no padding, and int8 activation scales per window, so
        # a text's vector never depends on its batch mates; the cores take windows in parallel.
        step = 1 if self._runtime.concurrent else batch_size
        batches = [order[s : s + step] for s in range(0, len(order), step)]
        emb = np.empty((len(windows), self.dim), dtype=np.float32)
        for idx, vecs in zip(batches, self._run(windows, batches, len(texts)), strict=True):
            emb[idx] = vecs
        weights = (lengths - len(self._head) - len(self._tail)).clip(min=1).astype(np.float32)
        np.add.at(result, owner, emb * weights[:, None])
        norms = np.linalg.norm(result, axis=1, keepdims=True)
        normalised: NDArray[np.float32] = (result / np.maximum(norms, 1e-12)).astype(np.float32)
        return normalised

    def _run(
        self, windows: list[list[int]], batches: list[NDArray[np.intp]], n_texts: int
    ) -> list[NDArray[np.float32]]:
        """Each batch's vectors, in order; several batches run on `threads` cores at once."""
        per_window = n_texts / len(windows)  # progress is counted in texts, a long one has several windows
        left = float(n_texts)

        def one(idx: NDArray[np.intp]) -> NDArray[np.float32]:
            return self._forward([windows[i] for i in idx])

        parallel = len(batches) > 1 and self.threads > 1 and self._runtime.concurrent
        with ThreadPoolExecutor(max_workers=self.threads if parallel else 1) as pool:
            outs = pool.map(one, batches) if parallel else map(one, batches)
            done: list[NDArray[np.float32]] = []
            for idx, out in zip(batches, outs, strict=True):
                done.append(out)
                left -= len(idx) * per_window
                if self._tracker is not None:
                    self._tracker.advance(len(idx) * per_window, left)
        return done


_CACHE: dict[tuple[Path, str], Encoder] = {}
_LOCK = threading.Lock()


def load_encoder(model_dir: Path, *, runtime: RuntimeName | None = None) -> Encoder:
    """The process-wide Encoder for ``model_dir`` (created on first use).

    The runtime is `runtime`, else $KEMATCH_ENCODER_RUNTIME, else ONNX Runtime int8."""
    name = runtime or os.environ.get(RUNTIME_ENV) or DEFAULT_RUNTIME
    if name not in RUNTIMES:
        raise ValueError(f"{RUNTIME_ENV}={name!r}: one of {RUNTIMES}")
    key = (Path(model_dir).resolve(), name)
    with _LOCK:
        if key not in _CACHE:
            _CACHE[key] = Encoder(key[0], runtime=name)
        return _CACHE[key]
