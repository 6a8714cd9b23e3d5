"""The persisted index: crawl after crawl equals one run over all crawls; safe against a kill."""
from __future__ import annotations

import json
import random

import numpy as np
import opencc
import pytest

from cleaner import Config, DedupIndex, dedup
from cleaner.dedup import Signatures, band_keys, choose_bands
from cleaner.dedup import lsh
from cleaner.dedup.index import IndexMatches
from cleaner.dedup.view import comparison_view
from cleaner.stages.spin import load_spin_lexicon

from test_dedup import SENTENCES, article, edited


def spun(text: str) -> str:
    """``text`` with normal words swapped for their spun forms, as a content farm does (each swap kept
    where the view maps it back)."""
    for pair in load_spin_lexicon().pairs:
        if pair.kind == "spin" and pair.normal in text:
            swapped = text.replace(pair.normal, pair.spun)
            if comparison_view(swapped) == comparison_view(text):
                text = swapped
    return text


def crawls(seed: int = 0) -> tuple[list[str], list[str], list[str], list[str]]:
    rng = random.Random(seed)
    first = ["".join(article(rng, 20)) for _ in range(12)]
    first[2] = "".join(s for s in SENTENCES if spun(s) != s)[:600]  # sentences with words a spinner swaps
    first.append("".join(edited(SENTENCES[:20], rng, 0.05)))
    first.append(first[0])  # an exact copy inside the first crawl
    second = [
        opencc.OpenCC("s2t").convert(first[1]),          # across scripts
        spun(first[2]),                                  # spun
        first[3],                                        # reposted as is
        first[4] + "".join(article(rng, 1)),              # longer: becomes the representative
        *("".join(article(rng, 20)) for _ in range(5)),   # new articles
    ]
    second.append(second[-1])  # an exact copy inside the second crawl
    return first, [f"a{k}" for k in range(len(first))], second, [f"b{k}" for k in range(len(second))]


def joint(first, ids_first, second, ids_second) -> IndexMatches:
    """The second crawl's fields in one dedup run over both crawls."""
    ids = ids_first + ids_second
    result = dedup(first + second)
    name = lambda i: None if i is None else ids[i]  # noqa: E731
    k = len(first)
    return IndexMatches([name(d) for d in result.duplicate_of[k:]], result.similarity[k:],
                        [name(r) for r in result.representative[k:]])


def test_second_crawl_flags_equal_one_run_over_both(tmp_path):
    first, ids_first, second, ids_second = crawls()
    assert spun(first[2]) != first[2]
    index = DedupIndex(tmp_path / "idx")
    got_first = index.add(first, ids_first)
    assert got_first == joint([], [], first, ids_first)
    got = DedupIndex(tmp_path / "idx").add(iter(second), ids_second)  # reopened from disk
    assert got == joint(first, ids_first, second, ids_second)
    assert got.duplicate_of[0] == "a1" and got.cluster[0] == "a1"  # Traditional copy of a1
    assert got.duplicate_of[1] == "a2" and got.cluster[1] == "a2"  # spun copy of a2
    assert got.duplicate_of[2] == "a3"
    assert got.duplicate_of[3] is None and got.cluster[3] == "b3"  # the longer copy represents its cluster
    assert got.duplicate_of[-1] == "b8" and got.cluster[-1] == "b8"
    assert len(DedupIndex(tmp_path / "idx")) == len(first) + len(second)


def test_third_crawl_flags_equal_one_run_over_all_three(tmp_path):
    first, ids_first, second, ids_second = crawls(5)
    rng = random.Random(105)  # not the crawls' seed, or the new article would be first[0] again
    third = [second[0], first[5], second[5], "".join(article(rng, 20))]
    ids_third = [f"c{k}" for k in range(len(third))]
    DedupIndex(tmp_path / "idx").add(first, ids_first)
    DedupIndex(tmp_path / "idx").add(second, ids_second)
    got = DedupIndex(tmp_path / "idx").add(third, ids_third)
    assert got == joint(first + second, ids_first + ids_second, third, ids_third)
    assert got.cluster[0] == "a1" and got.duplicate_of[1] == "a5" and got.duplicate_of[2] == "b5"
    assert got.cluster[3] is None


def test_an_add_hashes_band_keys_of_the_new_documents_only(tmp_path, monkeypatch):
    first, ids_first, second, ids_second = crawls(6)
    DedupIndex(tmp_path / "idx").add(first, ids_first)
    hashed = []
    real = lsh._band_key

    def counting(minhash, rows_of, first_column, rows):
        hashed.append(len(rows_of))
        return real(minhash, rows_of, first_column, rows)

    monkeypatch.setattr(lsh, "_band_key", counting)
    index = DedupIndex(tmp_path / "idx")
    got = index.add(second, ids_second)
    bands, _ = choose_bands(index.config.threshold, index.config.num_perm)
    assert sum(hashed) == len(second) * bands  # the stored documents' keys are read, not computed again
    assert got == joint(first, ids_first, second, ids_second)
    stored, keys, *_ = index._stored(len(index))
    monkeypatch.setattr(lsh, "_band_key", real)
    assert np.array_equal(keys, band_keys(Signatures(np.array(stored.minhash), stored.exact, stored.has_signature),
                                          index.config))


def test_an_index_without_band_keys_asks_for_a_rebuild(tmp_path):
    DedupIndex(tmp_path / "idx").add(["今天天气很好我们去公园散步吧"], ["x"])
    state = json.loads((tmp_path / "idx" / "state.json").read_text("utf-8"))
    del state["bands"]
    (tmp_path / "idx" / "state.json").write_text(json.dumps(state), "utf-8")
    with pytest.raises(ValueError, match="rebuild"):
        DedupIndex(tmp_path / "idx")


def test_query_leaves_the_index_alone(tmp_path):
    first, ids_first, second, ids_second = crawls(1)
    index = DedupIndex(tmp_path / "idx")
    index.add(first, ids_first)
    before = sorted((p.name, p.stat().st_size) for p in (tmp_path / "idx").iterdir())
    assert index.query(second, ids_second) == joint(first, ids_first, second, ids_second)
    assert sorted((p.name, p.stat().st_size) for p in (tmp_path / "idx").iterdir()) == before
    assert len(index) == len(first)


class Killed(BaseException):
    pass


def test_a_kill_before_the_commit_leaves_the_index_as_it_was(tmp_path, monkeypatch):
    first, ids_first, second, ids_second = crawls(2)
    DedupIndex(tmp_path / "idx").add(first, ids_first)

    def kill(self):
        raise Killed

    with monkeypatch.context() as m:
        m.setattr(DedupIndex, "_commit", kill)
        with pytest.raises(Killed):
            DedupIndex(tmp_path / "idx").add(second, ids_second)
    assert len(DedupIndex(tmp_path / "idx")) == len(first)  # the appended bytes are not committed
    with open(tmp_path / "idx" / "signatures.u32", "ab") as f:
        f.write(b"\x01\x02\x03")  # and a torn write past them does no harm either
    got = DedupIndex(tmp_path / "idx").add(second, ids_second)
    assert got == joint(first, ids_first, second, ids_second)
    assert len(DedupIndex(tmp_path / "idx")) == len(first) + len(second)


def test_adding_a_committed_batch_again_returns_its_fields(tmp_path):
    first, ids_first, second, ids_second = crawls(3)
    index = DedupIndex(tmp_path / "idx")
    index.add(first, ids_first)
    once = index.add(second, ids_second)
    assert DedupIndex(tmp_path / "idx").add(second, ids_second) == once  # a rerun after a late kill
    assert len(DedupIndex(tmp_path / "idx")) == len(first) + len(second)
    with pytest.raises(ValueError, match="new to the index"):
        index.add(second[:2], ids_second[:2])


def test_an_index_keeps_its_config(tmp_path):
    DedupIndex(tmp_path / "idx").add(["今天天气很好我们去公园散步吧"], ["x"])
    with pytest.raises(ValueError, match="index made with"):
        DedupIndex(tmp_path / "idx", Config(threshold=0.7))


def test_size_per_document(tmp_path):
    rng = random.Random(4)
    texts = ["".join(article(rng, 40)) for _ in range(50)]
    DedupIndex(tmp_path / "idx").add(texts, [f"doc-{k:06d}" for k in range(len(texts))])
    size = sum(p.stat().st_size for p in (tmp_path / "idx").iterdir())
    characters = sum(map(len, texts)) / len(texts)
    per_document = size / len(texts)
    print(f"{per_document:.0f} bytes a document of {characters:.0f} characters")
    fixed = 4 * 128 + 8 * choose_bands(0.8, 128)[0] + 25  # signature, band keys, the fixed-width columns
    assert fixed == 705  # as the module docstring says
    assert fixed < per_document < fixed + 20 + characters * 1.5  # 1.2 bytes a character here
