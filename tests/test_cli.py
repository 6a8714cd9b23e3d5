"""clean-corpus: options, one-line errors, counts that add up, output that does not depend on --workers."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from cleaner import errors
from cleaner.cli import CannotRun, build_parser, load_config, main

from conftest import SEEDS


def seed_texts() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """Seed texts, exact and near reposts of them, HTML pages, a bad JSON line and two unsupported files."""
    folder = tmp_path_factory.mktemp("cli") / "in"
    folder.mkdir()
    texts = seed_texts()
    with open(folder / "a.jsonl", "w", encoding="utf-8") as f:
        for i, text in enumerate(texts):
            f.write(json.dumps({"id": f"seed-{i}", "text": text}, ensure_ascii=False) + "\n")
        f.write(json.dumps({"id": "repost-0", "text": texts[0]}, ensure_ascii=False) + "\n")
        lines = texts[1].splitlines()
        f.write(json.dumps({"id": "near-1", "text": "\n".join(lines[:-1])}, ensure_ascii=False) + "\n")
        f.write("[1, 2]\n")
    for i, text in enumerate(texts[2:4]):
        body = "".join(f"<p>{line}</p>" for line in text.splitlines() if line.strip())
        (folder / f"page-{i}.html").write_text(f"<html><body><article>{body}</article></body></html>",
                                               encoding="utf-8")
    (folder / "notes.pdf").write_bytes(b"%PDF-1.4")
    (folder / "cleaner.toml").write_text("shard_docs = 2\n")  # not an input kind: one more skipped file
    return folder


@pytest.fixture
def run_ok(capsys):
    """clean-corpus in this process (its worker processes are started as on the command line); stderr."""

    def run(*args) -> str:
        status = main([str(a) for a in args])
        err = capsys.readouterr().err
        assert status == 0, err
        return err

    return run


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_counts_add_up_and_duplicates_are_flagged_by_id(corpus, tmp_path, run_ok):
    out, rejects, stats = tmp_path / "out.jsonl", tmp_path / "rejects.jsonl", tmp_path / "stats.json"
    err = run_ok(corpus, "-o", out, "--rejects", rejects, "--stats", stats, "--workers", "2", "--explain")
    numbers = json.loads(stats.read_text())
    records, rejected = read_jsonl(out), read_jsonl(rejects)
    assert numbers["read"] == 5 + 2 + 1 + 2 == numbers["written"] + numbers["rejected"]
    assert (numbers["written"], numbers["rejected"]) == (len(records), len(rejected))
    assert numbers["rejected_by_reason"][errors.BAD_JSON] == 1
    assert errors.UNSUPPORTED_FILE not in numbers["rejected_by_reason"]
    assert numbers["skipped_files"] == 2  # notes.pdf and cleaner.toml: files, not rejected documents
    assert "files skipped (not a kind clean-corpus reads): 2" in err
    assert all(r["rejected"] in errors.ALL and r["reject_detail"] and r["source"] for r in rejected)
    assert f"read {numbers['read']} = written {numbers['written']} + rejected {numbers['rejected']}" in err
    by_id = {r["id"]: r for r in records}
    assert by_id["repost-0"]["duplicate_of"] == "seed-0"
    assert by_id["repost-0"]["cluster"] == by_id["seed-0"]["cluster"] == "seed-0"
    assert by_id["repost-0"]["similarity"] == pytest.approx(1.0)
    assert by_id["seed-0"]["duplicate_of"] is None
    assert all(isinstance(r["removed"], list) for r in records)
    singles = [r for r in records if r["cluster"] is None]
    assert all(r["duplicate_of"] is None and r["similarity"] is None for r in singles)


def test_drop_duplicates_counts_them(corpus, tmp_path, run_ok):
    out, stats = tmp_path / "out.jsonl", tmp_path / "stats.json"
    err = run_ok(corpus, "-o", out, "--stats", stats, "--drop-duplicates", "--workers", "1")
    numbers = json.loads(stats.read_text())
    assert numbers["dropped_duplicates"] >= 1
    assert numbers["read"] == numbers["written"] + numbers["rejected"] + numbers["dropped_duplicates"]
    assert all(r["duplicate_of"] is None for r in read_jsonl(out))
    assert f"dropped duplicates {numbers['dropped_duplicates']}" in err


def test_output_is_the_same_for_any_number_of_workers_and_shard_size(corpus, tmp_path, run_ok):
    (tmp_path / "small-shards.toml").write_text("shard_docs = 2\n")
    run_ok(corpus, "-o", tmp_path / "one.jsonl", "--workers", "1")
    run_ok(corpus, "-o", tmp_path / "two.jsonl", "--workers", "2", "--config", tmp_path / "small-shards.toml")
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "two.jsonl").read_bytes()


def test_parquet_output_and_rejects(corpus, tmp_path, run_ok):
    out, rejects = tmp_path / "out.parquet", tmp_path / "rejects.parquet"
    run_ok(corpus, "-o", out, "--rejects", rejects, "--no-dedup", "--workers", "2")
    table = pq.read_table(out)
    assert table.num_rows >= 5 and set(table.column_names) >= {"id", "text", "cluster", "duplicate_of"}
    assert pq.read_table(rejects).column("rejected").null_count == 0


@pytest.mark.parametrize("args, message", [
    (["{IN}", "-o", "{OUT}/out.jsonl", "--threshold", "abc"], "invalid float value"),
    (["{IN}", "-o", "{OUT}/out.jsonl", "--script", "klingon"], "invalid choice"),
    (["{IN}"], "required: -o/--output"),
    (["{IN}", "-o", "{OUT}/out.jsonl", "--threshold", "1.5"], "threshold"),
    (["{IN}", "-o", "{OUT}/out.jsonl", "--workers", "0"], "workers"),
    (["{IN}", "-o", "{OUT}/out.csv"], "must end in"),
    (["{IN}", "-o", "{OUT}/missing/out.jsonl"], "does not exist"),
    (["{IN}/nothing-here", "-o", "{OUT}/out.jsonl"], "no such input"),
    (["{OUT}/empty", "-o", "{OUT}/out.jsonl"], "no input files"),
    (["{IN}", "-o", "{OUT}/out.jsonl", "--config", "{OUT}/missing.toml"], "cannot read config"),
    (["{IN}", "-o", "{OUT}/out.jsonl", "--config", "{OUT}/bad.toml"], "not valid TOML"),
    (["{IN}", "-o", "{OUT}/out.jsonl", "--config", "{OUT}/unknown.toml"], "unknown config keys"),
    (["{IN}", "-o", "{OUT}/out.jsonl", "--rejects", "{OUT}/out.jsonl"], "different files"),
    (["{IN}", "-o", "{OUT}/out.jsonl", "--config", "{OUT}/wrong-type.toml"], "timeout_s must be a number of seconds > 0"),
    (["{IN}", "-o", "{OUT}/out.jsonl", "--config", "{OUT}/dedup-no.toml"], "config: dedup must be true or false, not 'no'"),
    (["{IN}", "-o", "{OUT}/out.jsonl", "--config", "{OUT}/threshold-text.toml"], "threshold must be a number in (0, 1]"),
    (["{IN}", "-o", "{OUT}/out.jsonl", "--config", "{OUT}/beside.toml"], "keys outside the [cleaner] table: script"),
    (["{IN}", "-o", "{OUT}/out.jsonl", "--keep-fields", "text"], "keep_fields may not name an output field: text"),
    (["{IN}/notes.pdf", "-o", "{OUT}/out.jsonl"], "not a kind of file clean-corpus reads"),
    (["{OUT}/locked.html", "-o", "{OUT}/out.jsonl"], "cannot read"),
])
def test_cannot_run_is_one_line_and_exit_status_2(corpus, tmp_path, capsys, args, message):
    (tmp_path / "empty").mkdir()
    (tmp_path / "bad.toml").write_text("threshold = = 0.5\n")
    (tmp_path / "unknown.toml").write_text("thresold = 0.5\n")
    (tmp_path / "wrong-type.toml").write_text('timeout_s = "soon"\n')
    (tmp_path / "dedup-no.toml").write_text('dedup = "no"\n')
    (tmp_path / "threshold-text.toml").write_text('threshold = "0.7"\n')
    (tmp_path / "beside.toml").write_text('script = "zh-hk"\n[cleaner]\nthreshold = 0.7\n')
    # a file that opens but cannot be read, even by root (reading offset 0 of a process's memory fails)
    (tmp_path / "locked.html").symlink_to("/proc/self/mem")
    assert main([a.format(IN=corpus, OUT=tmp_path) for a in args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("clean-corpus: error: ") and message in err, err
    assert not list(tmp_path.glob("out*"))


def test_command_line_flags_override_the_config_file(tmp_path):
    (tmp_path / "c.toml").write_text('script = "zh-hant"\nthreshold = 0.6\ndedup = false\nworkers = 3\n')
    parser = build_parser()
    config = load_config(parser.parse_args(["x", "-o", "y.jsonl", "--config", str(tmp_path / "c.toml")]))
    assert (config.script, config.threshold, config.dedup, config.workers) == ("zh-hant", 0.6, False, 3)
    config = load_config(parser.parse_args(["x", "-o", "y.jsonl", "--config", str(tmp_path / "c.toml"),
                                            "--script", "zh-tw", "--threshold", "0.9", "--workers", "1"]))
    assert (config.script, config.threshold, config.dedup, config.workers) == ("zh-tw", 0.9, False, 1)
    with pytest.raises(CannotRun):
        load_config(parser.parse_args(["x", "-o", "y.jsonl", "--threshold", "0"]))


def test_ray_engine_without_ray_names_the_extra(corpus, tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray fails, as where the extra is not installed
    monkeypatch.delitem(sys.modules, "cleaner.engines.ray", raising=False)
    assert main([str(corpus), "-o", str(tmp_path / "out.jsonl"), "--engine", "ray"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pip install 'cleaner[ray]'" in err


@pytest.mark.slow
def test_realworld_warc_and_extraction_run_through_with_broken_files_as_rejects(realworld, tmp_path, run_ok):
    out, rejects, stats = tmp_path / "out.jsonl", tmp_path / "rejects.jsonl", tmp_path / "stats.json"
    run_ok(realworld / "warc", realworld / "extraction", "-o", out, "--rejects", rejects, "--stats", stats)
    numbers = json.loads(stats.read_text())
    rejected = read_jsonl(rejects)
    assert numbers["read"] == numbers["written"] + numbers["rejected"] == len(read_jsonl(out)) + len(rejected)
    assert numbers["written"] > 40
    by_reason = numbers["rejected_by_reason"]
    assert by_reason.get(errors.TRUNCATED_FILE, 0) + by_reason.get(errors.UNREADABLE_FILE, 0) >= 2
    assert any(r["source"].startswith(str(realworld / "warc/resiliparse/clipped.warc.gz@"))
               and r["rejected"] == errors.TRUNCATED_FILE for r in rejected)
    assert errors.INTERNAL_ERROR not in by_reason, [r for r in rejected if r["rejected"] == errors.INTERNAL_ERROR]


def test_the_command_fails_in_one_line_without_a_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "cleaner.cli", str(tmp_path / "missing"), "-o",
                           str(tmp_path / "out.jsonl")], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr == f"clean-corpus: error: no such input: {tmp_path / 'missing'}\n"


@pytest.mark.parametrize("flag, name", [("-o", "out.jsonl"), ("--rejects", "sub/rejects.jsonl.gz"),
                                        ("--report", "report.html")])
def test_a_file_written_inside_an_input_folder_is_refused_before_any_work(corpus, tmp_path, capsys, flag, name):
    """A later run over the folder would read it back: the report as a page, the records as records."""
    folder = tmp_path / "in"
    shutil.copytree(corpus, folder)
    before = sorted(p.name for p in folder.rglob("*"))
    args = [folder, "-o", tmp_path / "out.jsonl", flag, folder / name]
    assert main([str(a) for a in args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "would be in the input folder" in err and name in err, err
    assert sorted(p.name for p in folder.rglob("*")) == before
    # a stats file is not a kind of file a run reads, and a --glob that leaves the name out makes it safe
    (tmp_path / "other").mkdir()
    assert main([str(folder), "-o", str(tmp_path / "other" / "o.jsonl"), "--stats", str(folder / "s.json"),
                 "--quiet"]) == 0
    assert main([str(folder), "--glob", "*.html", "-o", str(folder / "o.jsonl"), "--quiet"]) == 0


def test_drop_spam_filter_and_redact_pii(tmp_path, run_ok):
    folder = tmp_path / "in"
    folder.mkdir()
    spam = "亚洲无码视频在线观看 国产自拍偷拍 欧美色图\n最新番号高清无码在线播放，人妻熟女、巨乳女优每日更新，狼友必备。"
    article = "今天天气很好，我们一起去公园散步，看见很多人在锻炼身体。\n有事请发邮件至 info@example.com 联系我们。"
    short = "公园里的花都开了。"
    with open(folder / "a.jsonl", "w", encoding="utf-8") as f:
        for i, text in enumerate((spam, article, short)):
            f.write(json.dumps({"id": f"d{i}", "text": text}, ensure_ascii=False) + "\n")
    out, rejects = tmp_path / "out.jsonl", tmp_path / "rejects.jsonl"
    flagged = run_ok(folder, "-o", out, "--workers", "1")
    assert {r["id"]: r["spam_page"] for r in read_jsonl(out)} == {"d0": True, "d1": False, "d2": False}
    err = run_ok(folder, "-o", out, "--rejects", rejects, "--workers", "1", "--drop-spam", "--redact-pii",
                 "--filter", "chars<20")
    records = read_jsonl(out)
    assert [r["id"] for r in records] == ["d1"] and "<EMAIL>" in records[0]["text"]
    assert records[0]["language"] == "zh" and records[0]["emails"] == 1
    assert {(r["id"], r["rejected"]) for r in read_jsonl(rejects)} == {("d0", "spam_page"), ("d2", "filtered")}
    assert "filtered 1" in err and "spam_page 1" in err and "rejected: " not in flagged
    status = main([str(folder), "-o", str(out), "--filter", "chars<<3"])
    assert status == 2


@pytest.mark.parametrize("content, message", [
    (None, "cannot read boilerplate_rules"),
    ("[nav]\nmode = 'bogus'\n", "bad boilerplate_rules file"),
])
def test_a_bad_rule_file_stops_the_run_before_any_work(corpus, tmp_path, capsys, content, message):
    rules = tmp_path / "rules.toml"
    if content is not None:
        rules.write_text(content)
    (tmp_path / "c.toml").write_text(f'boilerplate_rules = "{rules}"\n')
    assert main([str(corpus), "-o", str(tmp_path / "out.jsonl"), "--config", str(tmp_path / "c.toml")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err
    assert not list(tmp_path.glob("out*"))  # no output, no out.jsonl.parts work folder


def _write_crawl(folder: Path, rows: list[tuple[str, str]]) -> Path:
    folder.mkdir()
    with open(folder / "pages.jsonl", "w", encoding="utf-8") as f:
        for id_, text in rows:
            f.write(json.dumps({"id": id_, "text": text}, ensure_ascii=False) + "\n")
    return folder


@pytest.fixture
def two_crawls(tmp_path) -> tuple[Path, Path]:
    """crawl1: three seed articles; crawl2: a Traditional-script copy and a spun copy of two of them, and
    an article of its own."""
    from cleaner.dedup.view import comparison_view
    from cleaner.stages.spin import load_spin_lexicon
    from cleaner.text.opencc import converter_for

    texts = seed_texts()
    spun = texts[1]
    for pair in load_spin_lexicon().pairs:
        swapped = spun.replace(pair.normal, pair.spun) if pair.kind == "spin" else spun
        if swapped != spun and comparison_view(swapped) == comparison_view(spun):
            spun = swapped
    assert spun != texts[1]
    crawl1 = _write_crawl(tmp_path / "crawl1", [(f"one-{k}", t) for k, t in enumerate(texts[:3])])
    crawl2 = _write_crawl(tmp_path / "crawl2", [("two-0", converter_for("zh-hant")(texts[0])), ("two-1", spun),
                                                ("two-2", texts[3])])
    return crawl1, crawl2


def test_index_flags_a_later_crawls_copies_against_the_earlier_ids(two_crawls, tmp_path, run_ok):
    crawl1, crawl2 = two_crawls
    index = tmp_path / "idx"
    run_ok(crawl1, "-o", tmp_path / "a.jsonl", "--index", index)
    first = {r["id"]: r for r in read_jsonl(tmp_path / "a.jsonl")}
    assert all(r["duplicate_of"] is None for r in first.values())
    run_ok(crawl2, "-o", tmp_path / "b.jsonl", "--index", index)
    second = {r["id"]: r for r in read_jsonl(tmp_path / "b.jsonl")}
    assert second["two-0"]["duplicate_of"] == "one-0" and second["two-0"]["cluster"] == "one-0"
    assert second["two-1"]["duplicate_of"] == "one-1" and second["two-1"]["cluster"] == "one-1"
    assert second["two-2"]["duplicate_of"] is None
    assert {r["id"]: r for r in read_jsonl(tmp_path / "a.jsonl")} == first  # earlier output untouched


def test_a_kill_during_the_index_update_then_a_rerun(two_crawls, tmp_path, run_ok, monkeypatch, capsys):
    from cleaner import DedupIndex

    crawl1, crawl2 = two_crawls
    run_ok(crawl1, "-o", tmp_path / "a.jsonl", "--index", tmp_path / "idx")
    shutil.copytree(tmp_path / "idx", tmp_path / "clean-idx")
    run_ok(crawl2, "-o", tmp_path / "clean.jsonl", "--index", tmp_path / "clean-idx")

    def killed(self):
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(DedupIndex, "_commit", killed)
        assert main([str(crawl2), "-o", str(tmp_path / "b.jsonl"), "--index", str(tmp_path / "idx")]) != 0
    capsys.readouterr()
    assert len(DedupIndex(tmp_path / "idx")) == 3 and not (tmp_path / "b.jsonl").exists()
    run_ok(crawl2, "-o", tmp_path / "b.jsonl", "--index", tmp_path / "idx", "--resume")
    assert read_jsonl(tmp_path / "b.jsonl") == read_jsonl(tmp_path / "clean.jsonl")
    assert len(DedupIndex(tmp_path / "idx")) == 6


@pytest.mark.parametrize("flag", ["-o", "--rejects", "--stats"])
@pytest.mark.parametrize("spelling", ["same", "dotdot", "symlink", "hardlink", "in-folder"])
def test_an_output_that_is_an_input_is_refused_before_anything_is_written(tmp_path, capsys, flag, spelling):
    (tmp_path / "in").mkdir()
    page = tmp_path / "in" / "pages.jsonl"
    content = json.dumps({"id": "a", "text": "一段正文，不可被覆盖。"}, ensure_ascii=False) + "\n"
    page.write_text(content, encoding="utf-8")
    target = {"same": page, "dotdot": tmp_path / "in" / ".." / "in" / "pages.jsonl",
              "symlink": tmp_path / "link.jsonl", "hardlink": tmp_path / "hard.jsonl", "in-folder": page}[spelling]
    if spelling == "symlink":
        os.symlink(page, target)
    if spelling == "hardlink":
        os.link(page, target)
    inputs = [str(tmp_path / "in")] if spelling == "in-folder" else [str(page)]
    args = {"-o": ["-o", str(target)], "--rejects": ["-o", str(tmp_path / "out.jsonl"), "--rejects", str(target)],
            "--stats": ["-o", str(tmp_path / "out.jsonl"), "--stats", str(target)]}[flag]
    assert main([*inputs, *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is the input file" in err, err
    assert page.read_text(encoding="utf-8") == content
    assert not (tmp_path / "out.jsonl").exists()


@pytest.mark.parametrize("size_kb", [300, 2800])  # full while writing shards / while writing the output
def test_a_full_disk_is_one_line(tmp_path, size_kb):
    """On a small tmpfs (needs root to mount; skipped elsewhere). ``--quiet``: the failure is one line; the
    progress log lines before it are not part of it."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(disk)],
                                           capture_output=True).returncode != 0:
        pytest.skip("cannot mount a small tmpfs here")
    try:
        with open(tmp_path / "in.jsonl", "w", encoding="utf-8") as f:
            for i in range(300):
                f.write(json.dumps({"id": f"d{i}", "text": f"这是第{i}篇很长的正文内容，用来填满磁盘。" * 100},
                                   ensure_ascii=False) + "\n")
        proc = subprocess.run([sys.executable, "-m", "cleaner.cli", str(tmp_path / "in.jsonl"), "-o",
                               str(disk / "out.jsonl"), "--workers", "2", "--no-dedup", "--quiet"],
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 2
        assert proc.stderr.count("\n") == 1 and "No space left on device" in proc.stderr, proc.stderr
        assert not (disk / "out.jsonl").exists()
    finally:
        subprocess.run(["umount", str(disk)], capture_output=True)
