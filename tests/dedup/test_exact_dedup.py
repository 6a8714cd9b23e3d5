"""clean-corpus decides near-threshold pairs by exact Jaccard (on by default), as ``cleaner.dedup`` does."""
from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

import numpy as np

from cleaner import Config, dedup
from cleaner.cli import main
from cleaner.dedup import Views

from conftest import ROOT


def _near_threshold_corpus(folder: Path) -> Path:
    """Planted copies with up to 20% of their sentences replaced: true similarities straddle 0.8."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from corpus import generate
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    corpus = generate(1200, seed=11, duplicate_share=0.5, max_rate=0.2, pool_size=5000)
    path = folder / "in.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        for i, text in enumerate(corpus.texts):
            f.write(json.dumps({"id": f"d{i}", "text": text}, ensure_ascii=False) + "\n")
    return path


def test_cli_duplicates_agree_with_exact_dedup_and_are_precise(tmp_path):
    out = tmp_path / "out.jsonl"
    assert main([str(_near_threshold_corpus(tmp_path)), "-o", str(out), "--workers", "2"]) == 0
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    texts = [r["text"] for r in records]
    position = {r["id"]: i for i, r in enumerate(records)}

    expected = dedup(texts, exact_jaccard=True)
    assert [None if r["duplicate_of"] is None else position[r["duplicate_of"]] for r in records] \
        == expected.duplicate_of
    assert [r["similarity"] for r in records] == expected.similarity
    assert dedup(texts, exact_jaccard=False).duplicate_of != expected.duplicate_of  # border pairs decided

    # Every flagged record has a cluster-mate it truly duplicates (members of a chain may not reach the
    # representative itself), and every confirmed pair reaches the threshold.
    views, config = Views.from_texts(texts), Config()
    clusters: dict[str, list[int]] = {}
    for i, r in enumerate(records):
        if r["cluster"] is not None:
            clusters.setdefault(r["cluster"], []).append(i)
    pairs = np.array([p for members in clusters.values() for p in itertools.combinations(members, 2)])
    jaccard = views.exact_jaccard(pairs, config)
    justified = {i for (a, b), j in zip(pairs.tolist(), jaccard) if j >= config.threshold for i in (a, b)}
    clustered = [i for members in clusters.values() for i in members]
    assert len(clustered) > 300
    assert len(justified) / len(clustered) >= 0.99
    assert (views.exact_jaccard(expected.edges, config) >= config.threshold).mean() >= 0.99
