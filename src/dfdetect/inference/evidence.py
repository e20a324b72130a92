"""When the evidence is too weak for a verdict: tiny faces, faces in only a few frames, under a
second of audio. A scan then says "inconclusive" for that modality, with the reason, rather
than a confident fake/real that the models cannot back (a real clip shrunk to 64×48 pixels
was called FAKE 0.995 before this check)."""

from __future__ import annotations

import numpy as np

MIN_FACE_PIXELS = 40  # median face box side in the file's own pixels
MIN_FACE_SHARE = 0.3  # of the sampled frames
MIN_FACE_FRAMES = 2
MIN_AUDIO_SECONDS = 1.0
# below it a face verdict stands but is weaker: the model misses most of its own fakes there
# (the model card's degraded-faces table, session 18's bundle: 58 of 82 validation fakes
# caught clean, 40 at a 112 px face, 10 at 64 px)
SMALL_FACE_PIXELS = 100


def median_face_side(frames: list[dict]) -> float | None:
    """The median shorter side of the detected face boxes, in the file's own pixels (``None``
    without a face).

    Example:
        >>> median_face_side([{"score": 0.2, "box": [0, 0, 60, 80]}, {"score": None}])
        60.0
    """
    sides = [min(f["box"][2] - f["box"][0], f["box"][3] - f["box"][1]) for f in frames
             if f.get("score") is not None and f.get("box")]
    return float(np.median(sides)) if sides else None


def small_face_caution(frames: list[dict]) -> str | None:
    """Why a face verdict on faces between :data:`MIN_FACE_PIXELS` and
    :data:`SMALL_FACE_PIXELS` is weaker evidence than on larger ones (``None`` otherwise).

    Example:
        >>> small_face_caution([{"score": 0.2, "box": [0, 0, 64, 70]}])[:36]
        'faces are only about 64 pixels acros'
        >>> small_face_caution([{"score": 0.2, "box": [0, 0, 180, 200]}]) is None
        True
    """
    side = median_face_side(frames)
    if side is None or not MIN_FACE_PIXELS <= side < SMALL_FACE_PIXELS:
        return None
    return (f"faces are only about {side:.0f} pixels across: the model misses many fakes at "
            "this size, so a REAL verdict here is weak evidence (see the model card's "
            "degraded-faces table)")


def weak_evidence(kind: str, frames: list[dict], audio_seconds: float | None) -> dict[str, str]:
    """``{modality: reason}`` for each modality whose evidence is too weak to judge.

    Example:
        >>> frames = [{"score": 0.9, "box": [0, 0, 20, 22]}, {"score": None, "box": None}]
        >>> weak_evidence("image", frames[:1], None)["image"]
        'the face is only 20 pixels across (upscaled from a few dozen pixels): too small to judge'
        >>> weak_evidence("audio", [], 0.4)
        {'audio': 'only 0.4 s of audio: too short to judge'}
    """
    reasons: dict[str, str] = {}
    faces = [f for f in frames if f.get("score") is not None and f.get("box")]
    face_modality = "image" if kind == "image" else "video"
    if faces:
        side = median_face_side(faces)
        if side < MIN_FACE_PIXELS:
            what = "the face is" if kind == "image" else "faces are"
            reasons[face_modality] = (f"{what} only {side:.0f} pixels across (upscaled from a "
                                      "few dozen pixels): too small to judge")
        elif kind == "video" and (len(faces) < MIN_FACE_FRAMES
                                  or len(faces) < MIN_FACE_SHARE * len(frames)):
            reasons[face_modality] = (f"a face in only {len(faces)} of {len(frames)} sampled "
                                      "frames: too little to judge the face")
    if audio_seconds is not None and audio_seconds < MIN_AUDIO_SECONDS:
        reasons["audio"] = f"only {audio_seconds:.1f} s of audio: too short to judge"
    return reasons
