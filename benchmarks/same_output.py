"""Show that a change kept clean-corpus's output byte-identical: the same run with a reference source tree
and with this one, records and rejects compared byte for byte.

    git worktree add /tmp/ref <commit>            # the reference, e.g. the commit before a refactoring
    python benchmarks/same_output.py /tmp/ref/src

The run is the one issue 10 named: ``seeds/*.txt`` and all of ``../shared/realworld/``, JSONL out, with
``--explain``, rejects and stats (stats hold timings, so they are not compared).
"""
from __future__ import annotations

import argparse
import filecmp
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(src: Path, out: Path, realworld: Path) -> tuple[Path, Path]:
    records, rejects = out / "records.jsonl", out / "rejects.jsonl"
    inputs = sorted(str(p) for p in (ROOT / "seeds").glob("*.txt")) + [str(realworld)]
    env = dict(os.environ, PYTHONPATH=str(src))
    subprocess.run([sys.executable, "-m", "cleaner.cli", *inputs, "-o", str(records), "--explain",
                    "--rejects", str(rejects), "--stats", str(out / "stats.json")],
                   env=env, check=True, stderr=subprocess.DEVNULL)
    return records, rejects


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("reference_src", type=Path, help="the src/ folder of the reference tree")
    parser.add_argument("--realworld", type=Path, default=ROOT.parent / "shared" / "realworld")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        before, after = Path(tmp, "before"), Path(tmp, "after")
        before.mkdir(), after.mkdir()
        pairs = zip(run(args.reference_src.resolve(), before, args.realworld), run(ROOT / "src", after, args.realworld))
        same = True
        for old, new in pairs:
            equal = filecmp.cmp(old, new, shallow=False)
            lines = sum(1 for _ in open(new, "rb"))
            print(f"{new.name}: {lines} lines, {'identical' if equal else 'DIFFERENT'}")
            same &= equal
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
