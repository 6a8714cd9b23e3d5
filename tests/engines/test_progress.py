"""Progress and logs: a percentage and ETA from the input size, a bar on a terminal, lines in a log."""
from __future__ import annotations

import io
import logging
import re

from cleaner.cli import main
from cleaner.engines.progress import Progress, configure_logging

from conftest import SEEDS


def test_log_lines_carry_percentage_elapsed_and_eta():
    stream = io.StringIO()
    configure_logging("INFO", stream)
    progress = Progress(4_000_000, bar=False, every_s=0.0)
    progress.start -= 10  # ten seconds in
    progress.show(1_000_000, done=250, rejected=3)
    progress.show(4_000_000, done=1000, rejected=7, final=True)
    first, last = stream.getvalue().splitlines()
    assert "cleaning: 25.0% of 4.0 MB, 250 docs done, 3 rejected" in first
    assert re.search(r"elapsed 0:00:1\d, ETA 0:00:(29|3\d)", first), first
    assert "100.0%" in last and "ETA 0:00:00" in last


def test_a_terminal_gets_a_bar_and_quiet_shows_nothing():
    stream = io.StringIO()
    progress = Progress(2_000, stream=stream, bar=True)
    progress.show(1_000, done=5, rejected=0)
    progress.show(2_000, done=10, rejected=1, final=True)
    assert "cleaning: 100%" in stream.getvalue() and "10 docs, 1 rejected" in stream.getvalue()
    silent = io.StringIO()
    configure_logging("INFO", silent)
    Progress(2_000, enabled=False, stream=silent).show(2_000, 10, 0, final=True)
    assert silent.getvalue() == ""


def test_clean_corpus_logs_its_phases_and_quiet_keeps_only_the_summary(tmp_path, capsys):
    seeds = [str(p) for p in sorted(SEEDS.glob("*.txt"))]
    assert main([*seeds, "-o", str(tmp_path / "out.jsonl")]) == 0
    err = capsys.readouterr().err
    assert "INFO 5 input files" in err and "cleaning in this process" in err
    assert "cleaning: 100.0% of" in err and "INFO dedup: 5 documents" in err and "INFO dedup: " in err
    assert main([*seeds, "-o", str(tmp_path / "out.jsonl"), "--quiet"]) == 0
    err = capsys.readouterr().err
    assert err.startswith("read 5 = written 5") and " INFO " not in err
    assert main([*seeds, "-o", str(tmp_path / "out.jsonl"), "--log-level", "warning"]) == 0
    assert " INFO " not in capsys.readouterr().err
    logging.getLogger("cleaner").setLevel(logging.WARNING)
