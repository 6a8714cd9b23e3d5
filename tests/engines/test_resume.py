"""--resume after SIGKILL at any moment gives the output of an uninterrupted run, record for record."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.engines import local as engine
from cleaner.cli import main
from cleaner.config import Config
from cleaner.document import Document
from cleaner.engines.workfolder import meta_path, work_folder, write_atomically
from cleaner.engines.shards import cut_shards

from conftest import SEEDS

SHARD_DOCS = 6


def paragraphs() -> list[str]:
    lines = []
    for path in sorted(SEEDS.glob("*.txt")):
        lines += [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if len(line.strip()) > 20]
    return lines


def write_corpus(folder: Path, n_docs: int = 150) -> None:
    """JSONL text records (some repeated, so dedup has work) and a few HTML pages, over three files."""
    lines = paragraphs()
    folder.mkdir()
    files = [open(folder / f"part-{k}.jsonl", "w", encoding="utf-8") for k in range(3)]
    def body(i: int) -> str:
        return "\n".join(lines[(i * 7 + k) % len(lines)] for k in range(4))

    for i in range(n_docs):
        if i % 10 == 9:
            text = body(i - 9)  # a repost of doc i-9 without its last line
        elif i % 25 == 24:
            text = ""  # rejected as empty
        else:
            text = body(i) + f"\n编号 {i}。"
        files[i % 3].write(json.dumps({"id": f"doc-{i}", "text": text}, ensure_ascii=False) + "\n")
    files[0].write("{not json\n")
    for f in files:
        f.close()
    pages = folder / "pages"
    pages.mkdir()
    for k, line in enumerate(lines[:8]):
        (pages / f"page-{k}.html").write_text(
            f"<html><head><title>第{k}页</title></head><body><article><p>{line}</p><p>{lines[-k - 1]}</p>"
            "</article></body></html>", encoding="utf-8")


def clean_corpus(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "cleaner.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def finish(proc: subprocess.Popen) -> str:
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    return err


def complete_shards(out: Path) -> int:
    return len(list(work_folder(out).glob("*.meta.pkl")))


def kill_when(proc: subprocess.Popen, out: Path, shards: int) -> None:
    """SIGKILL the run once ``shards`` shards are complete (or when it is about to finish anyway)."""
    deadline = time.monotonic() + 60
    while complete_shards(out) < shards and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("resume")
    write_corpus(root / "in")
    (root / "cleaner.toml").write_text(f"shard_docs = {SHARD_DOCS}\n")
    return root / "in", root / "cleaner.toml"


@pytest.fixture(scope="module")
def reference(corpus, tmp_path_factory) -> tuple[bytes, bytes]:
    inputs, config = corpus
    out = tmp_path_factory.mktemp("reference")
    assert main([str(inputs), "-o", str(out / "out.jsonl"), "--rejects", str(out / "rejects.jsonl"),
                 "--config", str(config), "--workers", "2"]) == 0
    return (out / "out.jsonl").read_bytes(), (out / "rejects.jsonl").read_bytes()


def test_reference_run_is_complete(reference):
    records = [json.loads(line) for line in reference[0].splitlines()]
    rejects = [json.loads(line) for line in reference[1].splitlines()]
    ids = [r["id"] for r in records] + [r["id"] for r in rejects]
    assert len(ids) == len(set(ids)) == 150 + 1 + 8
    assert any(r["duplicate_of"] for r in records)


def test_resume_after_sigkill_at_several_points_matches_uninterrupted_run(corpus, reference, tmp_path):
    inputs, config = corpus
    out = tmp_path / "out.jsonl"
    args = [str(inputs), "-o", str(out), "--rejects", str(tmp_path / "rejects.jsonl"), "--config", str(config),
            "--workers", "2"]
    total_shards = 0
    for shards_before_kill in (0, 3, 8, 16):
        proc = clean_corpus(*args, "--resume")
        if shards_before_kill == 0:
            time.sleep(0.3)  # while it is still starting up
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        else:
            kill_when(proc, out, shards_before_kill)
        if out.exists():  # killed after the output was published, before the work folder was removed
            assert out.read_bytes() == reference[0], "partial output under the final name"
        done = complete_shards(out)
        assert done >= total_shards, "a resumed run lost complete shards"
        total_shards = done
        time.sleep(0.5)
        assert complete_shards(out) == done, "workers outlived the killed run"
    finish(clean_corpus(*args, "--resume"))
    assert out.read_bytes() == reference[0]
    assert (tmp_path / "rejects.jsonl").read_bytes() == reference[1]
    assert not work_folder(out).exists()
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")], "temporary files left behind"


def test_resume_refuses_a_run_with_other_settings(corpus, tmp_path):
    inputs, config = corpus
    out = tmp_path / "out.jsonl"
    proc = clean_corpus(str(inputs), "-o", str(out), "--config", str(config), "--workers", "1")
    kill_when(proc, out, 2)
    if not work_folder(out).exists():
        pytest.skip("the run finished before it could be killed")
    proc = clean_corpus(str(inputs), "-o", str(out), "--config", str(config), "--threshold", "0.5", "--resume")
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert err.strip().count("\n") == 0 and "cannot resume" in err


def test_run_without_resume_starts_over(corpus, reference, tmp_path):
    inputs, config = corpus
    out = tmp_path / "out.jsonl"
    work_folder(out).mkdir()
    (work_folder(out) / "manifest.json").write_text("{}")
    (work_folder(out) / "shard-0000000.meta.pkl").write_bytes(b"stale")
    assert main([str(inputs), "-o", str(out), "--config", str(config), "--workers", "1"]) == 0
    assert out.read_bytes() == reference[0]


def test_a_folder_that_is_not_a_work_folder_is_left_alone(corpus, tmp_path, capsys):
    inputs, _ = corpus
    out = tmp_path / "out.jsonl"
    work_folder(out).mkdir()
    (work_folder(out) / "precious.txt").write_text("not ours")
    assert main([str(inputs), "-o", str(out)]) == 2
    assert "not a clean-corpus work folder" in capsys.readouterr().err
    assert (work_folder(out) / "precious.txt").exists()


@settings(max_examples=200, deadline=None)
@given(sizes=st.lists(st.integers(0, 50), max_size=60), shard_docs=st.integers(1, 8), shard_bytes=st.integers(1, 120))
def test_shards_cover_the_stream_in_order_within_their_bounds(sizes, shard_docs, shard_bytes):
    config = Config(shard_docs=shard_docs, shard_bytes=shard_bytes)
    docs = [Document(id=str(i), text="字" * n) for i, n in enumerate(sizes)]
    shards = list(cut_shards(iter(docs), config))
    assert [d.id for shard in shards for d in shard] == [d.id for d in docs]
    for shard in shards:
        assert 1 <= len(shard) <= shard_docs
        # only the document that crossed the byte budget may take a shard past it
        assert sum(len(d.text) for d in shard[:-1]) < shard_bytes
    again = list(cut_shards(iter(docs), config))
    assert [[d.id for d in s] for s in again] == [[d.id for d in s] for s in shards]


def test_interrupted_while_writing_the_output_leaves_nothing_under_its_name_and_resumes(
        corpus, reference, tmp_path, monkeypatch, capsys):
    inputs, config = corpus
    out = tmp_path / "out.jsonl"
    args = [str(inputs), "-o", str(out), "--rejects", str(tmp_path / "rejects.jsonl"), "--config", str(config)]
    real_open_writer = engine.open_writer

    def interrupted_writer(path, *args):
        writer = real_open_writer(path, *args)
        write = writer.write

        def write_then_stop(record):
            if writer.count == 20:
                raise KeyboardInterrupt  # Ctrl-C in the middle of the output
            write(record)

        writer.write = write_then_stop
        return writer

    monkeypatch.setattr(engine, "open_writer", interrupted_writer)
    assert main(args) == 130
    assert "--resume" in capsys.readouterr().err
    assert not out.exists() and work_folder(out).is_dir()
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")], "temporary files left behind"
    monkeypatch.setattr(engine, "open_writer", real_open_writer)
    assert main([*args, "--resume"]) == 0
    assert out.read_bytes() == reference[0]
    assert (tmp_path / "rejects.jsonl").read_bytes() == reference[1]


# --- resume that can be trusted; one run at a time --------------------------------------------------


def interrupted_before_the_output(corpus_folder: Path, out: Path, config: Config, monkeypatch) -> None:
    """A run whose shards are all complete, stopped (as by Ctrl-C) before it writes the output."""
    def stop(*args, **kwargs):
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(engine, "_merge", stop)
        with pytest.raises(KeyboardInterrupt):
            engine.run([str(corpus_folder)], out, config)
    assert complete_shards(out) > 1


def test_resume_refuses_a_rule_file_whose_content_changed(corpus, tmp_path, monkeypatch):
    from cleaner.text.rulefiles import shipped_text
    lexicon = tmp_path / "spam.txt"
    lexicon.write_text(shipped_text("spam_lexicon.txt"), encoding="utf-8")
    config = Config(shard_docs=SHARD_DOCS, workers=1, spam_lexicon=str(lexicon))
    out = tmp_path / "out.jsonl"
    interrupted_before_the_output(corpus[0], out, config, monkeypatch)
    with open(lexicon, "a", encoding="utf-8") as f:
        f.write("新加的词\n")
    with pytest.raises(engine.RunError, match=f"cannot resume: rule file {lexicon} changed"):
        engine.run([str(corpus[0])], out, config, resume=True)


def test_resume_refuses_an_input_rewritten_with_the_same_size_and_time(corpus, tmp_path, monkeypatch):
    inputs = tmp_path / "in"
    shutil.copytree(corpus[0], inputs)
    config = Config(shard_docs=SHARD_DOCS, workers=1)
    out = tmp_path / "out.jsonl"
    interrupted_before_the_output(inputs, out, config, monkeypatch)
    victim = inputs / "part-1.jsonl"
    info = victim.stat()
    data = victim.read_bytes()
    victim.write_bytes(data.replace("编号".encode(), "号码".encode()))  # same length in UTF-8
    os.utime(victim, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert victim.stat().st_size == info.st_size and victim.stat().st_mtime_ns == info.st_mtime_ns
    with pytest.raises(engine.RunError, match=f"cannot resume: input {victim} changed"):
        engine.run([str(inputs)], out, config, resume=True)
    victim.write_bytes(data)  # the same content again: the resumed run goes on
    os.utime(victim, ns=(info.st_atime_ns, info.st_mtime_ns))
    engine.run([str(inputs)], out, config, resume=True)
    assert out.exists() and not work_folder(out).exists()


def test_a_second_run_on_the_same_output_is_refused_at_once(corpus, tmp_path, capsys):
    inputs, config = corpus
    out = tmp_path / "out.jsonl"
    lock = engine.lock_output(out)  # as a first run holds it
    try:
        started = time.monotonic()
        assert main([str(inputs), "-o", str(out), "--config", str(config)]) == 2
        assert time.monotonic() - started < 10
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "another clean-corpus run is writing" in err, err
        assert not out.exists() and not work_folder(out).exists()
    finally:
        engine.unlock_output(out, lock)
    assert main([str(inputs), "-o", str(out), "--config", str(config)]) == 0
    assert not (tmp_path / ".out.jsonl.lock").exists()


def test_two_runs_started_together_never_mix_their_records(corpus, tmp_path):
    inputs, config = corpus
    out = tmp_path / "out.jsonl"
    other = tmp_path / "other"
    other.mkdir()
    (other / "b.jsonl").write_text("".join(json.dumps({"id": f"b-{i}", "text": f"另一批第{i}篇正文，内容不同。"},
                                                      ensure_ascii=False) + "\n" for i in range(40)),
                                   encoding="utf-8")
    a = clean_corpus(str(inputs), "-o", str(out), "--config", str(config), "--workers", "1")
    b = clean_corpus(str(other), "-o", str(out), "--config", str(config), "--workers", "1")
    results = [(p.returncode, err) for p, (_, err) in ((p, p.communicate(timeout=180)) for p in (a, b))]
    # exactly one run writes the output; the other is refused at once, in one line
    assert sorted(code for code, _ in results) == [0, 2], results
    winner = "a" if results[0][0] == 0 else "b"
    loser_err = results[1 if winner == "a" else 0][1]
    assert loser_err.count("\n") == 1 and "another clean-corpus run is writing" in loser_err
    ids = [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert all(i.startswith("b-") == (winner == "b") for i in ids) and len(ids) >= 40


def test_temporary_files_of_killed_runs_are_removed(corpus, tmp_path):
    inputs, config = corpus
    stale = [tmp_path / ".out.jsonl.4242.0badc0de.tmp", tmp_path / ".rejects.jsonl.4243.deadbeef.tmp"]
    for path in stale:
        path.write_text("half a file")
    keep = tmp_path / ".out.jsonl.notes"
    keep.write_text("not ours")
    assert main([str(inputs), "-o", str(tmp_path / "out.jsonl"), "--rejects", str(tmp_path / "rejects.jsonl"),
                 "--config", str(config)]) == 0
    assert not any(p.exists() for p in stale) and keep.exists()


def test_sigterm_exits_143_with_one_line_and_resumes(corpus, reference, tmp_path):
    inputs, config = corpus
    out = tmp_path / "out.jsonl"
    args = [str(inputs), "-o", str(out), "--rejects", str(tmp_path / "rejects.jsonl"), "--config", str(config),
            "--workers", "2", "--quiet"]  # the failure is one line; progress log lines are not part of it
    proc = clean_corpus(*args)
    deadline = time.monotonic() + 60
    while complete_shards(out) < 3 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    if proc.poll() is not None:
        pytest.skip("the run finished before it could be stopped")
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    time.sleep(1)  # anything a worker would still print
    assert proc.returncode == 143, err
    assert err.count("\n") == 1 and "terminated" in err and "--resume" in err, err
    finish(clean_corpus(*args, "--resume"))
    assert out.read_bytes() == reference[0]


def test_a_shard_whose_run_is_gone_before_it_is_marked_complete_is_left_incomplete(tmp_path):
    target = meta_path(tmp_path, 0)
    assert not write_atomically(target, b"meta", wanted=lambda: False)
    assert list(tmp_path.iterdir()) == []  # neither the shard mark nor its temporary file
    assert write_atomically(target, b"meta", wanted=lambda: True) and target.read_bytes() == b"meta"
