"""``clean-corpus``: raw pages in, one clean record per document out.

Exits non-zero only when it cannot run at all (bad option or config, no inputs, output not writable),
with one line on stderr. Bad records never stop a run: they go to ``--rejects`` with their reason.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tomllib
from pathlib import Path

from . import __version__
from .config import SCRIPTS, Config
from .engines.base import ENGINES, Engine, RunError, Stats, get_engine
from .io.readers import list_input_files

OUTPUT_SUFFIXES = (".jsonl", ".jsonl.gz", ".jsonl.zst", ".parquet")
EXIT_BUG = 1
EXIT_CANNOT_RUN = 2
EXIT_INTERRUPTED = 130


class CannotRun(Exception):
    """Printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse prints usage too; one line is the contract
        raise CannotRun(message)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="clean-corpus", description="Turn raw web-crawl pages into clean, deduplicated text.")
    p.add_argument("inputs", nargs="+", metavar="INPUT",
                   help="files or folders: .html/.htm, .txt, .jsonl, .warc (each may be .gz or .zst)")
    p.add_argument("-o", "--output", required=True, help="OUT.jsonl (.gz, .zst) or OUT.parquet")
    p.add_argument("--script", choices=SCRIPTS, help="target Chinese script (default zh-hans)")
    p.add_argument("--threshold", type=float, help="near-duplicate Jaccard threshold (default 0.8)")
    # Flags that only ever switch something on default to None, so that a config file's value stands.
    p.add_argument("--no-dedup", dest="dedup", action="store_const", const=False, help="skip deduplication")
    p.add_argument("--drop-duplicates", action="store_const", const=True,
                   help="leave duplicates out of the output instead of flagging them")
    p.add_argument("--workers", type=int, help="worker processes (default: all cores)")
    p.add_argument("--engine", choices=tuple(ENGINES), default="local",
                   help="local: worker processes on this machine (default); ray: a Ray cluster")
    p.add_argument("--ray-address", help="with --engine ray: join this cluster (e.g. ray://head:10001 or auto);"
                   " without it a local Ray is started for the run")
    p.add_argument("--explain", action="store_const", const=True, help="add what was removed and why")
    p.add_argument("--rejects", help="write every rejected record here (.jsonl or .parquet)")
    p.add_argument("--config", help="cleaner.toml; command-line flags override it")
    p.add_argument("--stats", help="write the closing numbers here as JSON")
    p.add_argument("--resume", action="store_true", help="continue an interrupted run from its last complete shard")
    # page verdict, PII, filtering (cleaner.stages.spam_page, redact_pii, filter): flagged unless asked
    p.add_argument("--drop-spam", action="store_const", const=True,
                   help="send spam pages to the rejects (reason spam_page) instead of flagging them")
    p.add_argument("--filter", action="append", metavar="EXPR",
                   help="reject documents a rule holds for (reason filtered), e.g. 'language_score<0.5'; repeatable")
    p.add_argument("--redact-pii", action="store_const", const=True,
                   help="replace e-mail addresses and phone numbers with placeholders")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return p


def load_config(args: argparse.Namespace) -> Config:
    """The TOML config (if any) with the command-line flags on top."""
    try:
        config = Config.from_toml(args.config) if args.config else Config()
        config = config.replace(script=args.script, threshold=args.threshold, dedup=args.dedup,
                                drop_duplicates=args.drop_duplicates, workers=args.workers, explain=args.explain,
                                drop_spam=args.drop_spam, redact_pii=args.redact_pii,
                                filters=(*config.filters, *args.filter) if args.filter else None)
    except OSError as e:
        raise CannotRun(f"cannot read config {args.config}: {e.strerror or e}") from None
    except tomllib.TOMLDecodeError as e:
        raise CannotRun(f"config {args.config} is not valid TOML: {e}") from None
    except (TypeError, ValueError) as e:
        raise CannotRun(f"bad config: {e}") from None
    for name in ("workers", "shard_docs", "shard_bytes", "max_page_bytes", "max_doc_chars", "max_depth"):
        value = getattr(config, name)
        if value is not None and (not isinstance(value, int) or value < 1):
            raise CannotRun(f"{name} must be a positive whole number, not {value!r}")
    if isinstance(config.timeout_s, bool) or not isinstance(config.timeout_s, (int, float)) or config.timeout_s <= 0:
        raise CannotRun(f"timeout_s must be positive, not {config.timeout_s!r}")
    return config


def _check_writable(path: str, what: str, suffixes: tuple[str, ...] | None) -> None:
    if suffixes and not path.lower().endswith(suffixes):
        raise CannotRun(f"{what} {path} must end in {', '.join(suffixes)}")
    folder = Path(path).parent
    if not folder.is_dir():
        raise CannotRun(f"{what} folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise CannotRun(f"{what} folder {folder} is not writable")
    if Path(path).is_dir():
        raise CannotRun(f"{what} {path} is a folder")


def check_paths(args: argparse.Namespace) -> None:
    """Everything that would stop the run, found before any work is done."""
    for arg in args.inputs:
        if not os.path.exists(arg):
            raise CannotRun(f"no such input: {arg}")
    if not list_input_files(args.inputs):
        raise CannotRun("no input files found in " + " ".join(args.inputs))
    if args.engine == "ray" and (os.path.isdir(args.output) or args.output.endswith(os.sep)):
        folder = Path(args.output)  # Parquet shards and a manifest go there
        base = folder if folder.is_dir() else folder.parent
        if not os.access(base, os.W_OK | os.X_OK):
            raise CannotRun(f"output folder {base} is not writable")
    else:
        _check_writable(args.output, "output", OUTPUT_SUFFIXES)
    if args.rejects:
        _check_writable(args.rejects, "rejects file", OUTPUT_SUFFIXES)
    if args.stats:
        _check_writable(args.stats, "stats file", None)
    given = {os.path.abspath(p) for p in (args.output, args.rejects, args.stats) if p}
    if len(given) < len([p for p in (args.output, args.rejects, args.stats) if p]):
        raise CannotRun("--output, --rejects and --stats must be different files")


def _engine(name: str) -> Engine:
    try:
        return get_engine(name)
    except ImportError as e:
        missing = e.name or getattr(e.__cause__, "name", None) or ""
        if missing.split(".")[0] != name:
            raise
        raise CannotRun(f"--engine {name} needs {name}: pip install 'cleaner[{name}]'") from None


def _write_stats(path: str, stats: Stats) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(stats.to_json(), f, indent=1)
        f.write("\n")


def main(argv: list[str] | None = None) -> int:
    args = None
    try:
        args = build_parser().parse_args(argv)
        config = load_config(args)
        check_paths(args)
        runner = _engine(args.engine)
        if args.ray_address and args.engine != "ray":
            raise CannotRun("--ray-address is for --engine ray")
        options = {"ray_address": args.ray_address} if args.engine == "ray" else {}
        stats = runner.run(args.inputs, args.output, config, rejects=args.rejects, stats_path=args.stats,
                           resume=args.resume, progress=sys.stderr.isatty(), **options)
        if args.stats:
            _write_stats(args.stats, stats)
    except (CannotRun, RunError, OSError) as e:  # OSError: a folder became unwritable, the disk filled up
        print(f"clean-corpus: error: {e}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    except KeyboardInterrupt:
        hint = "; run again with --resume to continue" if args is None or args.engine == "local" else ""
        print(f"\nclean-corpus: interrupted{hint}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as e:  # a bug: still one line, and the finished shards are kept for --resume
        print(f"clean-corpus: internal error: {type(e).__name__}: {e}", file=sys.stderr)
        return EXIT_BUG
    print(stats.summary(), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
