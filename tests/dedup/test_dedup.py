"""Near-duplicate detection: kernels against a pure-Python reference, LSH maths, clusters, real groups."""
from __future__ import annotations

import importlib
import itertools
import json
import os
import random
import re
import subprocess
import sys

import numpy as np
import opencc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cleaner
from cleaner import Config, Document
from cleaner.dedup import signatures as signatures_module
from cleaner.dedup import (Signatures, Views, band_keys, choose_bands, dedup, exact_jaccard_in_groups, find_duplicates,
                           pair_groups, signatures_for)
from cleaner.dedup.compiled import kernel
from cleaner.dedup.lsh import WINDOW, candidate_probability
from cleaner.dedup.signatures import batches, permutations, signatures_of_views
from cleaner.dedup.view import comparison_view, comparison_words

from conftest import SEEDS

MASK64 = (1 << 64) - 1
STEP = 0x9E3779B97F4A7C15
CONFIG = Config()


# --- pure-Python reference of the kernels -------------------------------------------------------------

def ref_mix64(x: int) -> int:
    x ^= x >> 33
    x = (x * 0xFF51AFD7ED558CCD) & MASK64
    x ^= x >> 33
    x = (x * 0xC4CEB9FE1A85EC53) & MASK64
    return x ^ (x >> 33)


def ref_tokens(view: str, word_mode: bool) -> list[int]:
    if not word_mode:
        return [ord(c) for c in view]
    tokens = []
    for word in view.split(" "):
        if word:
            h = STEP
            for c in word:
                h = (h * STEP + ord(c)) & MASK64
            tokens.append(ref_mix64(h))
    return tokens


def ref_shingles(tokens: list[int], size: int) -> list[int]:
    out = []
    for s in range(len(tokens) - size + 1):
        h = size
        for t in tokens[s:s + size]:
            h = (h * STEP + t) & MASK64
        out.append(ref_mix64(h))
    return out


def ref_signature(view: str, word_mode: bool, size: int, num_perm: int) -> list[int] | None:
    shingles = ref_shingles(ref_tokens(view, word_mode), size)
    if not shingles:
        return None
    mult, add = permutations(num_perm)
    return [min((int(a) * (x >> 32) + int(b)) & 0xFFFFFFFF for x in shingles) for a, b in zip(mult, add)]


def ref_one_permutation(view: str, word_mode: bool, size: int, num_perm: int) -> list[int] | None:
    """One-permutation hashing with optimal densification, as the signatures module describes it."""
    shingles = ref_shingles(ref_tokens(view, word_mode), size)
    if not shingles:
        return None
    bins: dict[int, int] = {}
    for x in shingles:
        position = ((x >> 32) * num_perm) >> 32
        bins[position] = min(bins.get(position, 0xFFFFFFFF), x & 0xFFFFFFFF)
    out = []
    for p in range(num_perm):
        attempt = 1
        probe = p
        while probe not in bins:
            probe = ((ref_mix64((p * STEP + attempt) & MASK64) >> 32) * num_perm) >> 32
            attempt += 1
        out.append(bins[probe])
    return out


def ref_jaccard(view_a: str, view_b: str, size: int = 5) -> float:
    a = {view_a[i:i + size] for i in range(len(view_a) - size + 1)}
    b = {view_b[i:i + size] for i in range(len(view_b) - size + 1)}
    return len(a & b) / len(a | b)


# --- material --------------------------------------------------------------------------------------

def seed_sentences() -> list[str]:
    found = []
    for path in sorted(SEEDS.glob("*.txt")):
        for part in re.split(r"(?<=[。！？])", path.read_text(encoding="utf-8")):
            part = part.strip()
            if len(part) >= 12 and len(re.findall(r"[\u4e00-\u9fff]", part)) * 2 > len(part):
                found.append(part)
    return list(dict.fromkeys(found))


SENTENCES = seed_sentences()


def article(rng: random.Random, count: int = 30) -> list[str]:
    return rng.sample(SENTENCES, count)


def edited(sentences: list[str], rng: random.Random, share: float) -> list[str]:
    out = list(sentences)
    for i in rng.sample(range(len(out)), int(round(share * len(out)))):
        out[i] = rng.choice(SENTENCES)
    return out


# --- kernels ---------------------------------------------------------------------------------------

view_text = st.text(alphabet=st.sampled_from("天地人和平安的是了中国abc1"), max_size=40)
word_view = st.lists(st.text(alphabet="abcdé", min_size=1, max_size=6), max_size=12).map(" ".join)


def edited_pairs(rng: random.Random, n: int = 60) -> list[tuple[str, str]]:
    """``n`` (article, a copy with up to half its sentences edited) pairs."""
    pairs = []
    for _ in range(n):
        base = article(rng)
        pairs.append(("".join(base), "".join(edited(base, rng, rng.uniform(0.0, 0.5)))))
    return pairs


@pytest.mark.parametrize("one_permutation", [False, True])
@settings(max_examples=60, deadline=None)
@given(views=st.lists(st.one_of(view_text.map(lambda v: (v, False)), word_view.map(lambda v: (v, True))),
                      min_size=1, max_size=6),
       num_perm=st.sampled_from([1, 7, 16, 128]))
def test_signature_kernels_equal_their_python_reference(one_permutation, views, num_perm):
    config = Config(num_perm=num_perm, cjk_shingle_size=3, word_shingle_size=2, one_permutation=one_permutation)
    reference = ref_one_permutation if one_permutation else ref_signature
    flat = Views.from_strings([v for v, _ in views], np.array([w for _, w in views]))
    sigs = signatures_of_views(flat, config)
    for i, (view, word_mode) in enumerate(views):
        expected = reference(view, word_mode, 2 if word_mode else 3, num_perm)
        assert sigs.has_signature[i] == (expected is not None)
        if expected is not None:
            assert sigs.minhash[i].tolist() == expected
        assert (sigs.exact[i] == 0) == (not ref_tokens(view, word_mode))


def test_one_permutation_estimate_is_unbiased_and_finds_the_same_groups():
    config = Config(one_permutation=True)
    pairs = edited_pairs(random.Random(21))
    texts = [t for pair in pairs for t in pair]
    sigs = signatures_for(texts, config)
    errors = np.array([np.mean(sigs.minhash[2 * k] == sigs.minhash[2 * k + 1])
                       - ref_jaccard(comparison_view(a), comparison_view(b)) for k, (a, b) in enumerate(pairs)])
    assert abs(errors.mean()) < 0.02 and np.abs(errors).max() < 0.2
    assert dedup(texts, config=config).clusters == dedup(texts).clusters


def test_signatures_do_not_depend_on_the_batch():
    rng = random.Random(1)
    texts = ["".join(article(rng, 8)) for _ in range(6)]
    whole = signatures_for(texts, CONFIG)
    parts = Signatures.concat([signatures_for(texts[:2], CONFIG), signatures_for(texts[2:], CONFIG)])
    assert np.array_equal(whole.minhash, parts.minhash)
    assert np.array_equal(whole.exact, parts.exact)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 40), max_size=30), st.integers(1, 8), st.integers(1, 100))
def test_batches_keep_order_and_bounds(lengths, most_texts, most_characters):
    texts = ["字" * k for k in lengths]
    with pytest.MonkeyPatch.context() as m:
        m.setattr(signatures_module, "BATCH_TEXTS", most_texts)
        m.setattr(signatures_module, "BATCH_CHARACTERS", most_characters)
        got = list(batches(iter(texts)))
    assert [t for batch in got for t in batch] == texts
    for batch in got:
        assert 0 < len(batch) <= most_texts
        assert len(batch) == 1 or sum(map(len, batch)) <= most_characters


def test_signatures_in_small_batches_equal_one_batch(monkeypatch):
    rng = random.Random(5)
    texts = ["".join(article(rng, 8)) for _ in range(9)]
    whole = signatures_for(texts, CONFIG)
    monkeypatch.setattr(signatures_module, "BATCH_CHARACTERS", 300)
    small = signatures_for(texts, CONFIG)
    assert np.array_equal(whole.minhash, small.minhash) and np.array_equal(whole.exact, small.exact)
    assert np.array_equal(whole.has_signature, small.has_signature)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), max_size=25), st.integers(1, 60))
def test_pair_groups_cover_the_pairs_in_order_within_the_budget(pairs, budget):
    lengths = np.arange(1, 11) * 3
    pairs = np.array(pairs, dtype=np.int64).reshape(-1, 2)
    groups = list(pair_groups(pairs, lengths, budget))
    assert np.array_equal(np.concatenate(groups) if groups else np.zeros(0), np.arange(len(pairs)))
    for group in groups:
        assert len(group) == 1 or lengths[np.unique(pairs[group])].sum() <= budget


def test_exact_check_in_groups_equals_one_group(monkeypatch):
    rng = random.Random(6)
    base = article(rng)
    texts = ["".join(base), "".join(edited(base, rng, 0.2)), "".join(article(rng)), "".join(edited(base, rng, 0.1))]
    pairs = np.array([[0, 1], [0, 3], [1, 3], [2, 3], [0, 2]])
    whole = Views.from_texts(texts).exact_jaccard(pairs, CONFIG)
    budget = max(map(len, texts)) * 2  # at most two texts normalised at a time
    lengths = np.array([len(t) for t in texts])
    seen = []

    def views_of(rows):
        seen.append(rows.tolist())
        return Views.from_texts([texts[i] for i in rows.tolist()])

    monkeypatch.setattr(importlib.import_module("cleaner.dedup"), "pair_groups", lambda p, n: pair_groups(p, n, budget))
    assert np.array_equal(exact_jaccard_in_groups(pairs, lengths, views_of, CONFIG), whole)
    assert len(seen) > 1 and all(lengths[rows].sum() <= budget for rows in seen)


def test_estimate_is_unbiased_against_exact_jaccard():
    pairs = edited_pairs(random.Random(2))
    texts = [t for pair in pairs for t in pair]
    sigs = signatures_for(texts, CONFIG)
    errors = []
    for k, (a, b) in enumerate(pairs):
        estimate = np.mean(sigs.minhash[2 * k] == sigs.minhash[2 * k + 1])
        errors.append(estimate - ref_jaccard(comparison_view(a), comparison_view(b)))
    errors = np.array(errors)
    # sd of one estimate is at most 0.044 (J = 0.5, 128 permutations): the mean of 60 is within 0.02
    assert abs(errors.mean()) < 0.02
    assert np.abs(errors).max() < 0.2


def test_exact_jaccard_equals_python_sets():
    rng = random.Random(3)
    base = article(rng)
    texts = ["".join(base), "".join(edited(base, rng, 0.2)), "".join(article(rng))]
    views = Views.from_texts(texts)
    got = views.exact_jaccard(np.array([[0, 1], [0, 2], [1, 1]]), CONFIG)
    plain = [comparison_view(t) for t in texts]
    assert got == pytest.approx([ref_jaccard(plain[0], plain[1]), ref_jaccard(plain[0], plain[2]), 1.0])


def test_english_text_gets_word_shingles():
    views = Views.from_texts(["The quick brown fox, jumps over the lazy dog.", "今天的天气很好，我们去公园。"])
    assert views.word_mode.tolist() == [True, False]
    first = "".join(chr(c) for c in views.codepoints[views.offsets[0]:views.offsets[1]])
    assert first.split(" ") == comparison_words("The quick brown fox, jumps over the lazy dog.")


def test_kernel_compiles_without_a_cache_location():
    namespace = {"kernel": kernel}
    exec("@kernel()\ndef add_one(x):\n    return x + 1\n", namespace)  # no source file: nowhere to cache
    assert namespace["add_one"](41) == 42


# --- LSH ---------------------------------------------------------------------------------------------

@settings(max_examples=50, deadline=None)
@given(threshold=st.floats(0.3, 0.95), num_perm=st.sampled_from([32, 64, 128, 256]))
def test_bands_reach_the_recall_target_with_the_most_rows(threshold, num_perm):
    bands, rows = choose_bands(threshold, num_perm)
    assert bands * rows <= num_perm
    assert candidate_probability(threshold, bands, rows) >= 0.995
    if rows < num_perm:
        assert candidate_probability(threshold, num_perm // (rows + 1), rows + 1) < 0.995


def test_default_bands_for_0_8():
    assert choose_bands(0.8, 128) == (21, 6)


def test_band_keys_shared_by_near_duplicates_only():
    rng = random.Random(4)
    base = article(rng)
    texts = ["".join(base), "".join(edited(base, rng, 0.03)), "".join(article(rng))]
    keys = band_keys(signatures_for(texts, CONFIG), CONFIG)
    assert keys.shape == (3, 21) and keys.dtype == np.uint64
    assert (keys[0] == keys[1]).any()
    assert not (keys[0] == keys[2]).any()


# --- dedup -------------------------------------------------------------------------------------------

def test_repost_traditional_copy_and_chrome_cluster_with_the_original():
    rng = random.Random(5)
    base = article(rng)
    original = "\n".join(base)
    texts = [
        original,
        "\n".join(edited(base, rng, 0.05)),                               # a changed paragraph
        opencc.OpenCC("s2t").convert(original),                           # Traditional script
        "首页 > 新闻 > 正文\n" + original.replace("，", ", ") + "\n责任编辑：王芳",  # chrome, punctuation
        "\n".join(article(rng)),                                          # unrelated
    ]
    result = dedup(texts)
    assert result.clusters == [[0, 1, 2, 3]]
    assert result.duplicate_of[4] is None
    assert result.duplicate_of[2] is not None and result.similarity[2] == 1.0  # same normalised view


def test_representative_is_the_longest_then_the_earliest():
    rng = random.Random(6)
    base = article(rng)
    short = "".join(base[:-1])
    full = "".join(base)
    result = dedup([short, full, full, short])
    assert result.clusters == [[0, 1, 2, 3]]
    assert result.representative == [1, 1, 1, 1]
    assert result.duplicate_of == [1, None, 1, 0]  # 3 is confirmed against its exact copy, 0
    assert result.similarity[2] == result.similarity[3] == 1.0 and 0.8 <= result.similarity[0] < 1.0


def chain(rng: random.Random, words: int = 400, step: int = 40) -> list[str]:
    """A, B, C: each drops ``step`` words from the front of the one before and adds ``step`` new ones at
    the end, so A~B and B~C share most shingles but A and C fewer."""
    vocabulary = [f"w{k}" for k in range(20000)]
    body = rng.sample(vocabulary, words + 2 * step)
    return [" ".join(body[k * step:k * step + words]) + "." for k in range(3)]


def test_a_member_reached_through_a_chain_points_at_its_neighbour():
    a, b, c = chain(random.Random(11))
    a = a + " " + " ".join(f"x{k}" for k in range(3))  # the longest, so A represents the chain
    config = Config(threshold=0.7)
    views = Views.from_texts([a, b, c])
    jaccard = views.exact_jaccard(np.array([[0, 1], [1, 2], [0, 2]]), config)
    assert jaccard[0] >= 0.7 and jaccard[1] >= 0.7 and jaccard[2] < 0.7, jaccard
    result = dedup([a, b, c], threshold=0.7, exact_jaccard=True)
    assert result.clusters == [[0, 1, 2]] and result.representative == [0, 0, 0]
    assert result.duplicate_of == [None, 0, 1]  # C was never confirmed against A
    edge = {tuple(e): s for e, s in zip(result.edges.tolist(), result.edge_similarity.tolist())}
    assert result.similarity[2] == edge[(1, 2)] and result.similarity[1] == edge[(0, 1)]


def test_every_reported_pair_is_confirmed_with_the_exact_check():
    rng = random.Random(12)
    texts = []
    for _ in range(60):
        texts.extend(chain(rng, words=300, step=rng.choice([20, 35, 50])))
    texts.extend("\n".join(article(rng)) for _ in range(40))
    rng.shuffle(texts)
    config = Config(threshold=0.7)
    result = dedup(texts, threshold=0.7, exact_jaccard=True)
    pairs = np.array([(i, d) for i, d in enumerate(result.duplicate_of) if d is not None])
    assert len(pairs) > 60
    jaccard = Views.from_texts(texts).exact_jaccard(pairs, config)
    assert (jaccard >= 0.7).all()
    edges = {tuple(e) for e in result.edges.tolist()}
    assert all((min(i, d), max(i, d)) in edges for i, d in pairs.tolist())
    for i, d in pairs.tolist():
        assert result.representative[i] == result.representative[d] != i


def test_short_texts_match_exactly_and_never_all_collide():
    texts = ["你好", "再见", "你好！", "谢谢", "", "。。", "ok", "Ok."]
    result = dedup(texts)
    assert sorted(result.clusters) == [[0, 2], [6, 7]]  # empty views ("", "。。") match nothing


def test_documents_and_strings_both_accepted_and_public_api():
    rng = random.Random(7)
    text = "".join(article(rng))
    result = cleaner.dedup([Document(text=text), text], threshold=0.9)
    assert result.clusters == [[0, 1]]


def test_exact_check_separates_pairs_just_below_the_threshold():
    rng = random.Random(8)
    texts, truth = [], []
    for _ in range(40):
        base = article(rng)
        copy = edited(base, rng, rng.uniform(0.05, 0.2))
        texts += ["".join(base), "".join(copy)]
        truth.append(ref_jaccard(comparison_view(texts[-2]), comparison_view(texts[-1])))
    result = dedup(texts, exact_jaccard=True)
    for k, j in enumerate(truth):
        together = result.duplicate_of[2 * k] == 2 * k + 1 or result.duplicate_of[2 * k + 1] == 2 * k
        assert together == (j >= 0.8), (k, j)


def test_signatures_on_disk_give_the_same_result(tmp_path):
    rng = random.Random(9)
    base = article(rng)
    texts = ["".join(base), "".join(edited(base, rng, 0.05)), "".join(article(rng)), "".join(base)]
    parts = [signatures_for(texts[:2], CONFIG), signatures_for(texts[2:], CONFIG)]
    on_disk = Signatures.concat(parts, path=tmp_path / "sigs")
    assert isinstance(on_disk.minhash, np.memmap)
    lengths = np.array([len(t) for t in texts])
    in_memory = find_duplicates(Signatures.concat(parts), lengths, CONFIG)
    assert find_duplicates(on_disk, lengths, CONFIG).clusters == in_memory.clusters == [[0, 1, 3]]
    reloaded = Signatures.load(tmp_path / "sigs", mmap=False)
    assert reloaded.minhash.dtype == np.uint32
    assert np.array_equal(reloaded.minhash, Signatures.concat(parts).minhash)
    assert np.array_equal(reloaded.exact, Signatures.concat(parts).exact)


# --- properties ---------------------------------------------------------------------------------------

@st.composite
def corpora(draw):
    """Small corpora: a few base articles, copies with edits of various sizes, exact copies, short texts."""
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    bases = [article(rng, 12) for _ in range(draw(st.integers(1, 4)))]
    texts = ["".join(b) for b in bases]
    for _ in range(draw(st.integers(0, 6))):
        texts.append("".join(edited(rng.choice(bases), rng, draw(st.sampled_from([0.0, 0.1, 0.3, 0.6])))))
    texts += draw(st.lists(st.sampled_from(["", "你好", "短句。", "ok"]), max_size=3))
    return texts


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=corpora(), data=st.data())
def test_clusters_do_not_depend_on_input_order(texts, data):
    order = data.draw(st.permutations(range(len(texts))))
    first = dedup(texts)
    second = dedup([texts[i] for i in order])
    as_sets = {frozenset(c) for c in first.clusters}
    assert {frozenset(order[i] for i in c) for c in second.clusters} == as_sets


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=corpora(), copies=st.lists(st.integers(0, 100), min_size=1, max_size=3))
def test_identical_texts_always_cluster_and_nothing_is_its_own_duplicate(texts, copies):
    texts = list(texts)
    for c in copies:
        texts.append(texts[c % len(texts)])
    result = dedup(texts)
    root = {}
    for cluster in result.clusters:
        for i in cluster:
            root[i] = cluster[0]
    for i, j in itertools.combinations(range(len(texts)), 2):
        if texts[i] == texts[j] and comparison_view(texts[i]):
            assert i in root and root[i] == root.get(j)
    for i, d in enumerate(result.duplicate_of):
        assert d != i
        assert (d is None) == (result.similarity[i] is None)
        if d is not None:
            assert root[i] == root[d] and result.duplicate_of[result.representative[i]] is None
            assert (min(i, d), max(i, d)) in {tuple(e) for e in result.edges.tolist()}


# --- real near-duplicate groups -------------------------------------------------------------------------

def check_groups(texts: list[str], groups: list[str], result, threshold: float) -> int:
    """Pairs of one group above the threshold share a cluster; no cluster spans two groups."""
    views = Views.from_texts(texts)
    label = {}
    for k, cluster in enumerate(result.clusters):
        assert len({groups[i] for i in cluster}) == 1, [groups[i] for i in cluster]
        for i in cluster:
            label[i] = k
    pairs = [(i, j) for i, j in itertools.combinations(range(len(texts)), 2) if groups[i] == groups[j]]
    jaccard = views.exact_jaccard(np.array(pairs), CONFIG)
    above = 0
    for (i, j), value in zip(pairs, jaccard):
        if value >= threshold:
            above += 1
            assert i in label and label[i] == label.get(j), (i, j, value)
    return above


def test_copietje_groups(realworld):
    files = sorted((realworld / "neardup" / "copietje").glob("[0-9]*_*.txt"))
    texts = [f.read_text(encoding="utf-8") for f in files]
    groups = [f.name.split("_")[0] for f in files]
    result = dedup(texts, exact_jaccard=True)
    assert check_groups(texts, groups, result, 0.8) >= 5


def test_news_edit_versions(realworld):
    lines = (realworld / "neardup" / "copietje" / "news_edits_versions.jsonl").read_text(encoding="utf-8")
    rows = [json.loads(line) for line in lines.splitlines() if line.strip()]
    texts = [r["text"] for r in rows]
    result = dedup(texts, exact_jaccard=True)
    assert check_groups(texts, [r["cluster"] for r in rows], result, 0.8) >= 10


def test_a_bucket_larger_than_the_window_stays_one_cluster():
    rng = random.Random(10)
    base = article(rng, 60)
    texts = []
    for i in range(80):  # every copy differs from the base in one sentence: one LSH bucket of 80
        copy = list(base)
        copy[i % 60] = rng.choice(SENTENCES)
        texts.append("".join(copy))
    result = dedup(texts)
    assert WINDOW < 80 and result.clusters == [list(range(80))]
    assert sum(d is None for d in result.duplicate_of) == 1


@pytest.mark.slow
def test_second_process_loads_compiled_kernels_from_the_cache(tmp_path):
    """With ``NUMBA_CACHE_DIR`` (how a read-only install keeps a cache), a second run does not compile."""
    script = (
        "from cleaner import Config\n"
        "from cleaner.dedup import signatures_for\n"
        "from cleaner.dedup.signatures import _minhash_batch\n"
        "signatures_for(['今天天气很好我们去公园散步', 'the quick brown fox jumps'], Config())\n"
        "print(sum(_minhash_batch.stats.cache_hits.values()))\n"
    )
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    runs = [subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
            for _ in range(2)]
    assert [r.stdout.strip() for r in runs] == ["0", "1"]
    assert any(tmp_path.rglob("*.nbi"))


# --- datasketch interop ---------------------------------------------------------------------------------

def test_datasketch_lsh_over_converted_signatures_finds_the_same_candidates():
    from datasketch import MinHashLSH

    from cleaner.dedup.signatures import PERMUTATION_SEED

    rng = random.Random(13)
    bases = [article(rng, 20) for _ in range(8)]
    texts = ["".join(b) for b in bases]
    texts += ["".join(edited(rng.choice(bases), rng, rng.choice([0.0, 0.05, 0.15, 0.3, 0.5]))) for _ in range(30)]
    texts.append("短")  # no signature
    sigs = signatures_for(texts, CONFIG)
    lean = sigs.to_lean_minhash()
    assert lean[-1] is None and lean[0].seed == PERMUTATION_SEED and len(lean[0]) == CONFIG.num_perm
    bands, rows = choose_bands(CONFIG.threshold, CONFIG.num_perm)
    lsh = MinHashLSH(threshold=CONFIG.threshold, num_perm=CONFIG.num_perm, params=(bands, rows))
    for i, m in enumerate(lean):
        if m is not None:
            lsh.insert(i, m)
    theirs = {(i, j) for i, m in enumerate(lean) if m is not None for j in lsh.query(m) if i < j}
    keys = band_keys(sigs, CONFIG)
    ours = {(i, j) for i, j in itertools.combinations(range(len(texts)), 2)
            if sigs.has_signature[i] and sigs.has_signature[j] and (keys[i] == keys[j]).any()}
    assert theirs == ours and len(ours) > 20
    # and datasketch's estimate is cleaner's
    i, j = min(ours)
    assert lean[i].jaccard(lean[j]) == np.mean(sigs.minhash[i] == sigs.minhash[j])
