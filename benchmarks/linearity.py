"""How the cost of each line rule, of clean_text and of clean_html grows with hostile input: a page within
every size limit must not take minutes.

Each generator builds an input of about ``n`` characters (long runs of one character, decoration,
separators, digits, brackets, lexicon words, many short lines, attribute floods); the table shows the CPU
time at ``n`` and at ``4n`` and their ratio. Linear cost gives about 4, quadratic about 16.

    python benchmarks/linearity.py [--n 8000] [--only NAME ...]

The tests use :func:`growth` with the same generators (tests/stages/clean_lines/test_linear.py,
tests/stages/test_hostile_html.py).
"""
from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable

from cleaner import clean_html, clean_text
from cleaner.config import Config
from cleaner.document import Document
from cleaner.stages.clean_lines import RULES
from cleaner.stages.clean_lines import rule as line_rule

DECORATION = "•·▪◦‧∙●○◆◇■□►▶▸»›«‹><|*=~_—–-[]【】〖〗\\"


def _fill(unit: str, n: int) -> str:
    return (unit * (n // len(unit) + 1))[:n]


# Text generators: name -> n -> text of about n characters.
TEXTS: dict[str, Callable[[int], str]] = {
    "dash between letters": lambda n: "x" + "-" * n + "y",
    "decoration between letters": lambda n: "x" + _fill(DECORATION, n) + "y",
    "decoration and spaces": lambda n: "x" + "- " * (n // 2) + "y",
    "one bullet": lambda n: "•" * n,
    "ideographic spaces": lambda n: "x" + " \u3000" * (n // 2) + "y",
    "table cells": lambda n: "|" + " |" * (n // 2) + "x",
    "table separator": lambda n: "|" + "-" * n + "x",
    "digits": lambda n: "1" * n,
    "dates": lambda n: _fill("2020-01-01 ", n),
    "ellipses": lambda n: "…" * n,
    "nested brackets": lambda n: "(" * (n // 2) + ")" * (n // 2),
    "nested CJK brackets": lambda n: "【" * (n // 2) + "】" * (n // 2),
    "pinyin": lambda n: _fill("醫(yī)", n),
    "pinyin unclosed": lambda n: _fill("醫(yī ", n),
    "lexicon word": lambda n: _fill("百家乐", n),
    "lexicon words nested": lambda n: "百" * (n // 6) + "家乐" * (n // 6),
    "lexicon words and commas": lambda n: _fill("百家乐，", n),
    "alternating separators": lambda n: _fill("a|b/", n),
    "navigation words": lambda n: _fill("首页 | ", n),
    "image placeholders": lambda n: _fill("[图片]", n),
    "open placeholders": lambda n: _fill("[图", n),
    "site footer": lambda n: _fill("欢迎光临", n),
    "control characters": lambda n: _fill("a\x0b", n),
    "lines of decoration": lambda n: _fill("•\n", n),
    "bullet menu lines": lambda n: _fill("• 健康\n", n),
    "dated list lines": lambda n: _fill("2020-04-09\n标题\n", n),
    "heading and items": lambda n: "相关文章\n" + _fill("标题\n", n),
    "injected lines": lambda n: _fill("是、\n藏紅花\n,十三\n", n),
    "rejoined lines": lambda n: _fill("副处长曾毅\n表示，\n", n),
}

_ARTICLE = "<p>这是一篇真正的文章，内容丰富，句子完整。我们需要足够的文字让提取器保留它。</p>" * 5


def page(body: str) -> str:
    return f"<html><head><title>标题</title></head><body><article>{_ARTICLE}{body}</article></body></html>"


# Page generators: name -> n -> markup of about n characters around a short article.
PAGES: dict[str, Callable[[int], str]] = {
    "attribute flood": lambda n: page(f"<div {' '.join(f'a{i}=1' for i in range(n // 6))}>x</div>"),
    "attributes with quoted >": lambda n: page("<div " + 'a=">" ' * (n // 6) + ">x</div>"),
    "decoration paragraph": lambda n: page("<p>x" + "-" * n + "y</p>"),
    "decoration lines": lambda n: page("<p>•</p>" * (n // 8)),
    "class flood": lambda n: page(f"<div class=\"{'a ' * (n // 2)}jammer\">x</div>"),
    "style flood": lambda n: page(f"<span style=\"{'color:red;' * (n // 10)}\">x</span>"),
    "hidden spans": lambda n: page("<span style=\"display:none\">垃圾</span>正文" * (n // 40)),
    "white snippets": lambda n: page("<p>" + "字<font color=white>广告</font>字" * (n // 30) + "</p>"),
    "table rows": lambda n: page("<table>" + "<tr><td>格</td></tr>" * (n // 19) + "</table>"),
    "line breaks": lambda n: page("<p>" + "-<br>" * (n // 5) + "</p>"),
}


def clear_caches() -> None:
    """Forget the lines converted and the line keys computed so far, so that a repeated run does the work again."""
    line_rule._SIMPLIFIED.clear()
    line_rule._KEYS.clear()


def cpu_seconds(run: Callable[[], object], repeat: int = 3) -> float:
    """The least CPU time of ``repeat`` runs (garbage collection off): stable on a busy machine."""
    best = float("inf")
    for _ in range(repeat):
        clear_caches()
        gc.disable()
        try:
            start = time.process_time()
            run()
            best = min(best, time.process_time() - start)
        finally:
            gc.enable()
    return best


def growth(run: Callable[[str], object], make: Callable[[int], str], n: int, factor: int = 4,
           floor: float = 0.005, repeat: int = 3) -> tuple[float, float, float]:
    """CPU seconds of ``run(make(n))`` and of ``run(make(factor * n))``, and their ratio. The smaller
    time counts as at least ``floor``, so that timer noise on a fast run cannot make a large ratio."""
    small, large = make(n), make(factor * n)
    t_small = cpu_seconds(lambda: run(small), repeat)
    t_large = cpu_seconds(lambda: run(large), repeat)
    return t_small, t_large, t_large / max(t_small, floor)


def rule_runners(config: Config | None = None) -> dict[str, Callable[[str], object]]:
    """Every line rule on its own (over the text's non-blank lines), then the whole of clean_text."""
    config = config or Config()
    runners: dict[str, Callable[[str], object]] = {}
    for rule_class in RULES:
        rule = rule_class(config)

        def run(text: str, rule=rule) -> object:
            lines = [s for line in text.splitlines() if (s := line.strip())]
            return rule.apply(lines, Document(text=text))

        runners[rule.name] = run
    runners["clean_text"] = lambda text: clean_text(text, config=config)
    return runners


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=8000, help="characters of the smaller input (default 8000)")
    parser.add_argument("--only", nargs="*", help="generator names to run")
    args = parser.parse_args()
    clean_html(page("warm up"))  # loads the extractor's and OpenCC's data once, outside the timings
    runners = rule_runners()
    print(f"{'input':28} {'worst rule':24} {'ratio':>6}   {'clean_text or clean_html 4n/n':>28}")
    for name, make in TEXTS.items():
        if args.only and name not in args.only:
            continue
        ratios = {rule: growth(run, make, args.n)[2] for rule, run in runners.items() if rule != "clean_text"}
        worst = max(ratios, key=ratios.get)
        small, large, ratio = growth(runners["clean_text"], make, args.n)
        print(f"{name:28} {worst:24} {ratios[worst]:6.1f}   {small:8.3f} s -> {large:7.3f} s {ratio:5.1f}",
              flush=True)
    for name, make in PAGES.items():
        if args.only and name not in args.only:
            continue
        small, large, ratio = growth(clean_html, make, args.n, repeat=2)
        print(f"{name:28} {'(page)':24} {'':6}   {small:8.3f} s -> {large:7.3f} s {ratio:5.1f}", flush=True)


if __name__ == "__main__":
    main()
