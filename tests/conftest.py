"""Shared paths for tests: the project's seeds and the third-party material in ../shared/realworld."""
from pathlib import Path

import sys

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
REALWORLD = ROOT.parent / "shared" / "realworld"
# Benchmarks hold the reference helpers that tests and evaluations share (codec_alike, corpus).
sys.path.insert(0, str(ROOT / "benchmarks"))


@pytest.fixture(scope="session")
def realworld() -> Path:
    if not REALWORLD.is_dir():
        pytest.skip(f"third-party material not found at {REALWORLD}")
    return REALWORLD
