"""The whole pipeline end to end (``run_demo`` with debug-sized models on the tiny corpus), its
detector bundle, and scanning every reference media file with it."""

from __future__ import annotations

import json
import shutil

import pytest

from dfdetect.cli import main
from dfdetect.demo import DATASETS, run_demo
from dfdetect.inference.bundle import Detector
from dfdetect.inference.scan import ScanError, scan
from dfdetect.media.probe import media_kind


def test_the_demo_writes_every_output_and_metric(quick_demo):
    out, metrics = quick_demo
    saved = json.loads((out / "metrics.json").read_text())
    assert saved == json.loads(json.dumps(metrics))
    for model in ("tcn", "bilstm", "transformer"):
        assert 0 <= saved["temporal"][model]["auc"] <= 1
    for key in ("auc_before", "auc_after", "separation_before", "separation_after"):
        assert saved["contrastive"][key] >= 0, key
    for key in ("auc", "acc", "category_acc", "video_only_auc", "audio_only_auc"):
        assert 0 <= saved["fusion"][key] <= 1, key
    assert {"audio", "spatial"} <= set(saved)
    for picture in ("temporal_comparison", "embeddings", "fusion_comparison",
                    "spectrogram_comparison", "annotated_heatmaps"):
        assert (out / "plots" / f"{picture}.png").stat().st_size > 5_000, picture
    assert len(list((out / "features").glob("*.mask.npy"))) > 0
    report = (out / "report.html").read_text()
    assert report.count("data:image/png;base64,") >= 8  # plots and scan pictures, embedded
    assert "Stage timings" in report and "fusion" in report
    assert len(saved["scans"]) == 6  # one per FakeAVCeleb category, a real and a fake FF++


def test_a_rerun_reuses_every_finished_stage(quick_demo, tiny_corpus):
    out, _ = quick_demo
    stamps = {p.name: p.stat().st_mtime_ns for p in (out / ".stages").iterdir()}
    run_demo(out, preset="tiny", profile="quick", corpus=tiny_corpus)
    assert {p.name: p.stat().st_mtime_ns for p in (out / ".stages").iterdir()} == stamps


def test_the_bundle_records_its_weights_and_refuses_tampered_ones(quick_demo, tmp_path):
    out, metrics = quick_demo
    detector = Detector.load(out / "bundle")
    assert sorted(detector.networks) == ["audio", "fusion", "spatial", "sync", "temporal"]
    assert set(detector.thresholds) == {"overall", "video", "audio", "sync", "image"}
    assert set(detector.metadata["test_metrics"]) == {"ffpp", "fakeavceleb", "asvspoof2019"}
    assert 0 <= detector.metadata["validation_metrics"]["fusion"]["auc"] <= 1
    assert len(detector.metadata["sha256"]) == 5
    copy = tmp_path / "bundle"
    shutil.copytree(out / "bundle", copy)
    with open(copy / "audio.safetensors", "r+b") as handle:
        handle.seek(-4, 2)
        handle.write(b"\0\0\0\1")
    with pytest.raises(Exception, match="SHA-256"):
        Detector.load(copy)


def test_scanning_every_reference_media_file_gives_a_valid_result(quick_demo, reference):
    out, _ = quick_demo
    detector = Detector.load(out / "bundle")
    files = sorted(p for p in (reference / "media").rglob("*") if media_kind(p))
    assert len(files) >= 40
    for path in files:
        result = scan(path, detector)
        assert 0.0 <= result.score <= 1.0, path
        if result.verdict == "inconclusive":  # evidence too weak: it must say why
            assert result.warnings and any("Not judged" in x for x in result.explanation)
        else:
            assert result.verdict == ("fake" if result.score >= result.threshold else "real")
        assert result.modalities and result.explanation[0].startswith("Verdict"), path
        kind = media_kind(path)
        if kind == "video":
            assert len(result.frames) == detector.preprocess.frames, path
            assert "video" in result.modalities or "audio" in result.modalities
            boxes = [f["box"] for f in result.frames if f["box"] is not None]
            assert all(len(box) == 4 for box in boxes)
        if kind == "audio":
            assert set(result.modalities) == {"audio"} and result.audio_segments
            # segments cover the recording; only a tail under a quarter window is left out
            quarter = detector.configs["audio"].samples / 4 / 16_000
            uncovered = result.audio.size / 16_000 - result.audio_segments[-1]["end"]
            assert -0.001 <= uncovered <= quarter + 0.01, path  # ends rounded to ms
        if kind == "image":
            assert set(result.modalities) == {"image"}
        json.dumps(result.to_json())  # serialisable as it is


def test_cli_scan_reports_broken_files_per_file_and_goes_on(quick_demo, reference, tmp_path,
                                                            capsys):
    out, _ = quick_demo
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"not a video at all" * 100)
    good = reference / "media/audio/asvspoof2019_LA/LA_D_1003356.flac"
    video = reference / "media/video/ffpp/original_sequences/youtube/c23/videos/004.mp4"
    html = tmp_path / "report.html"
    code = main(["scan", str(empty), str(good), str(garbage), str(video), "--model",
                 str(out / "bundle"), "--json", "--report", str(html)])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 1
    assert [line["path"] for line in lines] == [str(empty), str(good), str(garbage), str(video)]
    assert "empty file" in lines[0]["error"] and "error" in lines[2]
    assert lines[1]["kind"] == "audio" and lines[3]["kind"] == "video"
    assert "Traceback" not in lines[2]["error"]
    page = html.read_text()
    assert page.count("not scanned") == 2 and page.count("data:image/png;base64,") >= 3


def test_scan_refuses_what_it_cannot_judge(quick_demo, tmp_path):
    out, _ = quick_demo
    detector = Detector.load(out / "bundle")
    with pytest.raises(ScanError, match="not a video, image or audio file"):
        scan(tmp_path / "notes.txt", detector)
    with pytest.raises(ScanError, match="file not found"):
        scan(tmp_path / "missing.mp4", detector)


def test_cli_train_fusion_reports_the_fused_head_against_each_branch(quick_demo, tmp_path):
    out, _ = quick_demo
    run = tmp_path / "fusion"
    assert main(["train", "fusion", "--manifest", str(out / "manifests/fakeavceleb.csv"),
                 "--work", str(out / "work"), "--temporal",
                 str(out / "contrastive/checkpoints/best.ckpt"), "--audio",
                 str(out / "audio/checkpoints/best.ckpt"), "--out", str(run),
                 "--set", "epochs=3", "--set", "hidden=8"]) == 0
    metrics = json.loads((run / "fusion_test_metrics.json").read_text())
    for key in ("auc", "video_only_auc", "audio_only_auc", "late_mean_auc", "category_acc"):
        assert 0 <= metrics[key] <= 1, key
    scores = (run / "fusion_scores.csv").read_text().splitlines()
    assert scores[0].startswith("sample_id") and len(scores) == 37  # 36 tiny FakeAVCeleb videos


def test_onnx_runtime_scans_match_torch(quick_demo, reference, tmp_path):
    out, _ = quick_demo
    records = Detector.load(out / "bundle").metadata["onnx"]
    kept = {c for c, r in records.items() if r["kept"]}
    assert kept == {"spatial", "temporal", "audio", "fusion"}
    fast = Detector.load(out / "bundle", backend="onnx")
    slow = Detector.load(out / "bundle", backend="torch")
    assert fast.backend == "onnx" and slow.backend == "torch"
    for name in ("media/video/dfdc_samples/lynaeydofd.mp4",
                 "media/audio/elevenlabs_pairs/ElevenLabs1.flac",
                 "media/images/ffpp_ex_deepfakes.png"):
        a, b = scan(reference / name, fast), scan(reference / name, slow)
        assert abs(a.score - b.score) <= 1e-4, name
        for x, y in zip(a.frames, b.frames, strict=True):
            assert (x["score"] is None) == (y["score"] is None)
            assert x["score"] is None or abs(x["score"] - y["score"]) <= 1e-4
        for x, y in zip(a.audio_segments, b.audio_segments, strict=True):
            assert abs(x["score"] - y["score"]) <= 1e-4
    copy = tmp_path / "bundle"
    shutil.copytree(out / "bundle", copy)
    (copy / "onnx" / "spatial.onnx").write_bytes(b"replaced")
    with pytest.raises(Exception, match="SHA-256"):
        Detector.load(copy)
    shutil.rmtree(copy / "onnx")
    assert Detector.load(copy).backend == "torch"  # auto falls back to torch
    with pytest.raises(Exception, match="no ONNX export"):
        Detector.load(copy, backend="onnx")


def _flat(tree, prefix: str = "") -> dict:
    """Nested dicts and lists as ``{"a.b.0": leaf}``."""
    if isinstance(tree, list):
        tree = dict(enumerate(tree))
    if not isinstance(tree, dict):
        return {prefix.rstrip("."): tree}
    return {k: v for key, value in tree.items() for k, v in _flat(value, f"{prefix}{key}.").items()}


def test_the_bundles_recorded_test_figures_are_what_its_scans_give(quick_demo, tmp_path):
    """Every test file of the demo scanned again with its bundle: each branch's figures
    recomputed from those scan scores equal the ones the bundle recorded, to the sixth digit."""
    from pathlib import Path

    from dfdetect.evaluation.scan_metrics import scan_metrics
    from dfdetect.inference.collection import scan_collection
    from dfdetect.inference.recorded_metrics import split_rows

    out, _ = quick_demo
    detector = Detector.load(out / "bundle")
    recorded = detector.metadata["test_metrics"]
    rows = split_rows({name: out / "manifests" / f"{name}.csv" for name in DATASETS})
    scans = scan_collection(detector, rows, Path("/"), tmp_path, progress=False)
    assert (scans.error == "").all(), scans.error[scans.error != ""].tolist()
    again = scan_metrics(scans)
    assert set(recorded["ffpp"]) >= {"video", "overall"}
    assert set(recorded["asvspoof2019"]) >= {"audio", "overall"}
    assert set(recorded["fakeavceleb"]) >= {"video", "audio", "overall", "category_acc"}
    assert len(recorded["fakeavceleb"]["category_acc"]) == 4
    flat, fresh = _flat(recorded), _flat(again)
    assert flat.keys() == fresh.keys()
    for key, value in flat.items():
        assert fresh[key] == pytest.approx(value, abs=1e-6), key
    assert recorded["ffpp"]["video"]["n_real"] + recorded["ffpp"]["video"]["n_fake"] == int(
        (rows.source == "ffpp").sum())


def test_saved_scans_resume_only_for_the_bundle_that_made_them(quick_demo, tmp_path):
    from pathlib import Path

    import pandas as pd

    from dfdetect.inference.collection import read_scans, scan_collection
    from dfdetect.inference.recorded_metrics import split_rows

    out, _ = quick_demo
    rows = split_rows({"asvspoof2019": out / "manifests" / "asvspoof2019.csv"}).head(2)
    detector, scans = Detector.load(out / "bundle"), tmp_path / "scans"
    first = scan_collection(detector, rows, Path("/"), scans, progress=False)
    # a mark in a saved line: a resumed run keeps it (the line is not scanned again) ...
    marked = first.assign(score=[0.123] + list(first.score[1:]))
    marked.to_csv(scans / "scans.csv", index=False)
    again = scan_collection(Detector.load(out / "bundle"), rows, Path("/"), scans,
                            progress=False)
    assert again.score.iloc[0] == pytest.approx(0.123)
    # ... but the same folder scanned by another bundle (here: other thresholds) starts afresh
    other = tmp_path / "other"
    shutil.copytree(out / "bundle", other)
    thresholds = json.loads((other / "thresholds.json").read_text())
    (other / "thresholds.json").write_text(json.dumps({k: min(1.0, v + 0.01)
                                                        for k, v in thresholds.items()}))
    fresh = scan_collection(Detector.load(other), rows, Path("/"), scans, progress=False)
    assert len(fresh) == len(rows) == 2
    assert fresh.score.tolist() == pytest.approx(first.score.tolist())
    pd.testing.assert_frame_equal(fresh, read_scans(scans / "scans.csv"))


def test_a_fakeavceleb_scan_reports_the_sync_branch_and_fusion_reports_what_it_adds(
        quick_demo, capsys):
    import pandas as pd

    from dfdetect.data.manifest import manifest_root
    from dfdetect.inference.plugins import branches_for

    out, metrics = quick_demo
    detector = Detector.load(out / "bundle")
    assert [branch.name for branch in branches_for(detector)] == ["video", "audio", "sync"]
    manifest = out / "manifests" / "fakeavceleb.csv"
    rows = pd.read_csv(manifest)
    row = rows[(rows.split == "test") & (rows.category == "RealVideo-RealAudio")].iloc[0]
    assert main(["scan", str(manifest_root(manifest) / row.path), "--model",
                 str(out / "bundle"), "--json"]) == 0
    sync = json.loads(capsys.readouterr().out)["modalities"]["sync"]
    assert 0 <= sync["score"] <= 1 and -1 <= sync["offset_s"] <= 1
    assert sync["confidence"] == sync["confidence"] and sync["faces"] >= 1
    assert sync["reasons"] and "shifted by" in sync["reasons"][0]
    from dfdetect.inference.sync_branch import OFFSETS
    from dfdetect.serve.app import pictures

    assert len(sync["curve"]) == len(OFFSETS)
    urls, notes = pictures(scan(manifest_root(manifest) / row.path, detector), detector)
    assert {"timeline", "faces", "audio", "sync"} <= set(urls) and notes["sync"]["caption"]
    for run in (metrics["fusion"], metrics["fusion"]["without_sync"]):
        line = run["per_category"]["FakeVideo-RealAudio"]
        assert 0 <= line["acc"] <= 1 and line["n"] >= 1 and len(line["ci95"]) == 2
    assert metrics["fusion"]["branches"] == ["video", "audio", "sync"]
