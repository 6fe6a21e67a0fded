"""Adapt the e5 encoder to a platform's own postings: python -m embeddings.adapt --help.

`adapt()` builds inverse-cloze pairs from the texts (embeddings/adapt_pairs.py), adds the
labelled pairings, fine-tunes a copy of the base model (embeddings/adapt_train.py) and writes a
complete model directory: the base's tokenizer and configuration, the new weights, the ONNX fp32
and int8 exports the product's Encoder runs, and `kematch_model.json` with a new model id
`<base name>-adapted@<hash>` so that every index built with another model is re-encoded.
Nothing here reads queries or judgements: it is given texts, and only texts.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from embeddings.adapt_pairs import Labelled, Text, labelled_pairs, unlabelled_pairs
from embeddings.adapt_train import TrainConfig, TrainReport, train
from embeddings.convert import MARKER, sha256_file
from embeddings.onnx_export import ONNX_DIR, export_onnx

_NOT_COPIED = {ONNX_DIR, MARKER, "model.safetensors", "pytorch_model.bin"}


def texts_digest(texts: Sequence[Text], labelled: Sequence[Labelled] = ()) -> str:
    """A hash of exactly what adaptation learns from (the texts and labelled pairs, in order)."""
    h = hashlib.sha256()
    for t in texts:
        h.update(f"{t.title}\x1f{t.body}\x1e".encode())
    for item in labelled:
        h.update(f"{item.need}\x1f{item.result}\x1f{int(item.positive)}\x1e".encode())
    return h.hexdigest()


ADDED_LATER = {"passage_prefix": 0}  # TrainConfig settings left out of the key at their default


def run_key(
    *, base_dir: Path, texts: Sequence[Text], labelled: Sequence[Labelled], config: TrainConfig
) -> str:
    """What identifies one adaptation: base model, training data and settings."""
    fields = dataclasses.asdict(config)
    for name, default in ADDED_LATER.items():  # keeps the ids of runs made before the setting existed
        if fields[name] == default:
            del fields[name]
    settings = json.dumps(fields, sort_keys=True)
    parts = (_base_id(base_dir), texts_digest(texts, labelled), settings)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:12]


def _base_id(base_dir: Path) -> str:
    marker: dict[str, Any] = json.loads((base_dir / MARKER).read_text(encoding="utf-8"))
    return str(marker["model_id"])


def adapt(
    *,
    base_dir: Path,
    texts: Sequence[Text],
    out_dir: Path,
    labelled: Sequence[Labelled] = (),
    config: TrainConfig = TrainConfig(),
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Fine-tune `base_dir` on `texts` (+ `labelled`) into a new model directory; its marker."""
    pairs = unlabelled_pairs(texts, seed=config.seed) + labelled_pairs(labelled)
    if len(pairs) < 2:
        raise ValueError("too few texts with two or more sentences to adapt on")
    log(f"{len(texts)} texts, {len(labelled)} labelled pairs → {len(pairs)} training pairs")
    model, report = train(model_dir=base_dir, pairs=pairs, config=config, log=log)
    key = run_key(base_dir=base_dir, texts=texts, labelled=labelled, config=config)
    marker = _marker(base_dir=base_dir, key=key, config=config, report=report, n_texts=len(texts))
    marker["n_pairs"], marker["n_labelled"] = len(pairs), len(labelled)
    _write_model_dir(model=model, base_dir=base_dir, out_dir=out_dir, marker=marker)
    log(f"wrote {out_dir} ({marker['model_id']}) in {report.seconds:.0f}s of training")
    return marker


def _marker(
    *, base_dir: Path, key: str, config: TrainConfig, report: TrainReport, n_texts: int
) -> dict[str, Any]:
    base_id = _base_id(base_dir)
    name = base_id.split("@", 1)[0]
    return {
        "model_id": f"{name}-adapted@{key}",
        "base_model_id": base_id,
        "base_dir": str(base_dir.resolve()),
        "n_texts": n_texts,
        "config": dataclasses.asdict(config),
        "train": dataclasses.asdict(report),
        "note": "fine-tuned on the platform's posting texts by embeddings.adapt",
    }


def _write_model_dir(*, model: Any, base_dir: Path, out_dir: Path, marker: dict[str, Any]) -> None:
    """Base files + new weights + ONNX exports, assembled in a temp dir and moved into place."""
    from safetensors.torch import save_file

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        for entry in base_dir.iterdir():
            if entry.name in _NOT_COPIED:
                continue
            if entry.is_dir():
                shutil.copytree(entry, tmp / entry.name)
            else:
                shutil.copy2(entry, tmp / entry.name)
        state = {k: v.detach().contiguous() for k, v in model[0].auto_model.state_dict().items()}
        save_file(state, str(tmp / "model.safetensors"), metadata={"format": "pt"})
        export_onnx(tmp)
        marker["weights_sha256"] = sha256_file(tmp / "model.safetensors")
        (tmp / MARKER).write_text(json.dumps(marker, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        tmp.chmod(0o755)
        if out_dir.exists():
            old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
            out_dir.rename(old)
            shutil.rmtree(old)
        tmp.rename(out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def read_texts(path: Path) -> list[Text]:
    """Texts of a JSON-lines file: `text` (or `body`) and an optional `title` per row."""
    out: list[Text] = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                out.append(
                    Text(body=str(row.get("text", row.get("body", ""))), title=str(row.get("title", "")))
                )
    return out


def read_labelled(path: Path) -> list[Labelled]:
    """Judged pairs of a JSON-lines file: `need`, `result` (texts) and `positive` (true / false)."""
    with path.open(encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    return [
        Labelled(need=str(r["need"]), result=str(r["result"]), positive=bool(r["positive"])) for r in rows
    ]


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """The TrainConfig the CLI options describe."""
    names = {f.name for f in dataclasses.fields(TrainConfig)}
    return TrainConfig(**{k: v for k, v in vars(args).items() if k in names and v is not None})


def add_train_options(p: argparse._ActionsContainer) -> None:
    """--seed, --max-steps … (defaults: TrainConfig's)."""
    for f in dataclasses.fields(TrainConfig):
        kind = float if isinstance(f.default, float) else int
        p.add_argument(f"--{f.name.replace('_', '-')}", type=kind, default=None, help=f"default {f.default}")


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--texts", type=Path, required=True, help="JSON lines with text (and title)")
    p.add_argument("--labelled", type=Path, help="JSON lines with need, result, positive")
    p.add_argument("--base", type=Path, default=Path("data/models/multilingual-e5-small"))
    p.add_argument("--out", type=Path, required=True)
    add_train_options(p)
    args = p.parse_args(argv)
    labelled = read_labelled(args.labelled) if args.labelled else []
    marker = adapt(
        base_dir=args.base,
        texts=read_texts(args.texts),
        out_dir=args.out,
        labelled=labelled,
        config=config_from_args(args),
    )
    print(json.dumps({k: marker[k] for k in ("model_id", "train", "n_pairs")}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
