"""The shipped default model's ONNX export, built once on first use into the cache."""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest

from dfdetect.inference.bundle import Detector, default_bundle
from dfdetect.inference.shipped import default_model


@pytest.mark.timeout(300)
def test_the_export_is_built_once_and_scores_as_torch_does(tmp_path, monkeypatch, reference):
    monkeypatch.setenv("DFDETECT_CACHE", str(tmp_path))
    built = default_model()
    assert built.parent == tmp_path and built != default_bundle()
    records = json.loads((built / "metadata.json").read_text())["onnx"]
    assert records["spatial"]["kept"] and records["spatial"]["probability"] <= 1e-4
    stamp = (built / "onnx" / "spatial.onnx").stat().st_mtime_ns
    assert default_model() == built  # the second use finds it
    assert (built / "onnx" / "spatial.onnx").stat().st_mtime_ns == stamp
    assert [p.name for p in tmp_path.iterdir()] == [built.name]  # no building folder left
    fast, slow = Detector.load(built), Detector.load(default_bundle(), backend="torch")
    assert "spatial" in fast.fast and not slow.fast
    from dfdetect.inference.scan import scan

    video = sorted((reference / "media").rglob("*.mp4"))[0]
    scores = [scan(video, detector).score for detector in (fast, slow)]
    assert np.isclose(*scores, atol=1e-4), scores


def test_without_a_writable_cache_the_scan_goes_on_with_torch(tmp_path, monkeypatch, caplog):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("DFDETECT_CACHE", str(blocker))
    with caplog.at_level(logging.WARNING):
        assert default_model() == default_bundle()
    assert "scanning with torch" in caplog.text


def test_torch_asks_for_no_export(tmp_path, monkeypatch):
    monkeypatch.setenv("DFDETECT_CACHE", str(tmp_path))
    assert default_model("torch") == default_bundle()
    assert not list(tmp_path.iterdir())
