"""Sampled frames → the main face, followed and cropped: the one path by which both training
crops (``dfdetect preprocess``) and scan crops are made, so a detector sees what it learned on."""

from __future__ import annotations

import os
import time


def face_detector(options):
    """The process's shared MTCNN for ``options``' detection size, thresholds and minimum face.

    Example:
        >>> face_detector.__name__
        'face_detector'
    """
    from dfdetect.media.faces import shared_detector

    return shared_detector(options.detect_short_side, tuple(options.thresholds),
                           options.min_face)


def face_track(path: str | os.PathLike, options,
               timings: dict | None = None, *, threads: int = 0):
    """Decode ``options.frames`` evenly spaced frames, find and follow the main face and crop
    it: ``(frames, n_frames, faces, crops)``, face and crop None where the frame has none.
    ``options``: a :class:`dfdetect.preprocess.PreprocessOptions` (frames, size, margin and the
    detector's settings).
    Training crops and scan crops both come from here, so a detector sees what it learned on.
    ``timings`` (a dict) receives the seconds spent decoding and detecting and the detector's
    work counts; ``threads`` is the video decoder's thread count (0: FFmpeg's choice).

    Example:
        >>> from dfdetect.preprocess import PreprocessOptions
        >>> face_track("missing.mp4", PreprocessOptions())
        Traceback (most recent call last):
        ...
        dfdetect.media.video.VideoError: missing.mp4: file not found
    """
    from dfdetect.media.face_tracking import track_main_face
    from dfdetect.media.faces import crop_face, follow_main_face
    from dfdetect.media.video import read_frames

    timings = {} if timings is None else timings
    start = time.perf_counter()
    frames, n_frames = read_frames(path, options.frames, threads=threads)
    timings["decode"] = time.perf_counter() - start
    detector = face_detector(options)
    if len(frames) == 1:  # a photo: its face may fill it edge to edge
        image = frames[0].image
        found = detector.detect([image])[0] or detector.detect_filling(image)
        track = follow_main_face([found])
    else:
        track, counts = track_main_face(frames, detector, track=options.track)
        timings.update({f"{k}_detections": v for k, v in counts.items()})
    crops = [None if face is None else
             crop_face(frame, face, margin=options.margin, size=options.size)
             for frame, face in zip(frames, track, strict=True)]
    timings["detect"] = time.perf_counter() - start - timings["decode"]
    return frames, n_frames, track, crops
