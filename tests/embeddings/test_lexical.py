"""Chinese-aware tokenising and the updatable TF-IDF index."""

from __future__ import annotations

import math

import numpy as np

from embeddings.lexical import LexicalIndex, latin_terms, tokenize


def test_mixed_script_terms_stay_whole() -> None:
    toks = tokenize("针对GLP-1受体激动剂与CAR-T疗法，监测PM2.5和Ti-6Al-4V")
    for term in ("glp-1", "car-t", "pm2.5", "ti-6al-4v"):
        assert term in toks
    assert "激动" in toks and "剂" in toks  # CJK bigrams and unigrams
    assert latin_terms("ＧＬＰ－１　5G") == ["glp-1", "5g"]  # full-width normalised


def _scores(ix: LexicalIndex, text: str) -> dict[int, float]:
    s = ix.score_all(text)
    return {int(i): float(v) for i, v in zip(s.ids, s.scores, strict=True) if i >= 0}


def test_index_updates_are_visible_and_match_a_rebuild() -> None:
    docs = {1: "锂电池负极材料低温性能", 2: "工业视觉缺陷检测", 3: "GLP-1缓释微球制剂"}
    ix = LexicalIndex(compact_every=100)
    ix.add_many(list(docs.items()))
    assert max(_scores(ix, "GLP-1微球").items(), key=lambda kv: kv[1])[0] == 3
    ix.add(4, "CAR-T细胞治疗工艺")  # lives in the delta
    ix.add(2, "农药残留降解菌剂")  # replaced text
    ix.remove(1)
    got = _scores(ix, "CAR-T 细胞")
    assert 1 not in got and max(got, key=lambda k: got[k]) == 4
    assert _scores(ix, "视觉缺陷").get(2, 0.0) == 0.0
    fresh = LexicalIndex()
    fresh.add_many([(2, "农药残留降解菌剂"), (3, docs[3]), (4, "CAR-T细胞治疗工艺")])
    a, b = _scores(ix, "农药降解"), _scores(fresh, "农药降解")
    assert set(a) == set(b)
    assert np.argmax([a[k] for k in sorted(a)]) == np.argmax([b[k] for k in sorted(b)])


def test_lookup_and_similarity() -> None:
    ix = LexicalIndex()
    ix.add_many([(7, "石墨烯负极"), (8, "激光传感器")])
    s = ix.score_all("石墨烯")
    assert s.lookup(np.array([7, 8, 99]))[0] > 0 and s.lookup(np.array([99]))[0] == 0
    assert ix.similarity("石墨烯负极材料", "石墨烯负极") > ix.similarity("激光", "石墨烯负极")


def test_bulk_build_scores_each_document_as_its_tfidf_cosine_and_forgets_removed_terms() -> None:
    texts = {
        1: "锂电池负极材料低温性能",
        2: "工业视觉缺陷检测，低温环境",
        3: "GLP-1缓释微球制剂",
        4: "农药残留降解菌剂",
        5: "负极材料石墨烯改性",
    }
    ix = LexicalIndex()
    ix.add_many((i, t) for i, t in texts.items())  # a generator, read once
    query = "低温下的锂电池负极"
    cols, weights = ix.query_vector(query)
    got = _scores(ix, query)
    for doc_id, text in texts.items():
        doc = ix.text_vector(text)  # under the final idf, as the bulk build weighs every row
        want = sum(w * doc.get(c, 0.0) for c, w in zip(cols.tolist(), weights.tolist(), strict=True))
        assert abs(got.get(doc_id, 0.0) - want) < 1e-6
    assert max(got, key=lambda k: got[k]) == 1
    ix.remove(1)  # the only document with 锂电: its terms leave the document frequencies
    assert ix.idf("锂电") == math.log((1 + 4) / (1 + 0)) + 1.0
    assert ix.idf("负极") == math.log((1 + 4) / (1 + 1)) + 1.0
