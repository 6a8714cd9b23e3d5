"""Every line rule, and clean_text as a whole, costs time linear in its input (issue 13 "time bombs",
issue 17: ``'x' + '-' * n + 'y'`` and runs of decoration took minutes).

Costs are CPU times (least of two runs, garbage collection off) at ``n`` and ``4n`` characters: linear
work gives a ratio near 4 and quadratic work near 16, so a bound of 10 separates them with room for a
busy machine; times under 10 ms count as 10 ms.
"""
import time

from hypothesis import example, given, settings
from hypothesis import strategies as st

from cleaner.stages.clean_lines.rule import trim_decoration
from linearity import DECORATION, TEXTS, growth, rule_runners

RUNNERS = rule_runners()
N = 4000
MAX_RATIO = 10.0

# Pieces hostile input is built from: decoration, separators, digits, brackets, lexicon and rule-file
# words, line breaks.
FRAGMENTS = list(DECORATION) + [
    " ", "\u3000", "\n", "|", "/", ".", "…", "、", "，", "。", ":", "(", ")", "（", "）", "0", "7", "2020-01-01",
    "12:00", "a", "Z", "中", "首页", "百家乐", "六合彩", "相关文章", "欢迎光临", "(http://", "[图片]", "![](",
    "版权所有", "免责声明", "醫(yī)", "表示，", "作者:", "上一篇：", "-->", "\x0b",
]


def _repeat(prefix: str, unit: str, suffix: str):
    return lambda n: prefix + (unit * (n // len(unit) + 1))[:n] + suffix


hostile = st.one_of(
    st.sampled_from(sorted(TEXTS)).map(TEXTS.get),
    st.builds(_repeat, st.sampled_from(["", "x", "中", "• ", "|"]),
              st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=5).map("".join),
              st.sampled_from(["", "y", "。", "|", " 中"])),
)


@settings(max_examples=5, deadline=None, derandomize=True)
@given(hostile)
@example(TEXTS["dash between letters"])
@example(TEXTS["decoration between letters"])
def test_no_rule_costs_more_than_linear_time(make):
    for name, run in RUNNERS.items():
        small, large, ratio = growth(run, make, N, repeat=2, floor=0.01)
        assert ratio < MAX_RATIO, f"{name}: {small:.3f} s at {N} chars, {large:.3f} s at {4 * N}: {make(40)!r}"


def test_trimming_decoration_is_linear_and_keeps_the_text():
    line = "x" + "-" * 500_000 + "y"
    start = time.process_time()
    assert trim_decoration(line) == line
    assert trim_decoration(" •【" + line + "】\u3000") == line
    assert time.process_time() - start < 0.5
    assert trim_decoration("•·▪ 健康 ►") == "健康"
    assert trim_decoration("\\-[]") == ""
