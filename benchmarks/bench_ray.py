"""The Ray engine's overhead on one machine: the local engine against ``--engine ray`` on the same corpus.

Generates a corpus with planted near-duplicates (:mod:`corpus`), runs the local engine, then the Ray engine
on a local Ray of the same number of CPUs, with and without dedup (the difference is what the Ray dedup
costs), checks that both engines wrote the same records, and prints one JSON object of timings and
per-core rates (the numbers behind the cluster plan in the README).

    python benchmarks/bench_ray.py -n 20000 --cpus 2 --work /tmp/bench_ray
"""
from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import ray

from cleaner.engines import local as engine
from cleaner.engines import ray as engine_ray
from cleaner.config import Config
from corpus import generate

FILES = 4


def write_corpus(folder: Path, n: int, seed: int) -> None:
    """``n`` articles as ``FILES`` JSONL files of ``{"id", "text"}``."""
    corpus = generate(n, seed=seed)
    folder.mkdir(parents=True, exist_ok=True)
    per_file = -(-n // FILES)
    for part in range(FILES):
        with open(folder / f"part{part}.jsonl", "w", encoding="utf-8") as f:
            for i in range(part * per_file, min(n, (part + 1) * per_file)):
                f.write(json.dumps({"id": f"doc{i}", "text": corpus.texts[i]}, ensure_ascii=False) + "\n")


def timed(run, *args, **kwargs) -> tuple[float, engine.Stats]:
    start = time.perf_counter()
    stats = run(*args, **kwargs)
    return time.perf_counter() - start, stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=20_000, help="documents in the generated corpus")
    parser.add_argument("--cpus", type=int, default=os.cpu_count(), help="local engine workers and Ray CPUs")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", required=True, help="folder for the corpus and the outputs")
    args = parser.parse_args()

    work = Path(args.work)
    corpus = work / "corpus"
    write_corpus(corpus, args.n, args.seed)
    config = Config(workers=args.cpus)
    inputs = [str(corpus)]

    local_s, local = timed(engine.run, inputs, work / "local.jsonl", config)
    ray_start = time.perf_counter()
    ray.init(num_cpus=args.cpus, include_dashboard=False, log_to_driver=False)
    start_s = time.perf_counter() - ray_start
    ray_s, on_ray = timed(engine_ray.run, inputs, work / "ray.jsonl", config)
    no_dedup_s, _ = timed(engine_ray.run, inputs, work / "ray-no-dedup.jsonl", config.replace(dedup=False))
    ray.shutdown()

    identical = (work / "local.jsonl").read_bytes() == (work / "ray.jsonl").read_bytes()
    cleaning_cpu_s = sum(local.seconds_by_stage.values())
    print(json.dumps({
        "documents": args.n, "cpus": args.cpus, "identical_output": identical,
        "clusters": on_ray.clusters, "duplicates": on_ray.duplicates,
        "local_s": round(local_s, 2), "ray_s": round(ray_s, 2), "ray_start_s": round(start_s, 2),
        "ray_without_dedup_s": round(no_dedup_s, 2), "ray_dedup_s": round(ray_s - no_dedup_s, 2),
        "ray_overhead": round(ray_s / local_s, 2),
        "local_docs_per_s": round(args.n / local_s, 1), "ray_docs_per_s": round(args.n / ray_s, 1),
        "cleaning_docs_per_cpu_s": round(args.n / cleaning_cpu_s, 1) if cleaning_cpu_s else None,
        "ray_docs_per_core_s": round(args.n / ray_s / args.cpus, 1),
    }, indent=1))


if __name__ == "__main__":
    main()
