"""Shared paths for tests: the project's seeds and the third-party material in ../shared/realworld."""
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
REALWORLD = ROOT.parent / "shared" / "realworld"


@pytest.fixture(scope="session")
def realworld() -> Path:
    if not REALWORLD.is_dir():
        pytest.skip(f"third-party material not found at {REALWORLD}")
    return REALWORLD
