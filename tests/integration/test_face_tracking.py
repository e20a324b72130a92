"""The lean decode and the face tracker against the plain ways they replace: every sampled
frame bit-identical to a plain decode of every frame, and the tracked boxes close to a full
MTCNN detection on every sampled frame (real videos of ../shared)."""

from __future__ import annotations

import fractions

import av
import numpy as np
import pytest

from dfdetect.media.face_sampling import face_track
from dfdetect.media.video import read_frames, sample_indices
from dfdetect.preprocess import PreprocessOptions

PORTRAIT = "media/video/dfdc/dfdc_train_part_10/yhffcuhhjy.mp4"  # 720×1280, a small face
FFPP = "media/video/ffpp/original_sequences/youtube/c23/videos/004.mp4"  # GOP 250, B-frames
DFDC = "media/video/dfdc_samples/lynaeydofd.mp4"  # 1920×1080


def _plain(path, k):
    """Every frame decoded in order (no skipping, no plan): the sampled ones as RGB."""
    with av.open(str(path)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    return {i: frames[i] for i in sample_indices(len(frames), k)}


def _short_gop_clip(path, n=120):
    """H.264 with a keyframe every 12 frames and B-frames, like the encoders of phones."""
    rng = np.random.default_rng(3)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 160, 96, "yuv420p"
        stream.codec_context.gop_size, stream.codec_context.max_b_frames = 12, 2
        stream.codec_context.time_base = fractions.Fraction(1, 25)
        base = rng.integers(0, 255, (96, 160, 3), dtype=np.uint8)
        for i in range(n):
            image = np.roll(base, 3 * i, axis=1)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


@pytest.mark.parametrize("source", ["short_gop", "ffpp"])
def test_planned_decoding_gives_exactly_the_frames_of_a_plain_decode(source, reference,
                                                                    tmp_path):
    path = _short_gop_clip(tmp_path / "clip.mp4") if source == "short_gop" else reference / FFPP
    k = 7 if source == "short_gop" else 16
    frames, n_frames = read_frames(path, k)
    plain = _plain(path, k)
    assert [f.index for f in frames] == sorted(plain)
    for frame in frames:
        assert np.array_equal(frame.image, plain[frame.index]), frame.index
    assert n_frames == (120 if source == "short_gop" else 309)


def test_scaled_copies_match_the_image_they_stand_for(reference):
    frames, _ = read_frames(reference / PORTRAIT, 2)
    small = frames[0].scaled(360)
    assert small.shape == (640, 360, 3) and frames[0].shape == (1280, 720)
    import cv2

    reference_copy = cv2.resize(frames[0].image, (360, 640), interpolation=cv2.INTER_AREA)
    assert np.abs(small.astype(int) - reference_copy).mean() < 2.0  # same picture, not bits


def _iou(a, b):
    low, high = np.maximum(a[:2], b[:2]), np.minimum(a[2:], b[2:])
    inter = np.prod(np.clip(high - low, 0, None))
    return inter / (np.prod(np.subtract(a[2:], a[:2])) + np.prod(np.subtract(b[2:], b[:2]))
                    - inter)


def test_the_tracker_finds_the_faces_a_full_detection_finds_with_close_boxes(reference):
    """Two real single-subject clips, 32 frames each: the same frames have a face, and the
    boxes agree (measured on all 11 reference videos: mean IoU 0.93-0.94, 98-99 % of frames
    at IoU >= 0.8, the lowest 0.73 where the face is cut by the frame's edge, which the full
    pass stretches into its patch)."""
    ious = []
    for name in (FFPP, DFDC):
        timings_track, timings_full = {}, {}
        *_, tracked, _ = face_track(reference / name, PreprocessOptions(frames=32),
                                    timings_track)
        *_, full, _ = face_track(reference / name, PreprocessOptions(frames=32, track=False),
                                 timings_full)
        assert timings_full["full_detections"] == 32 and timings_full["near_detections"] == 0
        assert timings_track["full_detections"] < 16  # most frames were a region search
        assert [f is None for f in tracked] == [f is None for f in full]
        ious += [_iou(np.array(a.box), np.array(b.box)) for a, b in zip(tracked, full, strict=True)
                 if a]
    ious = np.array(ious)
    assert len(ious) == 64
    assert ious.mean() >= 0.9 and (ious >= 0.8).mean() >= 0.95 and ious.min() >= 0.6


def test_a_small_face_missed_at_the_detection_size_is_found_at_twice_it(reference):
    """The portrait clip's face is missed in frame 89 at a 360 px short side (the issue that
    asked for the retry measured it): every sampled frame has it now."""
    timings = {}
    frames, _, faces, crops = face_track(reference / PORTRAIT, PreprocessOptions(frames=32),
                                         timings)
    assert 89 in [f.index for f in frames] and timings["larger_detections"] >= 1
    assert sum(face is not None for face in faces) == 32
    assert all(crop.shape == (260, 260, 3) for crop in crops)


@pytest.mark.parametrize("name", [DFDC, FFPP, "media/video/ffpp/manipulated_sequences/"
                                  "NeuralTextures/c23/videos/004_982.mp4"])
def test_a_face_crop_converted_around_the_face_is_the_crop_of_the_whole_frame(name, reference):
    """Crops converted from the decoder's planes around the face only (yuv420p and yuv444p)
    are bit-identical to crops of the whole frame converted to RGB, at odd and even offsets,
    inside the frame and cut by its edges."""
    from dfdetect.media.faces import Face, crop_face

    frames, _ = read_frames(reference / name, 3)
    for frame in frames:
        height, width = frame.shape
        for x, y, side in ((width // 3 + 1, height // 4, 151), (width // 2, height // 3 + 1, 90),
                           (-20, -15, 120), (width - 60, height - 41, 130)):
            face = Face((x, y, x + side, y + side), 0.99, ())
            expected = crop_face(frame.image, face, size=224)
            assert np.array_equal(crop_face(frame, face, size=224), expected), (name, x, y)
