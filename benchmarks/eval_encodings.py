"""How often cleaner.decode and chardet alone pick a codec that reads each sample as its true codec does.

Runs over ../shared/realworld/encodings/<true encoding>/ (the folder name is the truth; GBK-dirty are
GBK pages with junk bytes), prints a row per folder and the time both took, measured side by side in this
one run. EUC-TW has no Python codec and is counted only where the sample is plain ASCII.

    python benchmarks/eval_encodings.py [--repeat N] [--verbose]
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import chardet

import cleaner
from codec_alike import decodes_alike

ENCODINGS = Path(__file__).resolve().parents[1].parent / "shared" / "realworld" / "encodings"

# Folder name -> Python codec that reads the samples correctly (None: Python has none).
TRUE_CODEC = {
    "Big5": "big5", "Big5-HKSCS": "big5hkscs", "CP932": "cp932", "CP949": "cp949", "EUC-JP": "euc_jp",
    "EUC-KR": "euc_kr", "EUC-TW": None, "GB18030": "gb18030", "GB2312": "gb2312", "GBK": "gbk",
    "GBK-dirty": "gbk", "HZ-GB-2312": "hz", "Johab": "johab", "SHIFT_JIS": "shift_jis",
    "iso-2022-jp": "iso2022_jp", "iso-2022-kr": "iso2022_kr", "utf-8": "utf-8",
}


def samples(root: Path = ENCODINGS) -> list[tuple[str, Path, str]]:
    """(folder, file, true codec) for every sample that has a true Python codec or is plain ASCII."""
    out = []
    for folder in sorted(TRUE_CODEC):
        for path in sorted((root / folder).iterdir()):
            codec = TRUE_CODEC[folder]
            if codec is None:
                if not path.read_bytes().isascii():
                    continue
                codec = "ascii"
            out.append((folder, path, codec))
    return out


def chardet_codec(data: bytes) -> str:
    name = chardet.detect(data)["encoding"] or "cp1252"
    try:
        data.decode(name, "replace")
    except LookupError:
        return "cp1252"
    return name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timing rounds over all samples (default 3)")
    parser.add_argument("--verbose", action="store_true", help="print every file either side gets wrong")
    args = parser.parse_args()

    rows: dict[str, list[int]] = {}
    for folder, path, truth in samples():
        data = path.read_bytes()
        _, info = cleaner.decode(data)
        theirs = chardet_codec(data)
        ours_ok, theirs_ok = decodes_alike(data, info.encoding, truth), decodes_alike(data, theirs, truth)
        row = rows.setdefault(folder, [0, 0, 0])
        row[0] += 1
        row[1] += ours_ok
        row[2] += theirs_ok
        if args.verbose and not (ours_ok and theirs_ok):
            print(f"  {folder}/{path.name}: cleaner {info.encoding} ({info.source}, {info.confidence})"
                  f"{'' if ours_ok else ' WRONG'}; chardet {theirs}{'' if theirs_ok else ' WRONG'}")

    print(f"{'true encoding':14} {'files':>5} {'cleaner':>8} {'chardet':>8}")
    for folder, (n, ours, theirs) in rows.items():
        print(f"{folder:14} {n:5} {ours:8} {theirs:8}")
    total = [sum(col) for col in zip(*rows.values())]
    print(f"{'all':14} {total[0]:5} {total[1]:8} {total[2]:8}")

    groups = {"utf-8": [], "legacy": []}
    for folder, path, _ in samples():
        groups["utf-8" if folder == "utf-8" else "legacy"].append(path.read_bytes())
    for group, blobs in groups.items():
        size = sum(map(len, blobs)) * args.repeat
        timings = {}
        for name, fn in (("cleaner.decode", cleaner.decode), ("chardet.detect", chardet.detect)):
            start = time.perf_counter()
            for _ in range(args.repeat):
                for data in blobs:
                    fn(data)
            timings[name] = time.perf_counter() - start
        print(f"{group} samples ({len(blobs)} files, {size / 1e6:.1f} MB over {args.repeat} rounds):")
        for name, seconds in timings.items():
            print(f"  {name:15} {seconds:7.3f} s ({size / 1e6 / seconds:6.1f} MB/s)")
        print(f"  time ratio cleaner.decode / chardet.detect: "
              f"{timings['cleaner.decode'] / timings['chardet.detect']:.2f}")

if __name__ == "__main__":
    main()
