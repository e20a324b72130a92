"""Preprocessing: faces on real videos, bad input in a batch, kill-and-resume, shards, options."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest

from dfdetect.cli import main
from dfdetect.data.indexers import index_dataset
from dfdetect.data.manifest import write_manifest
from dfdetect.preprocess import PreprocessOptions, preprocess
from dfdetect.workdir import sample_key


def _link_reference_videos(reference: Path, root: Path) -> Path:
    with open(reference / "media/labels.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row["kind"] == "video":
            target = root / row["label"] / Path(row["path"]).name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(reference / "media" / row["path"])
    return root


@pytest.fixture(scope="module")
def reference_run(reference, tmp_path_factory):
    base = tmp_path_factory.mktemp("refvideos")
    root = _link_reference_videos(reference, base / "data")
    index_dataset("folder", root, base / "m.csv")
    report = preprocess(base / "m.csv", base / "work", PreprocessOptions(frames=16), workers=2,
                        progress=False)
    return base, report


def test_a_face_in_15_of_16_frames_of_every_reference_video(reference_run):
    base, report = reference_run
    assert len(report) == 11 and (report.status == "ok").all()
    assert (report.frames_sampled == 16).all()
    # all 176 but one: frame 65 of the portrait clip yhffcuhhjy, where MTCNN's answer is
    # borderline (0.73 against its 0.7 threshold on a cv2 INTER_AREA copy, missed on the
    # swscale copy the tracker uses, a large false face above it); 32 frames: 352 / 352
    assert (report.faces_found >= 15).all(), report[["sample_id", "faces_found"]]
    assert report.faces_found.sum() >= 175


def test_crops_are_faces_with_a_full_sidecar(reference_run):
    from dfdetect.media.faces import FaceDetector

    base, report = reference_run
    detector = FaceDetector(detect_short_side=260, min_face=40)
    for sample_id in report.sample_id:
        folder = base / "work/faces" / sample_key(sample_id)
        sidecar = json.loads((folder / "faces.json").read_text())
        assert sidecar["sample_id"] == sample_id and len(sidecar["frames"]) == 16
        record = next(f for f in sidecar["frames"] if f["face"])
        assert len(record["face"]["landmarks"]) == 5 and record["face"]["prob"] > 0.7
        crop = cv2.cvtColor(cv2.imread(str(folder / record["file"])), cv2.COLOR_BGR2RGB)
        assert crop.shape == (260, 260, 3)
        # the crop shows the subject's face: found again, near the centre, filling the crop
        faces = detector.detect([crop])[0]
        assert faces, sample_id
        main_face = max(faces, key=lambda f: f.size)
        cx, cy = main_face.centre
        assert abs(cx - 130) < 40 and abs(cy - 130) < 50 and main_face.size > 100, sample_id


def test_portrait_clip_keeps_its_orientation(reference_run):
    base, report = reference_run
    portrait = [s for s in report.sample_id if "brtujopkby" in s][0]
    sidecar = json.loads((base / "work/faces" / sample_key(portrait) / "faces.json").read_text())
    assert sidecar["frame_size"] == [1920, 1080]  # stored 1080 wide, 1920 high


def test_rotation_metadata_is_honoured(tmp_path):
    """A phone video stores landscape pixels and a display matrix saying 'turn 90° clockwise'."""
    import struct

    from dfdetect.media.video import read_frames
    from dfdetect.media.writer import write_video

    image = np.zeros((32, 64, 3), np.uint8)
    image[:8, :8] = 255  # a white block in the top-left corner
    write_video(tmp_path / "flat.mp4", np.stack([image] * 5))
    data = bytearray((tmp_path / "flat.mp4").read_bytes())
    matrix = data.find(b"tkhd") + 4 + 40  # the tkhd box's 3×3 display matrix (version 0)
    data[matrix:matrix + 36] = struct.pack(">9i", 0, 65536, 0, -65536, 0, 0, 0, 0, 1 << 30)
    (tmp_path / "phone.mp4").write_bytes(bytes(data))
    frames, _ = read_frames(tmp_path / "phone.mp4", 1)
    upright = frames[0].image
    assert upright.shape == (64, 32, 3)
    assert upright[:8, -8:].mean() > 200 and upright[:8, :8].mean() < 50  # now top-right


def test_bad_input_in_a_batch_is_reported_and_the_rest_processed(reference, tmp_path, capsys):
    import av
    import soundfile

    root = tmp_path / "data"
    (root / "real").mkdir(parents=True)
    (root / "fake").mkdir()
    good = reference / "media/video/ffpp/original_sequences/youtube/c23/videos/004.mp4"
    (root / "real/good.mp4").symlink_to(good)
    (root / "real/photo.png").symlink_to(reference / "media/images/ffpp_ex_original.png")
    (root / "fake/empty.mp4").write_bytes(b"")
    (root / "fake/truncated.mp4").write_bytes(good.read_bytes()[: good.stat().st_size // 3])
    (root / "fake/text.mp4").write_text("not a video\n")
    soundfile.write(root / "fake/nosamples.wav", np.zeros(0, np.float32), 16000)
    with av.open(str(root / "fake/audio_only.mp4"), "w", format="mp4") as container:
        stream = container.add_stream("aac", rate=16000)
        stream.layout = "mono"
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 16000), np.float32), format="fltp",
                                           layout="mono")
        frame.sample_rate, frame.pts = 16000, 0
        for packet in [*stream.encode(frame), *stream.encode()]:
            container.mux(packet)
    index_dataset("folder", root, tmp_path / "m.csv", probe=False)
    code = main(["preprocess", "--manifest", str(tmp_path / "m.csv"), "--out",
                 str(tmp_path / "work"), "--workers", "2"])
    printed = capsys.readouterr()
    assert code == 0 and "Traceback" not in printed.err + printed.out
    report = pd.read_csv(tmp_path / "work/preprocess_report.csv").set_index("sample_id")
    reasons = {Path(k).name: (r.status, str(r.reason)) for k, r in report.iterrows()}
    assert reasons["empty.mp4"] == ("failed", f"{root}/fake/empty.mp4: empty file")
    assert reasons["text.mp4"][0] == "failed" and "not a readable video" in reasons["text.mp4"][1]
    assert reasons["audio_only.mp4"][0] == "failed" and "no video stream" in reasons[
        "audio_only.mp4"][1]
    assert reasons["nosamples.wav"][0] == "failed" and "no audio samples" in reasons[
        "nosamples.wav"][1]
    assert reasons["good.mp4"][0] == "ok" and reasons["photo.png"][0] == "ok"
    # FF++ files keep their index (moov) at the end: a cut file has none and cannot be read
    assert reasons["truncated.mp4"][0] == "failed"
    assert "not a readable video" in reasons["truncated.mp4"][1]


def _outputs(workdir: Path) -> dict[str, bytes]:
    """Every output file except the row records (they hold timings)."""
    return {str(p.relative_to(workdir)): p.read_bytes() for p in sorted(workdir.rglob("*"))
            if p.is_file() and p.parts[len(workdir.parts)] in ("faces", "audio")}


def test_killed_run_resumes_to_identical_outputs(tiny_corpus, tmp_path):
    manifest = tmp_path / "fav.csv"
    index_dataset("fakeavceleb", tiny_corpus / "fakeavceleb", manifest)
    args = ["preprocess", "--manifest", str(manifest), "--frames", "8", "--size", "96"]
    whole = tmp_path / "whole"
    assert main([*args, "--out", str(whole)]) == 0

    killed = tmp_path / "killed"
    process = subprocess.Popen([sys.executable, "-m", "dfdetect.cli", *args, "--out",
                                str(killed)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and len(list((killed / "rows").glob("*.json"))
                                          if (killed / "rows").is_dir() else []) < 8:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    done_before = len(list((killed / "rows").glob("*.json")))
    assert 8 <= done_before < 36, "the run was not killed midway"

    report = preprocess(manifest, killed, PreprocessOptions(frames=8, size=96), progress=False)
    assert (report.status == "cached").sum() >= done_before - 1
    assert set(report.status) <= {"ok", "cached", "no_face"}
    assert _outputs(killed) == _outputs(whole)
    leftovers = [p for p in killed.rglob("*") if ".tmp" in p.name or ".old-" in p.name]
    assert leftovers == []


def test_changed_options_redo_rows_and_shards_split_the_work(tiny_corpus, tmp_path):
    manifest = tmp_path / "ffpp.csv"
    # a fifth of the videos (every method and split): what is checked holds for any number
    frame = index_dataset("ffpp", tiny_corpus / "ffpp", manifest).iloc[::5]
    write_manifest(frame, manifest)
    small = PreprocessOptions(frames=4, size=64)
    halves = [preprocess(manifest, tmp_path / "w", small, shard=s, progress=False)
              for s in ("0/2", "1/2")]
    assert sorted(pd.concat(halves).sample_id) == sorted(frame.sample_id)
    assert (tmp_path / "w/preprocess_report.shard-1-of-2.csv").is_file()
    again = preprocess(manifest, tmp_path / "w", small, progress=False)
    # done rows are not redone; a video without any face keeps saying so
    assert set(again.status) <= {"cached", "no_face"} and "cached" in set(again.status)
    bigger = preprocess(manifest, tmp_path / "w", PreprocessOptions(frames=4, size=80),
                        progress=False)
    assert set(bigger.status) <= {"ok", "no_face"} and "ok" in set(bigger.status)
    assert (bigger.seconds > 0).all()  # every row really ran again
    some = next((tmp_path / "w/faces").glob("*/000*.png"))
    assert cv2.imread(str(some)).shape == (80, 80, 3)


def test_seeking_and_sequential_decoding_give_the_same_frames(tmp_path, monkeypatch):
    from dfdetect.media import video
    from dfdetect.media.writer import write_video

    rng = np.random.default_rng(0)
    frames = np.repeat(rng.integers(0, 255, (400, 1, 1, 3), dtype=np.uint8), 64, 1)
    frames = np.repeat(frames, 64, 2)
    write_video(tmp_path / "long.mp4", frames)
    monkeypatch.setattr(video, "SEEK_GAP", 10**9)
    sequential, n = video.read_frames(tmp_path / "long.mp4", 5)
    monkeypatch.setattr(video, "SEEK_GAP", 1)
    seeking, n2 = video.read_frames(tmp_path / "long.mp4", 5)
    assert n == n2 == 400
    assert [f.index for f in seeking] == [f.index for f in sequential] == [40, 120, 200, 280, 360]
    for a, b in zip(seeking, sequential, strict=True):
        assert np.array_equal(a.image, b.image)
