"""``dfdetect.scan``: one file in, a verdict with its evidence out.

A video runs every registered branch the bundle has (:mod:`dfdetect.inference.plugins`: the
face track through the temporal model, the voice through the audio model, lip sync) and the
fusion head over those present; a silent video or one without a face uses the branches it has;
an image uses the face model alone; an audio file uses the voice branch alone.
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from dfdetect.errors import DfdetectError


class ScanError(DfdetectError):
    """A file that cannot be scanned (unreadable, or nothing in it to judge)."""

    provenance: dict | None = None  # what the file said about its origin, when it was read


class NothingToJudge(ScanError):
    """A readable file with nothing for the detectors to judge (no face, no voice)."""


@dataclass
class ScanResult:
    """What a scan found. ``score`` is the detectors' fake probability (0–1; ``None`` when
    they had nothing to judge); ``verdict`` is ``fake``, ``real`` or ``inconclusive`` (evidence
    too weak, see ``warnings``); ``basis`` says what decided it: ``detectors``, or
    ``provenance`` when the file declares itself machine-made (see ``provenance``);
    ``modalities`` maps ``video``/``audio``/``image`` to ``{"score", "threshold", "verdict"}``
    for those present."""

    path: str
    kind: str
    score: float | None
    verdict: str
    threshold: float | None
    modalities: dict
    frames: list[dict] = field(default_factory=list)  # index, seconds, score, box
    audio_segments: list[dict] = field(default_factory=list)  # start, end, score (seconds)
    categories: dict | None = None
    explanation: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # why a modality could not be judged
    seconds: float = 0.0
    timings: dict = field(default_factory=dict)  # seconds per stage: decode, detect, embed, …
    backend: str = "torch"
    basis: str = "detectors"
    provenance: dict = field(default_factory=dict)  # c2pa, watermarks, metadata, findings
    # face crops (uint8 HWC) by frame position, for reports; not part of the JSON
    crops: list = field(default_factory=list, repr=False)
    picture: np.ndarray | None = field(default=None, repr=False)  # an image scan's RGB pixels
    audio: np.ndarray | None = field(default=None, repr=False)

    def to_json(self) -> dict:
        """The result as plain JSON types (crops and waveform left out).

        Example:
            >>> ScanResult("a.wav", "audio", 0.2, "real", 0.5, {}).to_json()["verdict"]
            'real'
        """
        data = asdict(self)
        for name in ("crops", "audio", "picture"):
            data.pop(name)
        return data


def _verdict(score: float, threshold: float) -> str:
    return "fake" if score >= threshold else "real"


@torch.no_grad()
def _face_evidence(detector, path: Path, timings: dict):
    """Per-frame scores and embeddings of the main face: ``(frames, features, mask, crops,
    crop landmarks, first decoded frame)``."""
    from dfdetect.media.face_sampling import face_track
    from dfdetect.models.face_input import face_input

    options = detector.preprocess
    frames, _, faces, crops = face_track(path, options, timings)
    start = time.perf_counter()
    spatial = detector.runner("spatial")
    prepare = face_input(detector.configs["spatial"])
    present = [i for i, crop in enumerate(crops) if crop is not None]
    features = np.zeros((len(frames), spatial.embedding_dim), np.float32)
    scores = np.full(len(frames), np.nan)
    if present:
        batch = torch.stack([prepare(torch.from_numpy(np.ascontiguousarray(crops[i]))
                                     .permute(2, 0, 1)) for i in present])
        # a few crops at a time: the face network's activations for all 16 at once were the
        # scan's peak memory (ONNX Runtime: 193 MB over the session at 16, 129 MB at 4; same
        # embeddings)
        embedded = torch.cat([spatial.forward_features(part) for part in batch.split(4)])
        scores[present] = torch.sigmoid(spatial.forward_head(embedded)).numpy()
        # the temporal model learned on embeddings stored as float16: read them the same way
        features[present] = embedded.numpy().astype(np.float16).astype(np.float32)
    timings["embed"] = time.perf_counter() - start
    rows = [{"index": f.index, "seconds": round(f.seconds, 3),
             "score": None if np.isnan(s) else float(s),
             "box": None if face is None else [round(float(v), 1) for v in face.box]}
            for f, face, s in zip(frames, faces, scores, strict=True)]
    from dfdetect.media.faces import crop_landmarks

    landmarks = [None if face is None else crop_landmarks(face, options.margin, options.size)
                 for face in faces]
    return (rows, features, np.isfinite(scores), crops, landmarks,
            frames[0].image if frames else None)


def _load_audio(path: Path, kind: str) -> np.ndarray | None:
    from dfdetect.media.audio import AudioError, load_audio

    try:
        wave = load_audio(path)
    except AudioError as exc:
        if kind == "video" and "no audio stream" in str(exc):
            return None  # a silent video: the audio branch is simply absent
        raise ScanError(str(exc)) from None
    if wave.size < 1600:  # under 0.1 s: no speech to judge
        if kind == "audio":
            raise ScanError(f"{path}: audio shorter than 0.1 s")
        return None
    return wave


def scan(path: str | os.PathLike, detector, *, time_limit: float | None = None) -> ScanResult:
    """Scan a video, image or audio file with a loaded :class:`Detector`; with
    ``time_limit`` (seconds, main thread only) a file taking longer raises a clear error.

    Example:
        >>> scan("notes.txt", None)
        Traceback (most recent call last):
        ...
        dfdetect.inference.scan.ScanError: notes.txt: not a video, image or audio file
    """
    from dfdetect.media.animated import is_animated
    from dfdetect.media.probe import media_kind

    start = time.perf_counter()
    path = Path(path)
    kind = media_kind(path)
    if kind is None:
        raise ScanError(f"{path}: not a video, image or audio file")
    if not path.is_file():
        raise ScanError(f"{path}: file not found")
    # an animated GIF or WebP is judged as the video it is; its file still reads as an image
    stored = kind
    kind = "video" if kind == "image" and is_animated(path) else kind
    from dfdetect.limits import time_limit as limit
    from dfdetect.provenance.findings import read_provenance

    with limit(time_limit, str(path)):
        try:
            result = _scan(path, kind, detector)
            provenance = read_provenance(path, stored, result.picture)
        except NothingToJudge as exc:
            provenance = read_provenance(path, stored)
            if provenance["status"] == "none":
                exc.provenance = provenance
                raise
            # the detectors have nothing to look at, but the file speaks for itself
            result = ScanResult(str(path), kind, None, "inconclusive", None, {},
                                warnings=[str(exc).removeprefix(f"{path}: ")])
    _apply_provenance(result, provenance)
    result.timings["provenance"] = provenance["seconds"]
    result.seconds = round(time.perf_counter() - start, 3)
    return result


def _apply_provenance(result: ScanResult, provenance: dict) -> None:
    """A file that declares itself machine-made is called fake on that evidence; any other
    finding is reported beside the detectors' verdict, never in place of it."""
    from dfdetect.inference.explanation import explain

    result.provenance = provenance
    if provenance["status"] == "machine-made":
        result.verdict, result.basis = "fake", "provenance"
    result.explanation = explain(result)


def _scan(path: Path, kind: str, detector) -> ScanResult:
    frames, crops, landmarks, mask = [], [], [], np.zeros(0, bool)
    features, timings, first = None, {}, None
    if kind in ("video", "image"):
        from dfdetect.media.video import VideoError

        try:
            frames, features, mask, crops, landmarks, first = _face_evidence(detector, path,
                                                                             timings)
        except VideoError as exc:
            from dfdetect.media.sniff import sniff_media

            if kind != "video" or "no video stream" not in str(exc):
                raise ScanError(str(exc)) from None
            if sniff_media(path) != "audio":
                raise ScanError(f"{path}: no video or audio stream") from None
            kind = "audio"  # an .mp4 holding only sound is an audio file
    started = time.perf_counter()
    from dfdetect.media.animated import ANIMATED_SUFFIXES

    silent = path.suffix.lower() in ANIMATED_SUFFIXES  # GIF / WebP carry no sound
    wave = _load_audio(path, kind) if kind in ("video", "audio") and not silent else None
    timings["audio_decode"] = time.perf_counter() - started
    from dfdetect.inference.plugins import Evidence

    evidence = Evidence(kind, frames, features, mask, crops, landmarks, wave)
    result, judged = _judge(detector, path, kind, evidence)
    timings.update(judged)
    result.crops, result.audio, result.backend = crops, wave, detector.backend
    result.picture = first if kind == "image" else None
    result.timings = {k: round(v, 4) for k, v in timings.items()}
    return result


@torch.no_grad()
def _judge(detector, path: Path, kind: str, evidence) -> ScanResult:
    from dfdetect.inference.fusing import fuse
    from dfdetect.inference.plugins import branches_for

    thresholds, timings = detector.thresholds, {}
    frames, mask = evidence.frames, evidence.mask
    if kind == "image":
        if not mask.any():
            raise NothingToJudge(f"{path}: no face found in the image")
        score = float(np.mean([f["score"] for f in frames if f["score"] is not None]))
        modalities = {"image": {"score": score, "threshold": thresholds["image"],
                                "verdict": _verdict(score, thresholds["image"])}}
        result = ScanResult(str(path), kind, score, _verdict(score, thresholds["image"]),
                            thresholds["image"], modalities, frames)
        _mark_weak(result, {"image": _image_weakness(frames)})
        return result, timings
    outputs, weak = {}, {}
    for branch in branches_for(detector):
        start = time.perf_counter()
        output = branch.run(detector, evidence)
        timings[branch.name] = time.perf_counter() - start
        if output is not None:
            outputs[branch.name], weak[branch.name] = output, branch.weak(evidence)
    if not outputs:
        raise NothingToJudge(f"{path}: no face in any sampled frame and no audio track: "
                             "nothing to judge")
    start = time.perf_counter()
    fused = fuse(detector, outputs)
    timings["fusion"] = time.perf_counter() - start
    if not all(np.isfinite(v) for k, v in fused.items() if k != "categories"):
        # never report a NaN as a verdict: say the input could not be judged
        raise ScanError(f"{path}: the models produced a non-finite score (NaN or infinity "
                        "in the decoded input)")
    modalities = {name: {"score": fused[name], "threshold": thresholds[name],
                         "verdict": _verdict(fused[name], thresholds[name]),
                         **outputs[name].details}
                  for name in outputs}
    key = "overall" if len(outputs) > 1 else next(iter(modalities))
    score, threshold = fused["overall"], thresholds[key]
    segments = outputs["audio"].parts if "audio" in outputs else []
    result = ScanResult(str(path), kind, score, _verdict(score, threshold), threshold,
                        modalities, frames, segments, fused.get("categories"))
    _mark_weak(result, weak)
    return result, timings


def _image_weakness(frames: list[dict]) -> str | None:
    from dfdetect.inference.evidence import weak_evidence

    return weak_evidence("image", frames, None).get("image")


def _mark_weak(result: ScanResult, weak: dict) -> None:
    """Modalities whose evidence is too weak (``weak``: name → reason or None) become
    ``inconclusive`` (with the reason); the verdict then rests on the others, or is
    ``inconclusive`` when none is left."""
    weak = {name: reason for name, reason in weak.items()
            if reason and name in result.modalities}
    for name, reason in weak.items():
        result.modalities[name]["verdict"] = "inconclusive"
        result.warnings.append(reason)
    strong = [name for name in result.modalities if name not in weak]
    if not strong:
        result.verdict = "inconclusive"
    elif weak:  # judge on what is left: its own score against its own threshold
        name = strong[0]
        result.score = result.modalities[name]["score"]
        result.threshold = result.modalities[name]["threshold"]
        result.verdict = result.modalities[name]["verdict"]
