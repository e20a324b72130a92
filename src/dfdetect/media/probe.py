"""Probe a media file's technical facts (duration, fps, size, audio) without decoding it all.

Probing answers "can this file be used, and what is it?" for the manifest: a file that cannot be
opened gets a one-word ``status`` reason instead of an exception, so one bad file never stops an
index of thousands.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from dfdetect.fsutil import media_source

VIDEO_EXTENSIONS = frozenset({".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg"})
AUDIO_EXTENSIONS = frozenset({".flac", ".wav", ".mp3", ".ogg", ".m4a", ".aac", ".opus"})
# .gif and .webp may be animated: a scan reads those as videos (media/animated.py)
IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff",
                              ".gif"})


def media_kind(path: str | os.PathLike) -> str | None:
    """``video``, ``audio`` or ``image`` from the file extension, ``None`` for anything else.

    Example:
        >>> media_kind("clip.MP4"), media_kind("a.flac"), media_kind("notes.txt")
        ('video', 'audio', None)
    """
    ext = Path(path).suffix.lower()
    if ext in VIDEO_EXTENSIONS:
        return "video"
    if ext in AUDIO_EXTENSIONS:
        return "audio"
    if ext in IMAGE_EXTENSIONS:
        return "image"
    return None


@dataclass
class Probe:
    """What probing learned. ``status`` is ``ok`` or one reason word; ``detail`` says more."""

    status: str = "ok"
    detail: str = ""
    facts: dict = field(default_factory=dict)


def probe_file(path: str | os.PathLike, kind: str) -> Probe:
    """Open ``path`` as ``kind`` (video, audio or image) and return its media facts.

    The facts use the manifest's column names (``duration_s``, ``fps``, ``n_frames``, ``width``,
    ``height``, ``has_audio``, ``sample_rate``). Problems come back as a status, never raised:
    ``missing``, ``empty``, ``unreadable``, ``no_video_stream``, ``no_audio_stream``.

    Example:
        >>> probe_file("no/such/file.mp4", "video").status
        'missing'
    """
    path = Path(path)
    if not path.is_file():
        return Probe("missing", "file not found")
    if path.stat().st_size == 0:
        return Probe("empty", "zero-byte file")
    try:
        if kind == "image":
            return _probe_image(path)
        if kind == "audio":
            return _probe_audio(path)
        return _probe_video(path)
    except Exception as exc:  # noqa: BLE001 - any decoder failure means "unreadable", with why
        return Probe("unreadable", f"{type(exc).__name__}: {str(exc).strip()[:200]}")


def _probe_video(path: Path) -> Probe:
    import av

    with media_source(path) as source, av.open(source, metadata_errors="ignore") as container:
        video = container.streams.video[0] if container.streams.video else None
        audio = container.streams.audio[0] if container.streams.audio else None
        if video is None:
            return Probe("no_video_stream", "the container has no video stream")
        rate = video.average_rate or video.guessed_rate
        fps = float(rate) if rate else None
        duration = _stream_seconds(video) or (
            container.duration / 1_000_000 if container.duration else None)
        frames = video.frames or (round(duration * fps) if duration and fps else None)
        width, height = video.codec_context.width, video.codec_context.height
        if not width or not height:
            return Probe("unreadable", "video stream has no frame size")
        return Probe(facts={
            "duration_s": round(duration, 4) if duration else None, "fps": fps,
            "n_frames": frames, "width": width, "height": height,
            "has_audio": audio is not None,
            "sample_rate": audio.codec_context.sample_rate if audio is not None else None,
        })


def _stream_seconds(stream) -> float | None:
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    return None


def _probe_audio(path: Path) -> Probe:
    import soundfile

    try:
        with media_source(path) as source:
            info = soundfile.info(source)
        seconds, rate = info.frames / info.samplerate, info.samplerate
    except (RuntimeError, soundfile.LibsndfileError):
        found = _probe_audio_with_av(path)
        if found is None:  # e.g. a silent video listed as a voice
            return Probe("no_audio_stream", "the file has no audio stream")
        seconds, rate = found
    return Probe(facts={"duration_s": round(seconds, 4), "has_audio": True, "sample_rate": rate,
                        "n_frames": None, "fps": None, "width": None, "height": None})


def _probe_audio_with_av(path: Path) -> tuple[float, int] | None:
    import av

    with media_source(path) as source, av.open(source) as container:
        if not container.streams.audio:
            return None
        stream = container.streams.audio[0]
        seconds = _stream_seconds(stream) or (container.duration or 0) / 1_000_000
        return seconds, stream.codec_context.sample_rate


def _probe_image(path: Path) -> Probe:
    from PIL import Image

    with Image.open(path) as image:
        image.verify()
        width, height = image.size
    return Probe(facts={"width": width, "height": height, "n_frames": 1, "has_audio": False,
                        "duration_s": None, "fps": None, "sample_rate": None})
