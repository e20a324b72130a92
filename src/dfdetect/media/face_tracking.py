"""Following the subject's face through a video's sampled frames.

Full MTCNN detection on every sampled frame is most of a video's preprocessing time. The
tracker detects in full on every ``key_every``-th frame only, picks the subject there (the
face seen in the most key frames, as :func:`~dfdetect.media.faces.follow_main_face` does over
all frames), and on the frames between searches only the region around the face of the frame
before (:meth:`~dfdetect.media.faces.FaceDetector.detect_near`). Where that search finds no
face near the track, the frame is detected in full after all (the track was lost: a cut, a
fast turn); where a full detection finds nothing, it is retried at twice the detection size
(a small face in a portrait clip). ``track=False`` detects every frame in full, the reference
the tracker is tested against (boxes within IoU 0.8).

Detection runs on copies whose shorter side is the detector's size, made while converting the
decoded frame (:meth:`~dfdetect.media.video.Frame.scaled`); faces come back in the frame's
full-resolution pixels.
"""

from __future__ import annotations

from dfdetect.media.faces import (
    Face,
    FaceDetector,
    face_distance,
    face_support,
    main_face,
    walk_track,
)
from dfdetect.media.video import Frame

KEY_EVERY = 8  # one full detection per 8 sampled frames: 4 of the 32 a preprocessing run takes


def track_main_face(frames: list[Frame], detector: FaceDetector, *, track: bool = True,
                    key_every: int = KEY_EVERY, max_jump: float = 1.0
                    ) -> tuple[list[Face | None], dict]:
    """The subject's face in each frame (None where it is not found) in full-resolution
    pixels, and counts of the work done: ``{"full": frames detected in full, "near": region
    searches, "larger": retries at twice the size}``.

    Example:
        >>> import numpy as np
        >>> frames = [Frame(i, i / 25, np.zeros((360, 640, 3), np.uint8)) for i in range(3)]
        >>> track_main_face(frames, FaceDetector())
        ([None, None, None], {'full': 3, 'near': 0, 'larger': 0})
    """
    small = [frame.scaled(detector.detect_short_side) for frame in frames]
    counts = {"full": 0, "near": 0, "larger": 0}
    detected: dict[int, list[Face]] = {}
    retried: set[int] = set()  # frames already searched at twice the size

    def detect_full(indices: list[int]) -> None:
        counts["full"] += len(indices)
        for i, faces in zip(indices, detector.detect([small[i] for i in indices]), strict=True):
            if not faces:
                retried.add(i)
                faces = _detect_larger(frames[i], small[i], detector, counts)
            detected[i] = faces

    keys = list(range(0, len(frames), key_every)) if track else list(range(len(frames)))
    detect_full(keys)
    anchor = main_face([detected.get(i, []) for i in range(len(frames))], max_jump)
    if track and (anchor is None or _has_rival(detected, anchor, max_jump)):
        # no face in the key frames (the subject may be between them), or two people seen as
        # often: which one is the subject needs every frame, as without the tracker
        detect_full([i for i in range(len(frames)) if i not in detected])
        anchor = main_face([detected[i] for i in range(len(frames))], max_jump)
    if anchor is None:
        return [None] * len(frames), counts

    def candidates(i: int, previous: Face) -> list[Face]:
        if i not in detected:
            counts["near"] += 1
            near = detector.detect_near(small[i], previous)
            if any(face_distance(previous, face) <= max_jump for face in near):
                return near
            detect_full([i])
        if i not in retried and not any(face_distance(previous, face) <= max_jump
                                        for face in detected[i]):
            retried.add(i)  # only other faces here: the subject's may be too small at this size
            detected[i] = detected[i] + _detect_larger(frames[i], small[i], detector, counts)
        return detected[i]

    chosen = walk_track(len(frames), *anchor, candidates, max_jump)
    return [None if face is None else _to_frame(face, frame, image)
            for face, frame, image in zip(chosen, frames, small, strict=True)], counts


def _has_rival(detected: dict[int, list[Face]], anchor: tuple[int, Face],
               max_jump: float) -> bool:
    """Whether a face away from the anchor's is seen in at least half as many key frames:
    then the key frames alone cannot say which of them a full detection of every frame would
    take for the subject (two people in an interview, a face on a poster), and every frame
    is detected in full."""
    per_frame = list(detected.values())
    frame = list(detected).index(anchor[0])
    needed = face_support(per_frame, frame, anchor[1], max_jump) / 2
    return any(face_distance(anchor[1], face) > max_jump
               and face_support(per_frame, i, face, max_jump) >= needed
               for i, faces in enumerate(per_frame) for face in faces)


def _detect_larger(frame: Frame, small, detector: FaceDetector, counts: dict) -> list[Face]:
    """Faces found at twice the detection size (never above the frame's own), in the pixels of
    the detection copy ``small``."""
    larger = min(2 * detector.detect_short_side, min(frame.shape))
    if larger < 1.2 * min(small.shape[:2]):
        return []
    counts["larger"] += 1
    image = frame.scaled(larger)
    factor = small.shape[1] / image.shape[1], small.shape[0] / image.shape[0]
    return [face.scaled(*factor) for face in detector.detect([image], short_side=larger)[0]]


def _to_frame(face: Face, frame: Frame, small) -> Face:
    height, width = frame.shape
    return face.scaled(width / small.shape[1], height / small.shape[0])
