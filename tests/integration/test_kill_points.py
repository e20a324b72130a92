"""Every resumable stage killed at several of its writes, then rerun: the rerun completes and no
temp file or staging folder of the killed run is left behind.

The kill comes from ``DFDETECT_KILL_AT_WRITE=N``: the process SIGKILLs itself at its N-th atomic
write, after the temp file is written and before its rename (the worst moment to die), so each
kill point is exact and every run of the test kills at the same place.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from dfdetect.cli import main
from dfdetect.data.indexers import index_dataset


def leftovers(folder: Path) -> list[str]:
    """Temp files (``.NAME.PID@HOST.XXXX.tmp``) and staging folders (``.tmp-*``, ``.old-*``)."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if p.name.endswith(".tmp") or p.name.startswith((".tmp-", ".old-")))


def run_killed_at(write: int, args: list[str]) -> None:
    """Run ``dfdetect ARGS`` until its ``write``-th atomic write, where it is killed."""
    env = {**os.environ, "DFDETECT_KILL_AT_WRITE": str(write)}
    done = subprocess.run([sys.executable, "-m", "dfdetect.cli", *args], env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=300)
    assert done.returncode == -signal.SIGKILL, (
        f"not killed at write {write} (exit {done.returncode}): {done.stderr.decode()[-500:]}")


def check_kill_and_rerun(folder: Path, args: list[str], write: int) -> None:
    """Kill ``dfdetect ARGS`` (which writes into ``folder``) at ``write``, then rerun it."""
    run_killed_at(write, args)
    assert leftovers(folder), f"the kill at write {write} left no temp file to clean up"
    assert main(args) == 0
    assert leftovers(folder) == [], f"after the kill at write {write} and a rerun"


@pytest.mark.parametrize("write", [1, 2])  # the manifest, then its root record
def test_index_killed_while_writing_the_manifest(tiny_corpus, tmp_path, write):
    out = tmp_path / "manifests" / "ffpp.csv"
    args = ["index", "ffpp", "--root", str(tiny_corpus / "ffpp"), "--out", str(out)]
    check_kill_and_rerun(out.parent, args, write)
    assert len(pd.read_csv(out)) == 80


@pytest.mark.parametrize("write", [1, 9, 30])
def test_preprocess_killed_at_several_writes(tiny_corpus, tmp_path, write):
    manifest = tmp_path / "fav.csv"
    index_dataset("fakeavceleb", tiny_corpus / "fakeavceleb", manifest)
    work = tmp_path / "work"
    args = ["preprocess", "--manifest", str(manifest), "--out", str(work), "--frames", "4",
            "--size", "64", "--workers", "1"]
    check_kill_and_rerun(work, args, write)
    report = pd.read_csv(work / "preprocess_report.csv")
    assert set(report.status) <= {"ok", "cached", "no_face"} and len(report) == 36


@pytest.mark.parametrize("write", [1, 6, 41])
def test_features_killed_at_several_writes(ffpp_faces, spatial_checkpoint, tmp_path, write):
    manifest, base = ffpp_faces
    work = tmp_path / "work"
    shutil.copytree(base / "work" / "faces", work / "faces")
    args = ["features", "--checkpoint", str(spatial_checkpoint), "--manifest", str(manifest),
            "--work", str(work)]
    check_kill_and_rerun(work, args, write)
    assert len(pd.read_csv(work / "features" / "index.csv")) == 80


@pytest.mark.parametrize("write", [1, 3, 4])  # config.yaml, then best/last.ckpt per epoch
def test_training_killed_at_several_writes_checkpoints_included(tiny_corpus, tmp_path, write):
    manifest = tmp_path / "asv.csv"
    index_dataset("asvspoof2019", tiny_corpus / "asvspoof2019", manifest)
    out = tmp_path / "run"
    args = ["train", "audio", "--manifest", str(manifest), "--out", str(out),
            "--set", "size=debug", "--set", "epochs=3", "--set", "batch_size=8",
            "--set", "augment=false", "--set", "patience=10"]
    check_kill_and_rerun(out, args, write)
    import torch

    assert torch.load(out / "checkpoints" / "last.ckpt", weights_only=False)["epoch"] == 2


@pytest.mark.parametrize("write", [1, 3])
def test_bundle_export_killed_midway(quick_demo, tmp_path, write):
    bundle = tmp_path / "bundle"
    shutil.copytree(quick_demo[0] / "bundle", bundle)
    shutil.rmtree(bundle / "onnx", ignore_errors=True)
    check_kill_and_rerun(bundle, ["export", "--model", str(bundle)], write)
    from dfdetect.inference.bundle import Detector

    assert Detector.load(bundle).metadata["onnx"]  # the rerun's files pass the hash check


def test_demo_killed_twice_then_resumed_leaves_nothing_behind(quick_demo):
    import json

    out, metrics = quick_demo  # the fixture's run was killed twice before it completed
    kills = json.loads(out.with_name(f"{out.name}-kills.json").read_text())
    assert [k["killed"] for k in kills] == [True, True]
    assert all(k["temps_left"] for k in kills)  # each kill left a temp file behind
    assert leftovers(out) == []
    assert (out / "bundle" / "metadata.json").is_file() and (out / "metrics.json").is_file()
