"""Synthetic Chinese news corpus with planted near-duplicates of known edit rates, for the dedup benchmark.

Clauses (text between Chinese punctuation) are cut from real pages: the project's seeds and the gold text
of ``../shared/realworld/extraction``. Sentences are 1 to 3 random clauses; an article is random sentences
in paragraphs, 800 to 3,000 characters. Each planted copy starts from a base article and applies one edit:

- ``paragraph``: a share ``rate`` of the sentences replaced by other sentences (a reposted, edited copy)
- ``truncate``: the last share ``rate`` of the sentences dropped
- ``chrome``: site navigation, bylines and copyright lines around the text, plus a ``rate`` share replaced
- ``traditional``: converted to Traditional script (OpenCC s2t), plus a ``rate`` share replaced
- ``punctuation``: full-width punctuation swapped for ASCII and spaces added, plus a ``rate`` share replaced

Rates are drawn uniformly from [0, ``max_rate``], so true similarities spread across the threshold.
Generation is vectorised over sentence indices; 100,000 articles take a few seconds.

    python benchmarks/corpus.py -n 10000 -o corpus.jsonl    # one {"text", "group", "edit", "rate"} a line
"""
from __future__ import annotations

import argparse
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import opencc

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
REALWORLD = ROOT.parent / "shared" / "realworld"

EDITS = ("paragraph", "truncate", "chrome", "traditional", "punctuation")
CHROME_HEAD = ("首页 > 新闻中心 > 正文", "当前位置：首页 >> 国内新闻", "来源：新华网  编辑：李明", "【字号 大 中 小】 打印本页",
               "发布时间：2024-05-12 08:30:00 来源：大众网", "您的位置：网站首页 > 社会")
CHROME_TAIL = ("责任编辑：王芳", "版权所有 © 2024 本网站 保留一切权利", "相关阅读：", "分享到：微信 微博 QQ空间",
               "扫一扫，关注我们的微信公众号", "免责声明：本文仅代表作者观点，与本站无关。", "上一篇：返回列表  下一篇：无")
_CLAUSE_END = re.compile(r"[，。！？；：、,!?;\n]+")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_TO_ASCII = str.maketrans({"，": ", ", "。": ". ", "！": "! ", "？": "? ", "；": "; ", "：": ": ", "“": '"', "”": '"'})


@dataclass
class Corpus:
    """``texts[i]`` and where it came from: ``group[i]`` (its base article's index; its own for bases),
    ``edit[i]`` (``"base"`` or one of :data:`EDITS`) and ``rate[i]`` (share of sentences changed)."""

    texts: list[str]
    group: np.ndarray
    edit: list[str]
    rate: np.ndarray


def clauses(min_chars: int = 6) -> list[str]:
    """Distinct mostly-Chinese clauses from the seeds and the realworld extraction gold."""
    files = sorted(SEEDS.glob("*.txt")) + sorted(REALWORLD.glob("extraction/cwced__*/gold.txt"))
    found: dict[str, None] = {}
    for path in files:
        for clause in _CLAUSE_END.split(path.read_text(encoding="utf-8")):
            clause = clause.strip()
            if len(clause) >= min_chars and len(_CJK.findall(clause)) * 2 > len(clause):
                found[clause] = None
    if not found:
        raise FileNotFoundError("no Chinese text found in seeds/ or ../shared/realworld/extraction/")
    return list(found)


def sentence_pool(rng: np.random.Generator, size: int) -> list[str]:
    """``size`` sentences, each 1 to 3 random clauses joined by commas and closed with a full stop."""
    pool = clauses()
    picks = rng.integers(0, len(pool), size=(size, 3))
    lengths = rng.integers(1, 4, size=size)
    ends = rng.choice(np.array(["。", "！", "？", "。", "。"]), size=size)
    return ["，".join(pool[j] for j in row[:k]) + end for row, k, end in zip(picks.tolist(), lengths, ends)]


def generate(n: int, seed: int = 0, duplicate_share: float = 0.3, max_rate: float = 0.3,
             pool_size: int = 50_000) -> Corpus:
    """``n`` articles of which about ``duplicate_share`` are planted edited copies of the others."""
    rng = np.random.default_rng(seed)
    sentences = sentence_pool(rng, pool_size)
    sentence_chars = np.array([len(s) for s in sentences])
    mean_chars = sentence_chars.mean()
    to_traditional = opencc.OpenCC("s2t")

    n_copies = int(n * duplicate_share)
    n_bases = n - n_copies
    targets = rng.integers(800, 3001, size=n_bases)
    counts = np.maximum(2, np.round(targets / mean_chars).astype(int))
    base_rows = np.split(rng.integers(0, pool_size, size=counts.sum()), np.cumsum(counts)[:-1])
    paragraph_breaks = [rng.random(len(row)) < 0.25 for row in base_rows]

    def render(row: np.ndarray, breaks: np.ndarray) -> str:
        parts = []
        for j, sentence in enumerate(row.tolist()):
            parts.append(sentences[sentence])
            if breaks[j % len(breaks)]:
                parts.append("\n")
        return "".join(parts).strip()

    texts = [render(row, br) for row, br in zip(base_rows, paragraph_breaks)]
    group = list(range(n_bases))
    edit = ["base"] * n_bases
    rate = [0.0] * n_bases

    bases = rng.integers(0, n_bases, size=n_copies)
    kinds = rng.choice(len(EDITS), size=n_copies, p=[0.4, 0.15, 0.15, 0.15, 0.15])
    rates = rng.uniform(0.0, max_rate, size=n_copies)
    for base, kind, r in zip(bases.tolist(), kinds.tolist(), rates.tolist()):
        row = base_rows[base].copy()
        name = EDITS[kind]
        if name == "truncate":
            row = row[: max(1, int(round(len(row) * (1.0 - r))))]
        else:
            changed = rng.random(len(row)) < r
            row[changed] = rng.integers(0, pool_size, size=int(changed.sum()))
        text = render(row, paragraph_breaks[base])
        if name == "chrome":
            head = rng.choice(len(CHROME_HEAD), size=2, replace=False)
            tail = rng.choice(len(CHROME_TAIL), size=3, replace=False)
            text = "\n".join([CHROME_HEAD[i] for i in head] + [text] + [CHROME_TAIL[i] for i in tail])
        elif name == "traditional":
            text = to_traditional.convert(text)
        elif name == "punctuation":
            text = text.translate(_TO_ASCII)
        texts.append(text)
        group.append(base)
        edit.append(name)
        rate.append(r)

    order = rng.permutation(n)
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = np.arange(n)
    group_arr = inverse[np.asarray(group)[order]]
    return Corpus([texts[i] for i in order], group_arr, [edit[i] for i in order], np.asarray(rate)[order])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=10_000, help="number of articles")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-o", "--output", required=True, help="JSONL file to write")
    args = parser.parse_args()
    corpus = generate(args.n, seed=args.seed)
    with open(args.output, "w", encoding="utf-8") as f:
        for text, g, e, r in zip(corpus.texts, corpus.group.tolist(), corpus.edit, corpus.rate.tolist()):
            f.write(json.dumps({"text": text, "group": g, "edit": e, "rate": round(r, 4)}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
