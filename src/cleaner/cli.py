"""``clean-corpus``: raw pages in, one clean record per document out.

Exits non-zero only when it cannot run at all (bad option or config, no inputs, output not writable,
an output that is an input), with one line on stderr. Bad records never stop a run: they go to
``--rejects`` with their reason. Ctrl-C exits 130 and SIGTERM 143, each with one line and a ``--resume``
hint.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tomllib
from pathlib import Path

from . import __version__
from .config import SCRIPTS, Config
from .engines.base import ENGINES, Engine, RunError, Stats, get_engine
from .engines.progress import configure_logging
from .io import remote
from .io.readers import file_kind, inside_input_folder, list_input_files, overwrites_input
from .report import ReportUnavailable, build_report, check_available

OUTPUT_SUFFIXES = (".jsonl", ".jsonl.gz", ".jsonl.zst", ".parquet")
REPORT_SUFFIXES = (".html", ".htm")
EXIT_BUG = 1
EXIT_CANNOT_RUN = 2
EXIT_INTERRUPTED = 130  # Ctrl-C (SIGINT)
EXIT_TERMINATED = 143   # SIGTERM: 128 + 15, as a shell reports a process the signal ended


class CannotRun(Exception):
    """Printed as one line, exit status 2."""


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main process so that it stops as on Ctrl-C: workers killed, finished shards
    kept for ``--resume``, no half-written file under a final name."""


def _on_sigterm(signum, frame):
    raise Terminated


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse prints usage too; one line is the contract
        raise CannotRun(message)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="clean-corpus", description="Turn raw web-crawl pages into clean, deduplicated text.",
                epilog="clean-corpus report OUTPUT [--rejects R] [--stats S] -o report.html: the HTML report of a "
                       "finished run")
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
    # tabular input (JSONL, Parquet, Arrow)
    p.add_argument("--id-field", help="column holding the record id (default id)")
    p.add_argument("--text-field", help="column holding extracted text (default text)")
    p.add_argument("--html-field", help="column holding the page markup (default html)")
    p.add_argument("--url-field", help="column holding the page URL (default url)")
    p.add_argument("--keep-fields", metavar="A,B", help="input columns to carry into the output records unchanged")
    p.add_argument("--glob", dest="input_glob", metavar="PATTERN",
                   help="in folders, read only files whose path (relative to the folder) or name matches")
    p.add_argument("--log-level", default="INFO", type=str.upper,
                   choices=("DEBUG", "INFO", "WARNING", "ERROR"), help="messages of the cleaner logger (default INFO)")
    p.add_argument("--quiet", action="store_true", help="no progress and only warnings and errors; the summary stays")
    p.add_argument("--index", metavar="DIR", help="near-duplicate index of earlier runs: duplicates of their records "
                   "are flagged too, and this run's records are added (created when missing; local engine)")
    p.add_argument("--report", help="build the run report (one HTML page) here at the end of the run")
    p.add_argument("--follow-symlinks", dest="follow_symlinks", action="store_const", const=True,
                   help="follow symlinks in input folders that lead out of them (default: count and skip them)")
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
                                id_field=args.id_field, text_field=args.text_field, html_field=args.html_field,
                                url_field=args.url_field, keep_fields=args.keep_fields, input_glob=args.input_glob,
                                follow_symlinks=args.follow_symlinks,
                                drop_spam=args.drop_spam, redact_pii=args.redact_pii,
                                filters=(*config.filters, *args.filter) if args.filter else None)
    except OSError as e:
        raise CannotRun(f"cannot read config {args.config}: {e.strerror or e}") from None
    except tomllib.TOMLDecodeError as e:
        raise CannotRun(f"config {args.config} is not valid TOML: {e}") from None
    except (TypeError, ValueError) as e:  # Config checks every field and says which one and what it expects
        raise CannotRun(str(e)) from None
    return config


def check_rule_files(config: Config) -> None:
    """Load every rule file the config names, here, before any worker starts: a missing or malformed one
    stops the run with one line instead of failing in every worker."""
    from .stages.clean_lines.rulefile import load_rules
    from .stages.clean_lines.spam import load_spam_lexicon
    from .stages.spin import load_spin_lexicon

    for name, load in (("boilerplate_rules", load_rules), ("spam_lexicon", load_spam_lexicon),
                       ("spin_pairs", load_spin_lexicon)):
        path = getattr(config, name)
        if path is None:
            continue  # the shipped file, checked by the tests
        try:
            load(path)
        except OSError as e:
            raise CannotRun(f"cannot read {name} {path}: {e.strerror or e}") from None
        except (ValueError, UnicodeDecodeError) as e:
            raise CannotRun(f"bad {name} file: {e}") from None


def _remote_exists(url: str) -> bool:
    try:
        return remote.exists(url)
    except ImportError as e:  # fsspec, or the store's own package (s3fs, gcsfs), is not installed
        raise CannotRun(str(e)) from None


def _check_writable(path: str, what: str, suffixes: tuple[str, ...] | None) -> None:
    if suffixes and not path.lower().endswith(suffixes):
        raise CannotRun(f"{what} {path} must end in {', '.join(suffixes)}")
    if remote.is_url(path):
        _remote_exists(path)  # the store's package is there; whether it takes the upload shows at the end
        return
    folder = Path(path).parent
    if not folder.is_dir():
        raise CannotRun(f"{what} folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise CannotRun(f"{what} folder {folder} is not writable")
    if Path(path).is_dir():
        raise CannotRun(f"{what} {path} is a folder")


def check_paths(args: argparse.Namespace, config: Config) -> None:
    """Everything that would stop the run, found before any work is done (and before anything is opened
    for writing)."""
    urls = [p for p in (*args.inputs, args.output, args.rejects, args.stats) if remote.is_url(p)]
    if urls and args.engine != "local":
        raise CannotRun(f"paths with a protocol ({urls[0]}) are for --engine local")
    for arg in args.inputs:
        if remote.is_url(arg):
            if not _remote_exists(arg):
                raise CannotRun(f"no such input: {arg}")
            continue
        if not os.path.exists(arg):
            raise CannotRun(f"no such input: {arg}")
        if not os.path.isdir(arg):
            if file_kind(Path(arg)) is None:
                raise CannotRun(f"{arg} is not a kind of file clean-corpus reads (.html, .txt, .jsonl, .warc, "
                                ".parquet, .arrow; .gz or .zst)")
            try:
                with open(arg, "rb") as f:
                    f.read(1)
            except OSError as e:
                raise CannotRun(f"cannot read {arg}: {e.strerror or e}") from None
    files = list_input_files(args.inputs, config.input_glob, follow_symlinks=config.follow_symlinks)
    if not files:
        raise CannotRun("no input files found in " + " ".join(args.inputs))
    targets = {"output": args.output, "rejects file": args.rejects, "stats file": args.stats, "report": args.report}
    problem = overwrites_input(files, targets) or inside_input_folder(args.inputs, targets, config.input_glob)
    if problem:
        raise CannotRun(problem)
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
    if args.report:
        _check_writable(args.report, "report", REPORT_SUFFIXES)
        _report_available()
    outputs = [p for p in (args.output, args.rejects, args.stats, args.report) if p]
    if len({os.path.abspath(p) for p in outputs}) < len(outputs):
        raise CannotRun("--output, --rejects, --stats and --report must be different files")


def _engine(name: str) -> Engine:
    try:
        return get_engine(name)
    except ImportError as e:
        missing = e.name or getattr(e.__cause__, "name", None) or ""
        if missing.split(".")[0] != name:
            raise
        raise CannotRun(f"--engine {name} needs {name}: pip install 'cleaner[{name}]'") from None


def _write_stats(path: str, stats: Stats) -> None:
    with (remote.open_output_text(path) if remote.is_url(path) else open(path, "w", encoding="utf-8")) as f:
        json.dump(stats.to_json(), f, indent=1)
        f.write("\n")


# --- the run report: --report, and ``clean-corpus report`` after the fact ----------------------------


def _report_available() -> None:
    try:
        check_available()
    except ReportUnavailable as e:
        raise CannotRun(str(e)) from None


def _is_report_command(argv: list[str]) -> bool:
    """``clean-corpus report ...`` builds a report, unless its ``-o`` names a record file: then ``report``
    is an input file to clean (``./report`` always is)."""
    if not argv or argv[0] != "report":
        return False
    output = None
    for i, arg in enumerate(argv):
        if arg in ("-o", "--output") and i + 1 < len(argv):
            output = argv[i + 1]
        elif arg.startswith("--output="):
            output = arg.partition("=")[2]
        elif arg.startswith("-o") and len(arg) > 2 and not arg.startswith("--"):
            output = arg[2:]
    return not (output or "").lower().endswith(OUTPUT_SUFFIXES)


def report_main(argv: list[str]) -> int:
    """``clean-corpus report OUTPUT [--rejects R] [--stats S] -o report.html``."""
    p = _Parser(prog="clean-corpus report", description="Build the HTML report of a finished run from its files.")
    p.add_argument("output", metavar="OUTPUT", help="the run's output: .jsonl (.gz, .zst), .parquet, or a folder of "
                   "Parquet shards")
    p.add_argument("--rejects", help="the run's rejects file")
    p.add_argument("--stats", help="the run's --stats file (time per stage, throughput)")
    p.add_argument("-o", "--report", required=True, help="report.html")
    try:
        args = p.parse_args(argv)
        for path, what in ((args.output, "output"), (args.rejects, "rejects file"), (args.stats, "stats file")):
            if path and not os.path.exists(path):
                raise CannotRun(f"no such {what}: {path}")
        _check_writable(args.report, "report", REPORT_SUFFIXES)
        _report_available()
        size = build_report(args.output, args.report, rejects=args.rejects, stats=args.stats)
    except (CannotRun, OSError, ValueError) as e:  # ValueError: a line that is not a record, a stats file not JSON
        print(f"clean-corpus report: error: {e}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    print(f"report: {args.report} ({size / 1024:,.0f} kB)", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    previous_sigterm = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        return _main(sys.argv[1:] if argv is None else argv)
    finally:
        signal.signal(signal.SIGTERM, previous_sigterm)


def _main(argv: list[str]) -> int:
    if _is_report_command(argv):
        return report_main(argv[1:])
    args = None
    try:
        args = build_parser().parse_args(argv)
        config = load_config(args)
        check_paths(args, config)
        check_rule_files(config)
        configure_logging("WARNING" if args.quiet else args.log_level)
        runner = _engine(args.engine)
        if args.ray_address and args.engine != "ray":
            raise CannotRun("--ray-address is for --engine ray")
        if args.index and args.engine != "local":
            raise CannotRun("--index is for --engine local")
        options = {"ray_address": args.ray_address} if args.engine == "ray" else {"index": args.index}
        stats = runner.run(args.inputs, args.output, config, rejects=args.rejects, stats_path=args.stats,
                           resume=args.resume,
                           progress=not args.quiet and (args.engine == "local" or sys.stderr.isatty()), **options)
        if args.stats:
            _write_stats(args.stats, stats)
        if args.report:
            size = build_report(args.output, args.report, rejects=args.rejects, stats=stats.to_json())
    except (CannotRun, RunError, OSError) as e:  # OSError: a folder became unwritable, the disk filled up
        print(f"clean-corpus: error: {e}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    except KeyboardInterrupt as e:
        hint = "; run again with --resume to continue" if args is None or args.engine == "local" else ""
        terminated = isinstance(e, Terminated)
        # after Ctrl-C the terminal shows ^C: the line starts on a fresh line
        what = "clean-corpus: terminated (SIGTERM)" if terminated else "\nclean-corpus: interrupted"
        print(f"{what}{hint}", file=sys.stderr)
        return EXIT_TERMINATED if terminated else EXIT_INTERRUPTED
    except Exception as e:  # a bug: still one line, and the finished shards are kept for --resume
        print(f"clean-corpus: internal error: {type(e).__name__}: {e}", file=sys.stderr)
        return EXIT_BUG
    print(stats.summary(), file=sys.stderr)
    if args.report:
        print(f"report: {args.report} ({size / 1024:,.0f} kB)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
