"""The work folder next to an output (``OUT.parts/``): shard files written atomically, the manifest that
``--resume`` checks, the per-shard digests of the input read so far, and the lock that lets one run at a
time write an output."""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import pickle
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any


from ..config import Config
from ..io import remote
from ..text.rulefiles import rule_file_digests
from .base import RunError
from .shards import ShardResult


_MANIFEST = "manifest.json"


# --- shard files ---------------------------------------------------------------------------------------


def json_line(record: dict[str, Any]) -> bytes:
    """One JSON line in UTF-8. A lone surrogate (JSON input may hold ``"\\ud800"``) has no UTF-8 form and
    is written as its JSON escape, which reads back as the same string (as :mod:`cleaner.io.writers` does)."""
    return (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8", "backslashreplace")


def records_path(work: Path, index: int) -> Path:
    return work / f"shard-{index:07d}.jsonl"


def meta_path(work: Path, index: int) -> Path:
    return work / f"shard-{index:07d}.meta.pkl"


def inputs_path(work: Path, index: int) -> Path:
    """[file, bytes read, SHA-256 of them] of the input files read since the shard before, when the shard
    was cut: what ``--resume`` compares before it trusts the complete shard."""
    return work / f"shard-{index:07d}.inputs.json"


def write_atomically(path: Path, data: bytes | Iterable[bytes], wanted: Callable[[], bool] | None = None) -> bool:
    """Write under a temporary name, then rename: ``path`` is either complete or absent. ``wanted`` is asked
    just before the rename; when it says no, nothing is left behind and the result is False."""
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as f:
        if isinstance(data, bytes):
            f.write(data)
        else:
            f.writelines(data)
    if wanted is not None and not wanted():
        tmp.unlink()
        return False
    os.replace(tmp, path)
    return True


def write_shard(work: Path, index: int, result: ShardResult, wanted: Callable[[], bool] | None = None) -> bool:
    """Records first, metadata last: the metadata file marks the shard complete. ``wanted`` is asked just
    before that mark (a worker whose run was killed while it wrote leaves the shard incomplete); False
    when it said no."""
    write_atomically(records_path(work, index), (json_line(r) for r in result.records))
    meta = {"rejects": result.rejects, "ids": [r["id"] for r in result.records], "lengths": result.lengths,
            "signatures": result.signatures, "stats": result.stats}
    return write_atomically(meta_path(work, index), pickle.dumps(meta, protocol=pickle.HIGHEST_PROTOCOL), wanted)


def work_folder(output: str | Path) -> Path:
    """Where a run keeps its shards: next to the output, ``OUT.parts``; for an output URL, in the local
    temporary folder under a name made from the URL (so ``--resume`` finds it)."""
    if remote.is_url(output):
        digest = hashlib.sha256(str(output).encode("utf-8")).hexdigest()[:16]
        return Path(tempfile.gettempdir(), f"clean-corpus-{digest}.parts")
    output = Path(output)
    return output.with_name(output.name + ".parts")


def lock_output(output: str | Path) -> int:
    """Hold ``.OUT.lock`` next to the output for this process (released when it exits or by
    :func:`unlock_output`); :class:`RunError` at once when another run holds it."""
    output = Path(output)
    path = output.with_name(f".{output.name}.lock")
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise RunError(f"another clean-corpus run is writing {output} (it holds {path}); "
                           "wait for it to finish or choose another output") from None
        try:  # the run before may have removed the file between our open and our lock: lock the new one
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)


def unlock_output(output: str | Path, fd: int) -> None:
    output = Path(output)
    Path(output.with_name(f".{output.name}.lock")).unlink(missing_ok=True)
    os.close(fd)


def remove_stale_temp_files(paths: list[str | Path]) -> None:
    """Temporary files that writers of earlier, killed runs left next to ``paths`` (see
    :mod:`cleaner.io.writers`); only called while holding the output's lock."""
    for path in paths:
        path = Path(path)
        pattern = re.compile(rf"\.{re.escape(path.name)}\.\d+\.[0-9a-f]{{8}}\.tmp")
        try:
            names = os.listdir(path.parent)
        except OSError:
            continue
        for name in names:
            if pattern.fullmatch(name):
                (path.parent / name).unlink(missing_ok=True)


def manifest(files: list[tuple[Path, str]], output: str | Path, config: Config) -> dict[str, Any]:
    """What must not change between a run and its ``--resume``: the input files, output, settings and rule
    files (by content). The content of the inputs is checked shard by shard (:func:`inputs_path`). The
    worker count may change: output does not depend on it."""
    settings = {k: v for k, v in asdict(config).items() if k != "workers"}
    rules = rule_file_digests([config.boilerplate_rules, config.spam_lexicon, config.spin_pairs])
    return {"inputs": [[path if remote.is_url(path) else os.path.abspath(path), id_base] for path, id_base in files],
            "output": output if remote.is_url(output) else os.path.abspath(output), "config": settings,
            "rules": rules}


def _refuse_resume(work: Path, before: dict[str, Any], now: dict[str, Any]) -> None:
    """RunError naming what differs between the interrupted run (``before``) and this one."""
    for name, digest in now["rules"].items():
        if before.get("rules", {}).get(name, "absent") != digest:
            raise RunError(f"cannot resume: rule file {name} changed since the interrupted run in {work}; "
                           "run again without --resume")
    if before.get("config") != now["config"]:
        changed = sorted(k for k in now["config"] if before.get("config", {}).get(k) != now["config"][k])
        raise RunError(f"cannot resume: settings differ from the run in {work} ({', '.join(changed)})")
    before_inputs = [tuple(x) for x in before.get("inputs", [])]
    now_inputs = [tuple(x) for x in now["inputs"]]
    if before_inputs != now_inputs:
        gone = [x[0] for x in before_inputs if x not in now_inputs]
        added = [x[0] for x in now_inputs if x not in before_inputs]
        what = f"{gone[0]} is no longer an input" if gone else f"{added[0]} is a new input" if added else "their order"
        raise RunError(f"cannot resume: the input files differ from the run in {work} ({what})")
    raise RunError(f"cannot resume: inputs or settings differ from the run in {work}")


def prepare_work_folder(work: Path, manifest: dict[str, Any], resume: bool) -> None:
    manifest_path = work / _MANIFEST
    if work.exists():
        if not manifest_path.is_file():
            raise RunError(f"{work} exists and is not a clean-corpus work folder; move it away")
        if resume:
            with open(manifest_path, encoding="utf-8") as f:
                before = json.load(f)
            if before != json.loads(json.dumps(manifest)):
                _refuse_resume(work, before, manifest)
            for leftover in work.glob("*.tmp-*"):
                leftover.unlink()
            return
        shutil.rmtree(work)
    work.mkdir()
    write_atomically(manifest_path, json.dumps(manifest, indent=1).encode("utf-8"))


def check_inputs(work: Path, index: int, read_so_far: list[list]) -> None:
    """Refuse to trust complete shard ``index`` when the input bytes read up to its cut differ from those
    the interrupted run read."""
    try:
        before = json.loads(inputs_path(work, index).read_bytes())
    except (OSError, ValueError):
        raise RunError(f"cannot resume: shard {index} in {work} has no record of its inputs; "
                       "run again without --resume") from None
    if before != read_so_far:
        changed = next((now[0] for old, now in zip(before, read_so_far) if old != now),
                       (read_so_far or before)[0][0])
        raise RunError(f"cannot resume: input {changed} changed since the interrupted run in {work}; "
                       "run again without --resume")
