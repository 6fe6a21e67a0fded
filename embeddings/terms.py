"""Whole-word technical terms: segmentation, the platform's learned vocabulary, shared terms.

Terms are jieba words (plus mixed-script terms such as `glp-1`) and phrases of two or three
whole words; a term never starts or ends inside a word, so fragments such as 改造停 (from
节能改造停产 / 改造停机) cannot appear. `learn_vocabulary` adds the platform's own frequent
technical compounds (超数排卵, 受体激动剂 …) to the segmenter from the indexed postings.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

import jieba
import jieba.analyse

from embeddings.lexical import LATIN, normalize

jieba.setLogLevel(60)
# A tokenizer of our own: learned words must not change other jieba users in the process.
_TOKENIZER = jieba.Tokenizer()
_LOCK = threading.Lock()
_STOPWORD_TEXT = """
的 了 和 与 及 或 等 在 对 为 是 将 把 被 由 从 以 于 其 该
此 这 那 并 而 且 也 都 就 还 又 很 更 最 一种 一个 一些 我们
本文 本研究 研究 方法 结果 表明 提出 基于 通过 进行 采用 利用 使用
分析 可以 能够 可 能 具有 需要 要求 实现 问题 技术 目前 现有 相关
有效 主要 以及 同时 其中 包括 不同 各种 方面 情况 过程 作用 影响
提高 提升 降低 解决 达到 用于 适用 希望 寻找 寻求 关于 针对 目的
为了 因此 由于 所以 如果 以期 提供 参考 成果 需求 企业 我司
用得 只用 老是 一下 怎么 什么 想要 一直 办法 东西 情况下 公司
项目 产品 系统 应用 方案 领域 国内 国外 较 高 低 好 多 少 大 小
团队 合作 单位 我方 贵方 厂家 客户 批次 在位 min ppm
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
# Single characters that glue onto neighbours (时, 后, 中 …): never one end of a learned compound.
_GLUE = frozenset(
    "的了和与及或等在对为是将把被由从以于其该此并而且也都就还又很更最不无有已所之来到给让使用按时后中上下内外前个种次地出着过每偏男女得型"
)
MIN_IDF = 6.0  # jieba idf; below this a word is too common to be a reason
MAX_TERMS = 12
MAX_PHRASE_CHARS = 8
MAX_DOC_SHARE = 0.02
_CJK_WORD = re.compile(r"[\u4e00-\u9fff]+")

_learned: dict[str, tuple[str, ...]] = {}  # learned compound -> its parts


def idf(word: str) -> float:
    """jieba's idf of a word (its median for unknown words and learned compounds)."""
    t = jieba.analyse.default_tfidf
    return float(t.idf_freq.get(word, t.median_idf))


def is_content(word: str) -> bool:
    """A word specific enough to be a reason: 2+ chars, no stopword, not too common."""
    if len(word) < 2 or word in STOPWORDS:
        return False
    if word.isascii():
        return not word.replace(".", "").isdigit()
    return bool(_CJK_WORD.fullmatch(word)) and (word in _learned or idf(word) >= MIN_IDF)


@lru_cache(maxsize=20_000)
def tokens(text: str) -> tuple[str, ...]:
    """Words of the normalised text in order; "" marks punctuation and other breaks."""
    return _segment(text)


def _segment(text: str) -> tuple[str, ...]:
    norm = normalize(text)
    out: list[str] = []
    pos = 0
    for m in [*LATIN.finditer(norm), None]:
        end = m.start() if m else len(norm)
        for run in re.split(r"([\u4e00-\u9fff]+)", norm[pos:end]):
            if _CJK_WORD.fullmatch(run):
                with _LOCK:
                    out.extend(_TOKENIZER.lcut(run, HMM=False))  # no guessed 'new words' such as 散中
            elif run.strip() and (not out or out[-1] != ""):
                out.append("")
        if m:
            out.append(m.group())
            pos = m.end()
    return tuple(out)


def _phrases(toks: tuple[str, ...]) -> set[str]:
    """Runs of 2-3 adjacent Chinese content words (锅炉节能改造), whole words only."""
    out: set[str] = set()
    for n in (2, 3):
        for i in range(len(toks) - n + 1):
            run = toks[i : i + n]
            if all(_CJK_WORD.fullmatch(w) and is_content(w) for w in run):
                phrase = "".join(run)
                if len(phrase) <= MAX_PHRASE_CHARS:
                    out.add(phrase)
    return out


@lru_cache(maxsize=20_000)
def terms(text: str) -> tuple[str, ...]:
    """Content terms of a text in order of appearance; learned compounds also give their parts."""
    found: list[str] = []
    for w in tokens(text):
        if is_content(w):
            found.append(w)
            found.extend(p for p in _learned.get(w, ()) if is_content(p))
    return tuple(dict.fromkeys(found))


@lru_cache(maxsize=4_096)
def query_terms(text: str) -> tuple[str, ...]:
    """A typed query's terms, and the content words inside its compounds (废水处理: 废水 too), so
    a short query meets texts that write the compound's parts as separate words."""
    found: list[str] = []
    for term in terms(text):
        found.append(term)
        if _CJK_WORD.fullmatch(term) and len(term) > 2:
            with _LOCK:
                parts = _TOKENIZER.lcut_for_search(term, HMM=False)
            found.extend(p for p in parts if p != term and is_content(p))
    return tuple(dict.fromkeys(found))


@lru_cache(maxsize=4_096)
def _term_set(text: str) -> frozenset[str]:
    return frozenset(terms(text)) | frozenset(_phrases(tokens(text)))


def shared_terms(a: str, b: str) -> list[str]:
    """Whole-word terms both texts use, most specific first, without terms contained in others."""
    common = _term_set(a) & _term_set(b)
    ranked = sorted(common, key=lambda t: (-idf(t) * min(len(t), 4), -len(t), t))
    kept: list[str] = []
    for t in ranked:
        if not any(t in k or k in t for k in kept):
            kept.append(t)
    return [_original_case(t, a) for t in kept[:MAX_TERMS]]


def _original_case(term: str, text: str) -> str:
    """The term as first written in `text` (terms are matched lower-cased and NFKC-normalised)."""
    at = text.lower().find(term)
    return text[at : at + len(term)] if at >= 0 else term


def learn_vocabulary(texts: Iterable[str], *, min_docs: int = 3, max_words: int = 5_000) -> list[str]:
    """Add the postings' frequent technical compounds to the segmenter; returns the new words.

    A compound is 2-3 adjacent words (3-8 chars, no stopword, no glue character at either end)
    found in at least `min_docs` texts and in at least 30 % of the texts holding its rarest part
    (so it is a unit, not a chance neighbourhood). Deterministic for the same texts, and idempotent.
    """
    df: Counter[tuple[str, ...]] = Counter()
    part_df: Counter[str] = Counter()
    # (run, left word, right word) counts in one flat Counter, not two Counters per run: most runs
    # occur once, and two Counter objects apiece made this the sync's biggest transient.
    around: Counter[tuple[tuple[str, ...], str, str]] = Counter()
    n_docs = 0
    for text in texts:
        n_docs += 1
        toks = _segment(text)  # not cached: 20,000 texts' words would stay in the cache (~200 MB)
        part_df.update(set(toks))
        grams: set[tuple[str, ...]] = set()
        for n in (2, 3, 4):
            for i in range(len(toks) - n + 1):
                run = toks[i : i + n]
                if _compound_shape(run):
                    grams.add(run)
                    around[run, toks[i - 1] if i else "", toks[i + n] if i + n < len(toks) else ""] += 1
        df.update(grams)
    # Phrases in more than 2 % of postings are the genre's boilerplate (结果表明, 近年来), not terms.
    max_docs = max(min_docs, int(MAX_DOC_SHARE * n_docs))
    sides = _neighbours(around, {run for run, count in df.items() if min_docs <= count <= max_docs})
    del around
    new: list[tuple[str, tuple[str, ...]]] = []
    seen: set[str] = set()
    for run, count in sorted(df.items(), key=lambda kv: (-kv[1], kv[0])):
        word = "".join(run)
        if word in seen or word in _learned or not min_docs <= count <= max_docs:
            continue
        seen.add(word)
        if count < 0.3 * min(part_df[p] for p in run) or _fragment(sides[run]) or _TOKENIZER.FREQ.get(word):
            continue
        new.append((word, run))
        if len(new) >= max_words:
            break
    with _LOCK:
        for word, run in new:
            _TOKENIZER.suggest_freq(word, tune=True)
            _learned[word] = run
    if new:
        tokens.cache_clear()
        terms.cache_clear()
        _term_set.cache_clear()
    return [w for w, _ in new]


def _neighbours(
    around: Counter[tuple[tuple[str, ...], str, str]], runs: set[tuple[str, ...]]
) -> dict[tuple[str, ...], tuple[Counter[str], Counter[str]]]:
    """Each listed run's left and right neighbour words with their counts."""
    out: dict[tuple[str, ...], tuple[Counter[str], Counter[str]]] = {r: (Counter(), Counter()) for r in runs}
    for (run, before, after), n in around.items():
        if run in out:
            out[run][0][before] += n
            out[run][1][after] += n
    return out


def _fragment(neighbours: tuple[Counter[str], Counter[str]]) -> bool:
    """Mostly glued to the same Chinese neighbour (大肠埃 + 希菌): part of a longer unit."""
    for side in neighbours:
        total = sum(side.values())
        top = [(n, w) for w, n in side.items() if w and _CJK_WORD.fullmatch(w) and w not in _GLUE]
        if top and max(top)[0] >= 0.5 * total:
            return True
    return False


def _compound_shape(run: tuple[str, ...]) -> bool:
    word = "".join(run)
    if not 3 <= len(word) <= MAX_PHRASE_CHARS or not _CJK_WORD.fullmatch(word):
        return False
    # Every part a content word or a non-glue character (芍药+苷), at least one a real word.
    if not all(is_content(p) if len(p) > 1 else p not in _GLUE for p in run):
        return False
    return any(len(p) > 1 for p in run)


def learned_vocabulary() -> dict[str, tuple[str, ...]]:
    """The compounds learned so far, with their parts."""
    return dict(_learned)
