"""The run report: bounded, order-independent samples; every section from a real run; the two CLI forms;
a page that headless Chromium renders without a console error (a screenshot is kept)."""
from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.cli import main
from cleaner.report import build_report, collect
from cleaner.report.collect import VALUES, DistinctCounts, Sample, hash_key

from conftest import REALWORLD, ROOT, SEEDS

SCREENSHOT = ROOT / ".pytest-artifacts" / "report.png"


# --- samples ---------------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=6), unique=True, max_size=60), st.integers(1, 10), st.randoms())
def test_sample_is_the_k_smallest_hashes_in_any_order(keys, k, rnd):
    shuffled = list(keys)
    rnd.shuffle(shuffled)
    a, b = Sample(k, "t"), Sample(k, "t")
    for key in keys:
        a.add(key, key)
    for key in shuffled:
        b.add(key, key)
    expected = sorted(keys, key=lambda x: hash_key("t", x))[:k]
    assert a.items() == b.items() == expected


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 40), max_size=300), st.integers(1, 8))
def test_distinct_counts_are_exact_for_the_keys_kept(occurrences, k):
    counts = DistinctCounts(k, "c")
    for key in occurrences:
        counts.add(str(key))
    truth = Counter(str(key) for key in occurrences)
    kept = sorted(truth, key=lambda x: hash_key("c", x))[:k]
    assert counts.counts == {key: truth[key] for key in kept}


# --- a real run ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> dict[str, Path]:
    """Seeds, reposts of them (one exact, one edited), two real pages, a bad JSON line; --explain --report."""
    folder = tmp_path_factory.mktemp("report")
    inputs = folder / "in"
    inputs.mkdir()
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    with open(inputs / "a.jsonl", "w", encoding="utf-8") as f:
        for i, text in enumerate(texts):
            f.write(json.dumps({"id": f"seed-{i}", "text": text}, ensure_ascii=False) + "\n")
        lines = texts[1].splitlines()
        f.write(json.dumps({"id": "near-1", "text": "\n".join(lines[:-1])}, ensure_ascii=False) + "\n")
        f.write(json.dumps({"id": "repost-2", "text": texts[2]}, ensure_ascii=False) + "\n")
        f.write("[1, 2]\n")
    pages = sorted(REALWORLD.glob("extraction/cwced__*/page.html"))[:2] if REALWORLD.is_dir() else []
    for i, page in enumerate(pages):
        shutil.copy(page, inputs / f"page-{i}.html")
    files = {name: folder / name for name in ("out.jsonl", "rejects.jsonl", "stats.json", "report.html")}
    status = main([str(inputs), "-o", str(files["out.jsonl"]), "--rejects", str(files["rejects.jsonl"]),
                   "--stats", str(files["stats.json"]), "--report", str(files["report.html"]), "--explain",
                   "--workers", "1"])
    assert status == 0
    return files


def test_the_report_shows_every_section(run):
    page = run["report.html"].read_text(encoding="utf-8")
    stats = json.loads(run["stats.json"].read_text())
    for section in ("summary", "rejects", "removals", "signals", "languages", "duplicates", "sources"):
        assert f'<section id="{section}">' in page
    assert f"read {stats['read']:,} = written {stats['written']:,} + rejected {stats['rejected']:,}" in page
    assert '<span class="ok">holds</span>' in page
    assert "bad_json" in page and "extract" in page                   # a reject reason, a stage
    records = [json.loads(line) for line in run["out.jsonl"].read_text(encoding="utf-8").splitlines()]
    in_lines = [r for rec in records for r in rec["removed"] if r["line"] is not None]
    assert in_lines and all(r["text"].split("\n")[0] in r["line"] for r in in_lines)
    assert any(r["before"] or r["after"] for r in in_lines)
    # a removal in its line, marked, with the line before or after it
    assert re.search(r'<div class="ex">.*?<mark>.+?</mark>', page, re.S)
    assert 'class="ctx"' in page
    # both ids of a pair, side by side with the differences marked
    pair = next(r for r in records if r["duplicate_of"] is not None and r["id"] == "near-1")
    assert f'<span class="id">near-1</span> duplicates <span class="id">{pair["duplicate_of"]}</span>' in page
    assert '<div class="pair">' in page and "<del>" in page
    assert page.count("<svg") >= 5                                   # stages, lengths, rejects, rules, clusters...
    assert "a.jsonl" in page                                         # the per-source table
    # self-contained: no script, nothing fetched
    assert "<script" not in page and not re.search(r'(src|href)="(https?:)?//', page)


def test_the_report_afterwards_is_the_same_page(run, tmp_path, capsys):
    again = tmp_path / "again.html"
    assert main(["report", str(run["out.jsonl"]), "--rejects", str(run["rejects.jsonl"]),
                 "--stats", str(run["stats.json"]), "-o", str(again)]) == 0
    assert again.read_bytes() == run["report.html"].read_bytes()
    assert "report:" in capsys.readouterr().err


def test_report_command_errors_are_one_line(run, tmp_path, capsys):
    assert main(["report", str(tmp_path / "missing.jsonl"), "-o", str(tmp_path / "r.html")]) == 2
    assert main(["report", str(run["out.jsonl"]), "-o", str(tmp_path / "r.txt")]) == 2
    (tmp_path / "bad.jsonl").write_text("not json\n")
    assert main(["report", str(tmp_path / "bad.jsonl"), "-o", str(tmp_path / "r.html")]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 3 and all(line.startswith("clean-corpus report: error:") for line in lines)
    assert "bad.jsonl:1" in lines[2]


def test_an_input_named_report_is_still_cleaned(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    Path("report").mkdir()
    (Path("report") / "a.txt").write_text("一段正文。\n", encoding="utf-8")
    assert main(["report", "-o", "out.jsonl", "--workers", "1"]) == 0
    assert json.loads(Path("out.jsonl").read_text(encoding="utf-8"))["text"] == "一段正文。"


def test_without_matplotlib_one_clear_line(run, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(__import__("sys").modules, "matplotlib", None)
    assert main(["report", str(run["out.jsonl"]), "-o", str(tmp_path / "r.html")]) == 2
    assert capsys.readouterr().err.strip() == (
        "clean-corpus report: error: the run report needs matplotlib: pip install 'cleaner[report]'")


# --- bounded ---------------------------------------------------------------------------------------


def synthetic_records(n: int, seed: int = 0):
    """Output records as a large run writes them: removals, signals, clusters of near-duplicates."""
    rnd = random.Random(seed)
    words = "".join(rnd.choice("的一是在不了有和人这中大为上个国我以要他") for _ in range(8000))
    for i in range(n):
        start = rnd.randrange(4000)
        text = words[start:start + rnd.randint(50, 3000)]
        cluster = f"doc-{i - i % 10}" if i % 10 < 3 else None
        yield {"id": f"doc-{i}", "source": f"crawl-{i % 7}.jsonl:{i}", "text": text,
               "spun": i % 50 == 0, "spin_score": rnd.random(), "language": rnd.choice(["zh", "en", "ja"]),
               "language_score": rnd.random(), "cluster": cluster, "spam_page": i % 20 == 0,
               "spam_kind": "casino" if i % 20 == 0 else None, "spam_score": rnd.random(),
               "duplicate_of": cluster if cluster and cluster != f"doc-{i}" else None,
               "similarity": 0.8 + rnd.random() / 5 if cluster and cluster != f"doc-{i}" else None,
               "removed": [{"rule": f"boilerplate:rule{j}", "text": text[:40], "before": text[:60],
                            "line": text[:80], "after": text[80:140]} for j in range(rnd.randint(0, 3))]}


@pytest.mark.slow
def test_report_size_stays_bounded(tmp_path):
    sizes = {}
    for n in (1_000, 10_000):
        out = tmp_path / f"out-{n}.jsonl"
        with open(out, "w", encoding="utf-8") as f:
            for record in synthetic_records(n):
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
        sizes[n] = build_report(out, tmp_path / f"report-{n}.html")
    page = (tmp_path / "report-10000.html").read_text(encoding="utf-8")
    assert "Spam pages: 500 of 10,000" in page and "<td>casino</td>" in page       # fields a run may add
    assert "mean language_score" in page and "spam_score" in page and "<td>crawl-3.jsonl</td>" in page
    assert sizes[10_000] < 3 * 2**20
    assert sizes[10_000] < 1.5 * sizes[1_000]      # ten times the records, about the same page
    c = collect(tmp_path / "out-10000.jsonl")
    assert len(c.clusters.counts) == 1_000 and set(c.clusters.counts.values()) == {3}
    assert c.written == 10_000 and c.duplicates == 2_000 and len(c.lengths.sample.items()) == VALUES


# --- headless Chromium -----------------------------------------------------------------------------

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync", "--hide-scrollbars",
                  "--enable-logging=stderr", "--v=0"]
# Put first into <head>: records every script error and failed load, and marks the body once loaded.
WATCH = ("<script>var problems=[];addEventListener('error',function(e){problems.push(e.message||"
         "('failed to load '+(e.target&&(e.target.src||e.target.href))))},true);addEventListener('load',"
         "function(){document.body.setAttribute('data-check',problems.length?'errors: '+problems.join('; '):'clean')})"
         "</script>")


def chromium(*args: str) -> subprocess.CompletedProcess:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run([binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                              capture_output=True, text=True, timeout=180)


def console_check(page: Path, tmp_path: Path) -> tuple[str, list[str]]:
    """(the body's data-check after load, console lines Chromium logged) for ``page``."""
    watched = tmp_path / f"watched-{page.name}"
    watched.write_text(page.read_text(encoding="utf-8").replace("<head>", "<head>" + WATCH, 1), encoding="utf-8")
    done = chromium("--dump-dom", watched.as_uri())
    check = re.search(r'data-check="([^"]*)"', done.stdout)
    return (check.group(1) if check else "(page did not load)"), [
        line for line in done.stderr.splitlines() if ":CONSOLE" in line]


@pytest.mark.slow
@pytest.mark.skipif(not (shutil.which("chromium") or shutil.which("chromium-browser")),
                    reason="Debian's chromium is not installed (.ci/run installs it)")
def test_chromium_renders_the_report_without_a_console_error(run, tmp_path):
    broken = tmp_path / "broken.html"  # the check itself must see a script error and a failed load
    broken.write_text('<html><head></head><body><img src="missing.png"><script>nope()</script></body></html>')
    check, console = console_check(broken, tmp_path)
    assert check.startswith("errors: ") and "nope" in check and "missing.png" in check and console

    check, console = console_check(run["report.html"], tmp_path)
    assert check == "clean" and console == []

    SCREENSHOT.parent.mkdir(exist_ok=True)
    SCREENSHOT.unlink(missing_ok=True)
    chromium("--window-size=1280,2400", f"--screenshot={SCREENSHOT}", run["report.html"].as_uri())
    from PIL import Image
    with Image.open(SCREENSHOT) as shot:
        assert shot.size == (1280, 2400) and len(shot.convert("RGB").getcolors(1 << 20) or []) > 50


def test_sources_are_input_files_or_top_folders():
    from cleaner.report.collect import source_group
    assert source_group("crawl/a.jsonl.gz:17", "x-1") == "crawl/a.jsonl.gz"
    assert source_group("cc.warc.gz@12345", "http://example.com/") == "cc.warc.gz"
    assert source_group("../shared/realworld/extraction/cwced__1/page.html", "extraction/cwced__1/page.html") \
        == "../shared/realworld/extraction/"
    assert source_group("seeds/000.txt", "000.txt") == "seeds/"
    assert source_group("page.html", "page.html") == "./"
