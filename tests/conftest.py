"""Shared fixtures: the real reference files in ../shared/reference."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dfdetect.data.indexers import index_dataset
from dfdetect.preprocess import PreprocessOptions, preprocess
from dfdetect.training.spatial import SpatialTrainConfig, train_spatial

REPO = Path(__file__).resolve().parents[1]


def pytest_configure(config):
    """What dfdetect builds for itself (the default model's ONNX export) goes to a folder of
    this test run's own, not to the user's cache."""
    import tempfile

    os.environ.setdefault("DFDETECT_CACHE", tempfile.mkdtemp(prefix="dfdetect-test-cache-"))


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
def bench_script():
    """``bench_script("voice_sources")``: a ``bench/`` script loaded as a module (the scripts
    are not a package), so tests call its functions."""
    import importlib.util

    def load(name: str):
        spec = importlib.util.spec_from_file_location(name, REPO / "bench" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load


@pytest.fixture(scope="session")
def asvspoof_layout(reference, tmp_path_factory) -> Path:
    """ASVspoof 2019 LA's real protocols in the real layout with an empty FLAC per line (121k
    of them) and unlisted extras: built once, read only (``asvspoof_protocols_copy`` gives a
    test protocols of its own to rewrite)."""
    from tests.skeletons import asvspoof_skeleton

    return asvspoof_skeleton(reference, tmp_path_factory.mktemp("asvspoof"))


@pytest.fixture(scope="session")
def fakeavceleb_layout(reference, tmp_path_factory) -> Path:
    """FakeAVCeleb's real ``meta_data.csv`` with an empty mp4 per row (21k): built once, read
    only (``fakeavceleb_metadata_copy`` gives a test metadata of its own to rewrite)."""
    from tests.skeletons import fakeavceleb_skeleton

    root = tmp_path_factory.mktemp("fakeavceleb")
    fakeavceleb_skeleton(reference, root)
    return root


@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory) -> Path:
    """The ``tiny`` synthetic corpus, generated once per test session (about 25 s on 2 cores)."""
    from dfdetect.data.synthetic import generate_corpus

    return generate_corpus("tiny", tmp_path_factory.mktemp("tiny"), seed=0)


@pytest.fixture(scope="session")
def ffpp_faces(tiny_corpus, tmp_path_factory):
    """The tiny FF++ indexed and preprocessed (8 faces per video, 96 px): (manifest, base)."""
    base = tmp_path_factory.mktemp("spatial")
    manifest = base / "ffpp.csv"
    index_dataset("ffpp", tiny_corpus / "ffpp", manifest)
    # full detection on every frame (the reference path): with the tracker's crops the debug
    # model of spatial_checkpoint reached video AUC 0.750 on the 20 test videos, against
    # 0.969 with these and 0.938 before the tracker existed, although the boxes agree (IoU
    # mean 0.93, min 0.81 on these videos); not understood yet, see issue #19's notes
    preprocess(manifest, base / "work", PreprocessOptions(frames=8, size=96, track=False),
               workers=2, progress=False)
    return manifest, base


@pytest.fixture(scope="session")
def spatial_checkpoint(ffpp_faces):
    """The debug face model trained on ``ffpp_faces`` (run folder base/run): best.ckpt."""
    manifest, base = ffpp_faces
    config = SpatialTrainConfig(model="spatial_debug", pretrained="none", image_size=96,
                                epochs=12, batch_size=8, num_workers=0, lr=2e-3,
                                samples_per_epoch=320, patience=100,
                                # measured: with face-part cut-out on these 40 training videos
                                # the debug model needs more than 12 epochs (val AUC 0.63)
                                part_cutout=0.0)
    return train_spatial(manifest, base / "work", base / "run", config, progress=False)


@pytest.fixture(scope="session")
def quick_demo(tiny_corpus, tmp_path_factory):
    """The whole demo pipeline with debug-sized models on the tiny corpus: (run folder,
    metrics). Its ``bundle/`` is the detector the scan and web tests use."""
    import json
    import signal
    import subprocess
    import sys

    from dfdetect.demo import run_demo

    out = tmp_path_factory.mktemp("demo")
    # Killed twice first (at its 5th and then, resumed, at its 60th atomic write), so that
    # every test of the demo bundle also checks that a killed demo resumes to a working one.
    code = (f"from dfdetect.demo import run_demo; run_demo({str(out)!r}, preset='tiny', "
            f"profile='quick', corpus={str(tiny_corpus)!r})")
    kills = []
    for write in (5, 60):
        done = subprocess.run([sys.executable, "-c", code], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL,
                              env={**os.environ, "DFDETECT_KILL_AT_WRITE": str(write)})
        temps = [p.name for p in out.rglob("*.tmp")]
        kills.append({"write": write, "killed": done.returncode == -signal.SIGKILL,
                      "temps_left": temps})
    out.with_name(f"{out.name}-kills.json").write_text(json.dumps(kills))
    return out, run_demo(out, preset="tiny", profile="quick", corpus=tiny_corpus)
