"""The ONNX Runtime encoder (the product's default) against the sentence-transformers reference."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from embeddings.encoder import EncodeProgress, Encoder, load_encoder
from tests.embeddings.kit import ROOT, model_dir
from tests.embeddings.texts import LONG_TEXT, TEXTS

pytestmark = pytest.mark.slow
MIN_COSINE = 0.99


@pytest.fixture(scope="module")
def path() -> Path:
    return model_dir()


@pytest.fixture(scope="module")
def fast(path: Path) -> Encoder:
    return Encoder(path)


@pytest.fixture(scope="module")
def reference(path: Path) -> Encoder:
    return Encoder(path, runtime="torch")


def test_fast_vectors_agree_with_the_reference(fast: Encoder, reference: Encoder) -> None:
    texts = [*TEXTS, LONG_TEXT]
    ours, ref = fast.encode(texts), reference.encode(texts)
    assert ours.shape == ref.shape == (len(texts), 384) and ours.dtype == np.float32
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    cos = (ours * ref).sum(axis=1)
    print(f"\n{len(texts)} texts: int8 vs reference cosine min {cos.min():.4f}, mean {cos.mean():.4f}")
    assert cos.min() >= MIN_COSINE, [t[:30] for t, c in zip(texts, cos, strict=True) if c < MIN_COSINE]


def test_fp32_onnx_reproduces_the_reference(path: Path, reference: Encoder) -> None:
    fp32 = Encoder(path, runtime="onnx")
    cos = (fp32.encode(TEXTS[:16]) * reference.encode(TEXTS[:16])).sum(axis=1)
    assert cos.min() >= 0.9999
    assert fp32.model_id == reference.model_id


def test_int8_vectors_carry_their_own_model_id(fast: Encoder, reference: Encoder) -> None:
    # stored indexes built by the reference are re-encoded, never mixed with int8 vectors
    assert fast.model_id != reference.model_id
    assert fast.model_id.startswith(reference.model_id)
    assert (fast.dim, fast.max_tokens) == (reference.dim, reference.max_tokens)


def test_tokens_and_windows_as_the_reference(fast: Encoder, reference: Encoder) -> None:
    for text in [*TEXTS, LONG_TEXT, "字面的<s>与</s>是普通文本"]:
        assert fast.token_count(text) == reference.token_count(text)
    long = (LONG_TEXT * 2)[:2000]
    assert fast.token_count(long) > fast.max_tokens
    assert float(fast.encode([long])[0] @ reference.encode([long])[0]) >= MIN_COSINE


def test_vectors_do_not_depend_on_batch_mates_or_threads(path: Path, fast: Encoder) -> None:
    texts = TEXTS[:12]
    together = fast.encode(texts)
    alone = np.vstack([fast.encode([t]) for t in reversed(texts)])[::-1]
    one_core = Encoder(path, threads=1).encode(texts)
    assert np.allclose(together, alone, atol=1e-6)
    assert np.allclose(together, one_core, atol=1e-6)
    assert fast.encode([]).shape == (0, fast.dim)


def test_bulk_encode_reports_rate_and_time_left(fast: Encoder) -> None:
    seen: list[EncodeProgress] = []
    with fast.reporting(seen.append, total=2 * len(TEXTS)):
        fast.encode(TEXTS)
        fast.encode(TEXTS)
    assert seen[-1].done == seen[-1].total == 2 * len(TEXTS)
    assert seen[-1].seconds_left == 0 and seen[-1].texts_per_s > 0
    assert all(p.done < p.total and p.seconds_left > 0 for p in seen[:-1])
    fast.encode(TEXTS[:3])
    assert seen[-1].done == 2 * len(TEXTS)  # outside the block nothing is reported


def test_fast_path_does_not_import_torch(path: Path) -> None:
    code = (
        "import sys; from embeddings.encoder import load_encoder; "
        f"e = load_encoder({str(path)!r}); e.encode(['测试']); "
        "print('torch' in sys.modules, 'sentence_transformers' in sys.modules)"
    )
    env = {"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert out.stdout.split() == ["False", "False"], out.stderr[-2000:]


def test_load_encoder_runtime_override(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEMATCH_ENCODER_RUNTIME", "onnx")
    assert load_encoder(path).runtime == "onnx"
    monkeypatch.setenv("KEMATCH_ENCODER_RUNTIME", "tensorflow")
    with pytest.raises(ValueError, match="KEMATCH_ENCODER_RUNTIME"):
        load_encoder(path)
