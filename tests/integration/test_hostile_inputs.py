"""Hostile media through index, preprocess and scan: a defined outcome for every file, never a
traceback, and no file scanned for long."""

from __future__ import annotations

import json
import time

import pandas as pd
import pytest

from dfdetect.cli import main
from dfdetect.errors import DfdetectError
from dfdetect.inference.bundle import Detector
from dfdetect.inference.scan import scan
from tests.hostile_media import hostile_corpus

# what a scan must say (a result of this kind, or an error containing the text)
EXPECTED_SCANS = {
    "valid video with audio": "video", "zero bytes": "empty file",
    "truncated at 10 %": "not a readable video", "random bytes .mp4": "not a readable video",
    "random bytes .png": "not a readable image", "audio-only mp4": "audio",
    "video only": "video", "0-duration audio": "no audio samples", "8 kHz audio": "audio",
    "96 kHz audio": "audio", "8-channel audio": "audio", "silent audio": "audio",
    "NaN/inf samples in float WAV": "NaN or infinite samples",
    "huge declared resolution": "not a readable image", "very long file name": "audio",
    "non-UTF-8 file name": "audio", "symlink loop": "file not found",
    "1×1 image": "no face found", "valid container with no streams": "no video or audio stream",
    "rotated (display matrix)": "video",
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    return root, hostile_corpus(root / "fake")


def test_every_hostile_file_gets_a_result_or_a_clear_error_quickly(quick_demo, corpus):
    out, _ = quick_demo
    detector = Detector.load(out / "bundle")
    outcomes = {}
    for name, path in corpus[1].items():
        start = time.perf_counter()
        try:
            result = scan(path, detector)
            outcomes[name] = result.kind
            assert 0 <= result.score <= 1, name
        except DfdetectError as exc:
            outcomes[name] = str(exc)
            assert str(path.name)[:20] in str(exc) or path.name[:20] in str(exc), name
        seconds = time.perf_counter() - start
        assert seconds < 30, f"{name} took {seconds:.1f} s"
    print(json.dumps(outcomes, indent=1, ensure_ascii=False))
    for name, expected in EXPECTED_SCANS.items():
        assert expected in outcomes[name], (name, outcomes[name])


def test_cli_scan_of_the_whole_corpus_reports_each_file_without_a_traceback(
        quick_demo, corpus, capfd):
    out, _ = quick_demo
    files = [str(p) for p in corpus[1].values()]
    assert main(["scan", *files, "--model", str(out / "bundle"), "--json"]) == 1
    captured = capfd.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines()]
    assert len(lines) == len(files)
    assert all(("error" in line) != ("verdict" in line) for line in lines)
    assert "Traceback" not in captured.err


def test_index_and_preprocess_record_every_file_with_its_reason(corpus, tmp_path):
    root, cases = corpus
    manifest = tmp_path / "m.csv"
    assert main(["index", "folder", "--root", str(root), "--out", str(manifest)]) == 0
    frame = pd.read_csv(manifest, encoding_errors="surrogateescape")
    by_name = {p.split("/")[-1]: s for p, s in zip(frame.path, frame.status, strict=True)}
    assert len(frame) == len(cases)  # every file is a row, problems included
    assert by_name["zero.mp4"] == "empty" and by_name["loop.mp4"] == "missing"
    assert by_name["random.mp4"] == "unreadable" and by_name["audio_only.mp4"] != "ok"
    assert by_name[cases["non-UTF-8 file name"].name] == "ok"
    assert main(["preprocess", "--manifest", str(manifest), "--out", str(tmp_path / "w"),
                 "--frames", "4", "--size", "64", "--workers", "2"]) == 0
    report = pd.read_csv(tmp_path / "w" / "preprocess_report.csv",
                         encoding_errors="surrogateescape")
    assert len(report) == len(cases)
    reasons = dict(zip(report.sample_id.str.split("/").str[-1], report.reason.fillna(""),
                       strict=True))
    statuses = dict(zip(report.sample_id.str.split("/").str[-1], report.status, strict=True))
    assert "NaN or infinite" in reasons["nan.wav"] and statuses["nan.wav"] == "failed"
    assert statuses["good.mp4"] in ("ok", "no_face") and statuses["rate_96k.wav"] == "ok"
    assert statuses[cases["non-UTF-8 file name"].name] == "ok"
    assert set(report.status) <= {"ok", "no_face", "failed", "excluded"}


def test_non_finite_numbers_never_become_a_silent_nan_score(quick_demo, reference,
                                                            monkeypatch):
    import numpy as np

    import dfdetect.inference.scan as scanning

    out, _ = quick_demo
    detector = Detector.load(out / "bundle", backend="torch")
    real = scanning._face_evidence

    def poisoned(*args):
        frames, features, mask, *rest = real(*args)
        features[mask] = np.nan
        return (frames, features, mask, *rest)

    monkeypatch.setattr(scanning, "_face_evidence", poisoned)
    with pytest.raises(DfdetectError, match="non-finite score"):
        scan(reference / "media/video/ffpp/original_sequences/youtube/c23/videos/004.mp4",
             detector)


def test_a_file_over_its_time_limit_is_stopped_with_a_clear_error(quick_demo, reference,
                                                                  tmp_path):
    from dfdetect.errors import TimeLimitError
    from dfdetect.preprocess import PreprocessOptions, process_row

    out, _ = quick_demo
    video = reference / "media/video/dfdc_samples/lynaeydofd.mp4"
    with pytest.raises(TimeLimitError, match="took longer than 0.05 s"):
        scan(video, Detector.load(out / "bundle"), time_limit=0.05)
    line = process_row({"sample_id": "slow", "path": video.name, "modality": "video"},
                       video.parent, tmp_path, PreprocessOptions(frames=8), time_limit=0.05)
    assert line["status"] == "failed" and "time limit" in line["reason"]
    assert not (tmp_path / "faces" / "slow").exists()  # nothing half-made is left to trust


def test_a_full_disk_is_a_clear_error_and_leaves_no_half_file(tmp_path, monkeypatch):
    import errno

    import numpy as np

    from dfdetect.errors import DiskFullError
    from dfdetect.fsutil import save_npy

    target = tmp_path / "features.npy"
    save_npy(target, np.arange(4))

    def full_disk(handle, array):
        handle.write(b"\x93NUMPY partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "save", full_disk)
    with pytest.raises(DiskFullError, match="no space left"):
        save_npy(target, np.arange(100))
    monkeypatch.undo()
    assert np.load(target).tolist() == [0, 1, 2, 3]  # the older file is intact
    assert [p.name for p in tmp_path.iterdir()] == ["features.npy"]  # no temp file left
