"""Files as people share them: animated GIF and WebP scanned as videos, tightly cropped face
photos (the holdout images of ../shared/realdata, among them 224 px SimSwap crops)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from dfdetect.inference.bundle import Detector, default_bundle
from dfdetect.inference.scan import scan
from dfdetect.media.video import read_frames

VIDEO = "media/video/ffpp/original_sequences/youtube/c23/videos/004.mp4"


@pytest.fixture(scope="module")
def detector():
    return Detector.load(default_bundle())


@pytest.fixture(scope="module")
def pictures(reference):
    frames, _ = read_frames(reference / VIDEO, 8)
    return [Image.fromarray(f.image).resize((640, 360)) for f in frames]


@pytest.mark.parametrize("suffix", [".gif", ".webp"])
def test_an_animation_is_scanned_as_the_video_it_is(pictures, detector, tmp_path, suffix):
    path = tmp_path / f"clip{suffix}"
    pictures[0].save(path, save_all=True, append_images=pictures[1:], duration=80, loop=0)
    result = scan(path, detector)
    assert result.kind == "video" and result.verdict in ("real", "fake")
    assert list(result.modalities) == ["video"]  # no sound in a GIF or WebP
    seconds = [f["seconds"] for f in result.frames]
    assert len(seconds) == 8 and np.allclose(np.diff(seconds), 0.08)
    assert sum(f["score"] is not None for f in result.frames) == 8  # the face in every frame


def test_a_still_gif_stays_an_image(pictures, detector, tmp_path):
    path = tmp_path / "still.gif"
    pictures[0].save(path)
    result = scan(path, detector)
    assert result.kind == "image" and "image" in result.modalities


def test_every_holdout_face_image_gets_a_verdict(reference, detector):
    root = reference.parent / "realdata"
    labels = pd.read_csv(root / "labels.csv")
    images = labels.path[(labels.role == "holdout") & (labels.modality == "image")]
    assert len(images) >= 40
    verdicts = {path: scan(root / path, detector).verdict for path in images}
    assert set(verdicts.values()) <= {"real", "fake", "inconclusive"}
    crops = [p for p in images if "crop_224" in p]
    assert crops and all(verdicts[p] in ("real", "fake") for p in crops)  # faces found


def test_a_face_filling_the_frame_is_found_on_a_padded_copy(reference):
    from dfdetect.media.faces import shared_detector

    photo = np.asarray(Image.open(reference.parent / "realdata/faces/SimSwap/crop_224/lcw.jpg")
                       .convert("RGB"))
    detector = shared_detector()
    assert detector.detect([photo]) == [[]]  # the plain detector misses this crop
    faces = detector.detect_filling(photo)
    assert len(faces) == 1 and faces[0].prob > 0.9
    x0, y0, x1, y1 = faces[0].box
    assert -20 < x0 < x1 < 250 and -20 < y0 < y1 < 250  # in the crop's own pixels
