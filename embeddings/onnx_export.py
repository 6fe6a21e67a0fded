"""Export the converted model to ONNX for ONNX Runtime: fp32 and dynamically quantised int8.

Run by `embeddings.convert` (so by `make model`) inside the model directory it writes:
``onnx/model.onnx`` (fp32: the BERT encoder plus masked mean pooling, one window per row) and
``onnx/model_qint8.onnx`` (the same graph with int8 weights for every MatMul and the word
embedding table, per channel; activations quantised on the fly). The layout is the one
sentence-transformers' ONNX backend uses. Only this step needs PyTorch; the runtime does not.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

ONNX_DIR = "onnx"
FP32_FILE = "model.onnx"
INT8_FILE = "model_qint8.onnx"
OPSET = 17


def _pooled_module(model_dir: Path) -> Any:
    """The HF encoder wrapped so its output is the masked mean of the last hidden states."""
    import torch
    from transformers import AutoModel

    class MeanPooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = AutoModel.from_pretrained(str(model_dir), local_files_only=True).eval()

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled: torch.Tensor = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            return pooled

    return MeanPooled()


def export_fp32(model_dir: Path, out: Path) -> None:
    """Trace the pooled model with dynamic batch and length axes into ``out``."""
    import warnings

    import torch

    module = _pooled_module(model_dir)
    ids = torch.ones((2, 16), dtype=torch.long)
    # The tracer warns about two Python branches in transformers' masking code; both are constant
    # for this model's inputs (the mask is always given and as long as the ids).
    warnings.filterwarnings("ignore", message="Converting a tensor to a Python boolean")
    warnings.filterwarnings("ignore", message=".*aten::index.*")
    axes = {"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"}}
    with torch.inference_mode():
        torch.onnx.export(
            module,
            (ids, torch.ones_like(ids)),
            str(out),
            input_names=["input_ids", "attention_mask"],
            output_names=["embedding"],
            dynamic_axes={**axes, "embedding": {0: "batch"}},
            opset_version=OPSET,
            dynamo=False,  # the TorchScript exporter: no onnxscript dependency, one self-contained file
        )


def quantize_int8(src: Path, out: Path) -> None:
    """Dynamic int8 quantisation of the MatMul weights and the embedding table (per channel)."""
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    logging.getLogger().setLevel(logging.ERROR)  # the quantiser's "consider pre-processing" advice
    quantize_dynamic(
        str(src),
        str(out),
        weight_type=QuantType.QInt8,
        op_types_to_quantize=["MatMul", "Gather"],
        per_channel=True,
        extra_options={"DefaultTensorType": 1},  # float: shape inference loses some MatMul outputs
    )


def export_onnx(model_dir: Path) -> None:
    """Write ``onnx/model.onnx`` and ``onnx/model_qint8.onnx`` into the model directory."""
    onnx_dir = model_dir / ONNX_DIR
    onnx_dir.mkdir(exist_ok=True)
    export_fp32(model_dir, onnx_dir / FP32_FILE)
    quantize_int8(onnx_dir / FP32_FILE, onnx_dir / INT8_FILE)
    for path in onnx_dir.iterdir():
        path.chmod(0o644)
