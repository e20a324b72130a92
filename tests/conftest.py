"""Shared fixtures: the real reference files in ../shared/reference."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def reference_dir() -> Path:
    """The shared reference data; tests fail (not skip) without it, naming where they looked."""
    path = Path(os.environ.get("DFDETECT_REFERENCE", REPO.parent / "shared" / "reference"))
    if not (path / "README.md").is_file():
        pytest.fail(f"reference data not found at {path} (set DFDETECT_REFERENCE)")
    return path


@pytest.fixture(scope="session")
def reference() -> Path:
    return reference_dir()


@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory) -> Path:
    """The ``tiny`` synthetic corpus, generated once per test session (about 25 s on 2 cores)."""
    from dfdetect.data.synthetic import generate_corpus

    return generate_corpus("tiny", tmp_path_factory.mktemp("tiny"), seed=0)
