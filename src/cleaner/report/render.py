"""The run report as one self-contained HTML page: inline CSS, charts as inline SVG, no script, nothing
fetched. Charts are drawn by matplotlib (``Figure`` objects, no pyplot state), with text left as SVG
``<text>`` so the browser's fonts render Chinese labels and the charts stay small.
"""
from __future__ import annotations

import difflib
import html
import io
from collections import Counter
from typing import Any

import numpy as np
from matplotlib import rc_context
from matplotlib.figure import Figure

from .collect import CLIP, CLUSTERS, EXAMPLES, PAIRS, VALUES, Collector, Numeric

_RC = {"svg.fonttype": "none", "svg.hashsalt": "cleaner-report", "font.size": 9,
       "font.family": ["sans-serif"], "axes.spines.top": False, "axes.spines.right": False}
_COLOR = "#3b6ea5"
MAX_BARS = 25

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","Microsoft YaHei",sans-serif;
 margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2f4a;color:#fff;padding:14px 28px}header h1{margin:0;font-size:20px}
header p{margin:4px 0 0;opacity:.8}nav{padding:6px 28px;background:#e4e9f0;position:sticky;top:0}
nav a{margin-right:14px;color:#1d2f4a;text-decoration:none;font-weight:600}
main{padding:8px 28px 40px;max-width:1250px}
section{background:#fff;border:1px solid #dde2ea;border-radius:6px;padding:6px 18px 14px;margin:16px 0}
h2{font-size:17px;border-bottom:1px solid #dde2ea;padding-bottom:4px}h3{font-size:14px;margin:14px 0 6px}
table{border-collapse:collapse;margin:6px 0;font-size:13px}td,th{border-bottom:1px solid #e6e9ef;
 padding:3px 10px;text-align:left;vertical-align:top}th{background:#f0f3f7}td.n{text-align:right;
 font-variant-numeric:tabular-nums}
.cards{display:flex;flex-wrap:wrap;gap:10px}.card{border:1px solid #dde2ea;border-radius:6px;
 padding:6px 14px;min-width:120px}.card b{display:block;font-size:20px}.card span{color:#5a6475;font-size:12px}
.charts{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start}.chart svg{max-width:100%;height:auto}
.ok{color:#1a7f37;font-weight:600}.bad{color:#b42318;font-weight:600}.muted{color:#6b7585}
.ex{border-left:3px solid #c7d2e0;margin:6px 0;padding:2px 10px;white-space:pre-wrap;word-break:break-word}
.ex .ctx{color:#6b7585}mark{background:#ffd6d6;text-decoration:line-through;text-decoration-color:#b42318}
.id{font-family:ui-monospace,monospace;font-size:12px;color:#394357}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:10px;margin:8px 0 16px}
.pair>div{border:1px solid #dde2ea;border-radius:4px;padding:6px 10px;white-space:pre-wrap;
 word-break:break-word;max-height:340px;overflow:auto;font-size:13px}
del{background:#ffd6d6;text-decoration:none}ins{background:#c9f2d0;text-decoration:none}
details{margin:4px 0}summary{cursor:pointer;font-weight:600}
"""


def e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def number(value: float) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.3f}" if abs(value) < 100 else f"{value:,.1f}"
    return f"{int(value):,}"


def _svg(fig: Figure) -> str:
    out = io.StringIO()
    fig.savefig(out, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    svg = out.getvalue()
    return '<div class="chart">' + svg[svg.index("<svg"):] + "</div>"


def bar_chart(counts: list[tuple[str, float]], title: str, xlabel: str) -> str:
    """Horizontal bars, largest first (at most :data:`MAX_BARS`)."""
    counts = counts[:MAX_BARS]
    if not counts:
        return ""
    with rc_context(_RC):
        fig = Figure(figsize=(5.6, 0.9 + 0.24 * len(counts)))
        ax = fig.subplots()
        labels = [label if len(label) <= 32 else label[:31] + "…" for label, _ in counts]
        ax.barh(range(len(counts)), [v for _, v in counts], color=_COLOR)
        ax.set_yticks(range(len(counts)), labels)
        ax.invert_yaxis()
        ax.set_title(title, loc="left")
        ax.set_xlabel(xlabel)
        return _svg(fig)


def histogram(values: list[float], title: str, xlabel: str, integer: bool = False) -> str:
    """Values spread over more than two orders of magnitude (text lengths) get logarithmic bins."""
    if not values:
        return ""
    data = np.asarray(values, dtype=float)
    positive = data[data > 0]
    with rc_context(_RC):
        fig = Figure(figsize=(4.6, 2.6))
        ax = fig.subplots()
        if integer and data.max() - data.min() <= 40:
            edges = np.arange(data.min() - 0.5, data.max() + 1.5)
        elif positive.size == data.size and positive.max() > 100 * positive.min():
            edges = np.geomspace(positive.min(), positive.max(), 30)
            ax.set_xscale("log")
        else:
            edges = np.histogram_bin_edges(data, bins=min(40, max(5, int(np.sqrt(len(data))))))
        ax.hist(data, bins=edges, color=_COLOR)
        ax.set_title(title, loc="left")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("records" if len(values) else "")
        return _svg(fig)


def table(headers: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f'<td class="n">{number(c)}</td>' if isinstance(c, (int, float))
                                    and not isinstance(c, bool) else f"<td>{c if isinstance(c, Raw) else e(c)}</td>"
                                    for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


class Raw(str):
    """Markup already escaped, put into a table cell as it is."""


def _card(label: str, value: Any) -> str:
    return f'<div class="card"><b>{e(number(value) if isinstance(value, (int, float)) else value)}</b>' \
           f"<span>{e(label)}</span></div>"


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "–"


def _sampled(numeric: Numeric) -> str:
    return "" if numeric.count <= VALUES else f" (histogram of a sample of {VALUES:,} of {numeric.count:,})"


# --- sections --------------------------------------------------------------------------------------


def summary(c: Collector, stats: dict[str, Any] | None) -> str:
    parts = ['<section id="summary"><h2>Run summary</h2>']
    if stats:
        read, written = stats.get("read", 0), stats.get("written", 0)
        rejected, dropped = stats.get("rejected", 0), stats.get("dropped_duplicates", 0)
        seconds = stats.get("seconds") or 0
        adds_up = read == written + rejected + dropped
        parts.append('<div class="cards">' + "".join(_card(k, v) for k, v in (
            ("read", read), ("written", written), ("rejected", rejected), ("dropped duplicates", dropped),
            ("docs/s", round(read / seconds) if seconds else 0), ("seconds", seconds),
            ("characters in", stats.get("chars_in", 0)), ("characters out", stats.get("chars_out", 0)),
            ("workers", stats.get("workers", 0)))) + "</div>")
        verdict = '<span class="ok">holds</span>' if adds_up else '<span class="bad">does NOT hold</span>'
        parts.append(f"<p>read {read:,} = written {written:,} + rejected {rejected:,} + dropped duplicates "
                     f"{dropped:,}: {verdict}.")
        if (c.written, c.rejected) != (written, rejected):
            parts.append(f' <span class="bad">The files hold {c.written:,} records and {c.rejected:,} rejects.</span>')
        parts.append("</p>")
        stages = sorted((stats.get("seconds_by_stage") or {}).items(), key=lambda x: -x[1])
        charts = [bar_chart(stages, "time per stage (summed over workers)", "seconds")]
        if stages:
            total = sum(t for _, t in stages)
            parts.append(table(["stage", "seconds", "share", "docs/s per worker"],
                               [[s, t, _share(t, total), round(read / t) if t else "–"] for s, t in stages]))
    else:
        parts.append('<div class="cards">' + _card("written", c.written) + _card("rejected", c.rejected)
                     + "</div><p class=muted>No stats file given: counts are those of the files; time per stage "
                       "and throughput need <code>--stats</code>.</p>")
        charts = []
    charts.append(histogram(c.lengths.sample.items(), "text length" + _sampled(c.lengths), "characters"))
    parts.append('<div class="charts">' + "".join(charts) + "</div></section>")
    return "".join(parts)


def rejects(c: Collector) -> str:
    parts = ['<section id="rejects"><h2>Rejects by reason</h2>']
    if not c.rejected:
        return parts[0] + "<p class=muted>No rejects (or no rejects file given).</p></section>"
    reasons = c.reject_reasons.most_common()
    parts.append('<div class="charts">' + bar_chart(reasons, "rejects by reason", "records") + "</div>")
    parts.append(table(["reason", "records", "share"], [[r, n, _share(n, c.rejected)] for r, n in reasons]))
    for reason, _ in reasons:
        examples = c.reject_examples.get(reason)
        if examples:
            rows = [[Raw(f'<span class="id">{e(x["id"])}</span>'), x["source"], x["url"], x["detail"]]
                    for x in examples.items()]
            parts.append(f"<details><summary>{e(reason)}: {len(rows)} example{'s' if len(rows) > 1 else ''}</summary>"
                         + table(["id", "source", "url", "detail"], rows) + "</details>")
    return "".join(parts) + "</section>"


def _in_context(x: dict[str, Any]) -> str:
    """The removal with the line before and after it, the removed text marked in its line."""
    text, line = x["text"] or "", x.get("line")
    if line and text and text in line:
        at = line.index(text)
        middle = f"{e(line[:at])}<mark>{e(text)}</mark>{e(line[at + len(text):])}"
    else:
        middle = f"<mark>{e(text)}</mark>" + ("" if line is not None else ' <span class="muted">(taken from the page markup)</span>')
    before = f'<span class="ctx">{e(x["before"])}</span>\n' if x.get("before") else ""
    after = f'\n<span class="ctx">{e(x["after"])}</span>' if x.get("after") else ""
    return f'<div class="ex"><span class="id">{e(x["id"])}</span>\n{before}{middle}{after}</div>'


def removals(c: Collector) -> str:
    parts = ['<section id="removals"><h2>Removals by rule</h2>']
    if not c.explained:
        return parts[0] + ("<p class=muted>The output records carry no <code>removed</code> field: run with "
                           "<code>--explain</code> to see what each rule took out.</p></section>")
    families: Counter = Counter()
    family_count: Counter = Counter()
    for rule, chars in c.rule_chars.items():
        families[rule.split(":")[0]] += chars
        family_count[rule.split(":")[0]] += c.rule_count[rule]
    total = sum(families.values())
    parts.append(f"<p>{sum(c.rule_count.values()):,} removals, {total:,} characters, in {c.explained:,} "
                 f"records written with <code>--explain</code>.</p>")
    parts.append('<div class="charts">' + bar_chart(families.most_common(), "characters removed by rule family",
                                                    "characters")
                 + bar_chart(c.rule_count.most_common(), "removals by rule", "removals") + "</div>")
    parts.append(table(["family", "removals", "characters", "share of characters"],
                       [[f, family_count[f], n, _share(n, total)] for f, n in families.most_common()]))
    rules = sorted(c.rule_chars, key=lambda r: (r.split(":")[0], -c.rule_chars[r]))
    parts.append(table(["rule", "removals", "characters", "records"],
                       [[r, c.rule_count[r], c.rule_chars[r], c.rule_docs[r]] for r in rules]))
    parts.append(f"<h3>Examples in context</h3><p class=muted>Up to {EXAMPLES} per rule; the removed text is "
                 "<mark>marked</mark>, with the line before and after it as the rule saw them.</p>")
    shown = {rule for rule, _ in c.rule_chars.most_common(3)}  # the largest rules' examples start unfolded
    for rule in rules:
        examples = c.rule_examples[rule].items() if rule in c.rule_examples else []
        opened = " open" if rule in shown else ""
        parts.append(f"<details{opened}><summary>{e(rule)} ({c.rule_count[rule]:,})</summary>"
                     + "".join(_in_context(x) for x in examples) + "</details>")
    return "".join(parts) + "</section>"


def signals(c: Collector) -> str:
    parts = ['<section id="signals"><h2>Spam pages and quality signals</h2>']
    spam_flag = c.flags.get("spam_page")
    if spam_flag is not None:
        parts.append(f"<p>Spam pages: {c.spam_pages:,} of {sum(spam_flag):,} ({_share(c.spam_pages, sum(spam_flag))}).</p>")
        if "spam_kind" in c.categories:
            parts.append(table(["spam kind", "records"], c.categories["spam_kind"].most_common()))
        examples = c.spam.items()
        if examples:
            parts.append("<details><summary>spam page examples</summary>" + "".join(
                f'<div class="ex"><span class="id">{e(x["id"])}</span> {e(x["kind"])} '
                f'{e(x["score"])}\n{e(x["text"])}</div>' for x in examples) + "</details>")
    else:
        parts.append("<p class=muted>The records carry no <code>spam_page</code> field.</p>")
    if c.flags:
        parts.append(table(["flag", "true", "false", "share true"],
                           [[name, t, f, _share(t, t + f)] for name, (t, f) in sorted(c.flags.items())]))
    numeric = {k: v for k, v in sorted(c.numbers.items())}
    if numeric:
        parts.append(table(["signal", "records", "mean", "min", "max"],
                           [[k, v.count, v.mean, v.low, v.high] for k, v in numeric.items()]))
        parts.append('<div class="charts">' + "".join(
            histogram(v.sample.items(), k + _sampled(v), k) for k, v in numeric.items()) + "</div>")
    categorical = {k: v for k, v in sorted(c.categories.items()) if k not in ("language", "spam_kind")}
    for name, counts in categorical.items():
        parts.append(f"<h3>{e(name)}</h3>" + table([name, "records"], counts.most_common(MAX_BARS)))
    return "".join(parts) + "</section>"


def languages(c: Collector) -> str:
    parts = ['<section id="languages"><h2>Languages</h2>']
    counts = c.categories.get("language")
    if not counts:
        return parts[0] + "<p class=muted>The records carry no <code>language</code> field.</p></section>"
    total = sum(counts.values())
    parts.append('<div class="charts">' + bar_chart(counts.most_common(), "records by language", "records") + "</div>")
    rows = []
    for language, n in counts.most_common():
        score = c.language_scores.get(language)
        rows.append([language, n, _share(n, total), score.mean if score else "–"])
    return "".join(parts) + table(["language", "records", "share", "mean language_score"], rows) + "</section>"


def _diff(left: str, right: str) -> tuple[str, str]:
    """Both texts, with what only the left has in <del> and what only the right has in <ins>."""
    matcher = difflib.SequenceMatcher(None, left, right, autojunk=False)
    a, b = [], []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            a.append(e(left[i1:i2]))
            b.append(e(right[j1:j2]))
        else:
            if i2 > i1:
                a.append(f"<del>{e(left[i1:i2])}</del>")
            if j2 > j1:
                b.append(f"<ins>{e(right[j1:j2])}</ins>")
    return "".join(a), "".join(b)


def duplicates(c: Collector, stats: dict[str, Any] | None) -> str:
    parts = ['<section id="duplicates"><h2>Duplicates</h2>']
    clusters = (stats or {}).get("clusters")
    parts.append(f"<p>{c.duplicates:,} records flagged as near-duplicates"
                 + (f" in {clusters:,} clusters" if clusters is not None else "") + ".</p>")
    if not c.duplicates and not c.clusters.counts:
        return "".join(parts) + "</section>"
    sizes = list(c.clusters.counts.values())
    sampled = "" if len(sizes) < CLUSTERS else f" (a sample of {CLUSTERS:,} clusters)"
    parts.append('<div class="charts">'
                 + histogram(sizes, "cluster size" + sampled, "records in the cluster", integer=True)
                 + histogram(c.similarity.sample.items(), "similarity of reported pairs" + _sampled(c.similarity),
                             "Jaccard") + "</div>")
    parts.append(f"<h3>Sample pairs</h3><p class=muted>Up to {PAIRS} pairs (record, and the record it duplicates), "
                 "first 1,500 characters of each; <del>only left</del> and <ins>only right</ins> are marked.</p>")
    for pair in c.pairs.items():
        other = c.texts.get(pair["partner"])
        left, right = _diff(pair["text"] or "", other or "")
        similarity = pair["similarity"]
        parts.append(f'<p><span class="id">{e(pair["id"])}</span> duplicates <span class="id">{e(pair["partner"])}'
                     f"</span>, similarity {e(number(similarity) if similarity is not None else '–')}"
                     f'{"" if other is not None else " (partner text not found)"}</p>'
                     f'<div class="pair"><div>{left}</div><div>{right}</div></div>')
    return "".join(parts) + "</section>"


def sources(c: Collector, shown: int = 40) -> str:
    """The largest sources, then one row for the rest."""
    rows = sorted(c.sources.items(), key=lambda x: (-(x[1].written + x[1].rejected), x[0]))
    cells = [[k, r.written, r.rejected, r.duplicates, r.chars, r.removed_chars] for k, r in rows]
    if len(cells) > shown:
        rest = cells[shown:]
        cells = cells[:shown] + [[f"({len(rest):,} more)"] + [sum(row[i] for row in rest) for i in range(1, 6)]]
    return ('<section id="sources"><h2>Per source</h2><p class=muted>By input file (JSONL and WARC); '
            "page files by the folder given and the first folder under it.</p>" + table(
                ["source", "written", "rejected", "duplicates", "characters out", "characters removed"], cells)
            + "</section>")


def render(c: Collector, stats: dict[str, Any] | None, title: str) -> str:
    sections = [summary(c, stats), rejects(c), removals(c), signals(c), languages(c), duplicates(c, stats),
                sources(c)]
    nav = "".join(f'<a href="#{k}">{v}</a>' for k, v in (
        ("summary", "Summary"), ("rejects", "Rejects"), ("removals", "Removals"), ("signals", "Signals"),
        ("languages", "Languages"), ("duplicates", "Duplicates"), ("sources", "Sources")))
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{e(title)}</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<style>{CSS}</style></head><body><header><h1>Run report</h1><p>{e(title)}</p></header>"
            f"<nav>{nav}</nav><main>{''.join(sections)}<p class=muted>Examples, pairs and histogram values are "
            f"fixed samples (the same records on every build), so the page stays a few MB for any run; "
            f"counts are exact. Texts are cut at {CLIP} characters.</p></main></body></html>")
