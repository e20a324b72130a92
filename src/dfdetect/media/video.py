"""Decode exactly the frames we need from a video with PyAV.

K frames evenly spaced over the video, identified by their decode-order index (exact for
variable frame rate too), rotated upright according to the stream's display matrix. Frames are
decoded in one sequential pass that stops after the last one needed and converts only the
sampled frames to RGB; for long videos with few samples, seeking to each one is faster and is
used instead when the stream has a constant frame rate.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dfdetect.errors import DfdetectError, TimeLimitError
from dfdetect.fsutil import media_source
from dfdetect.media.probe import IMAGE_EXTENSIONS


class VideoError(DfdetectError):
    """A video that cannot be decoded: missing, empty, no video stream, no frames."""


@dataclass
class Frame:
    """One decoded frame: its index in decode order, its time, and the upright RGB image."""

    index: int
    seconds: float
    image: np.ndarray


def sample_indices(n_frames: int, k: int) -> list[int]:
    """``k`` distinct frame indices evenly spaced over ``n_frames`` (all of them when fewer).

    Example:
        >>> sample_indices(100, 4), sample_indices(3, 8)
        ([12, 37, 62, 87], [0, 1, 2])
    """
    if n_frames <= 0:
        return []
    if n_frames <= k:
        return list(range(n_frames))
    # centre of each of k equal segments: avoids the often black first and last frames
    return sorted({int((i + 0.5) * n_frames / k) for i in range(k)})


def _rotation(frame) -> int:
    return int(round(getattr(frame, "rotation", 0) or 0)) % 360


def _upright(image: np.ndarray, degrees: int) -> np.ndarray:
    # the display matrix angle is counter-clockwise; np.rot90 turns counter-clockwise too
    return np.ascontiguousarray(np.rot90(image, k=(degrees // 90) % 4)) if degrees else image


def read_frames(path: str | os.PathLike, k: int, *, max_side: int | None = None) -> tuple[
        list[Frame], int]:
    """Decode ``k`` evenly spaced frames of ``path``; returns them and the video's frame count.

    Images are one-frame videos. ``max_side`` shrinks frames whose longer side is larger (the
    face detector does not need more; crops are then taken from these frames).

    Example:
        >>> read_frames("missing.mp4", 4)
        Traceback (most recent call last):
        ...
        dfdetect.media.video.VideoError: missing.mp4: file not found
    """
    path = Path(path)
    if not path.is_file():
        raise VideoError(f"{path}: file not found")
    if path.stat().st_size == 0:
        raise VideoError(f"{path}: empty file")
    from dfdetect.media.animated import is_animated

    if is_animated(path):
        return _read_animated(path, k, max_side)
    if path.suffix.lower() in IMAGE_EXTENSIONS:
        return [Frame(0, 0.0, _read_image(path))], 1
    import av

    with contextlib.ExitStack() as stack:
        try:
            source = stack.enter_context(media_source(path))
            container = stack.enter_context(av.open(source, metadata_errors="ignore"))
        except TimeLimitError:
            raise  # the file's time ran out while FFmpeg opened it: that is not unreadable
        except Exception as exc:  # noqa: BLE001 - every FFmpeg failure here means unreadable
            raise VideoError(f"{path}: not a readable video ({type(exc).__name__})") from None
        if not container.streams.video:
            raise VideoError(f"{path}: no video stream")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        n_frames = stream.frames or _count_packets(container, stream)
        wanted = sample_indices(n_frames, k)
        if _seeking_pays(stream, n_frames, len(wanted)):
            frames = _decode_seeking(container, stream, wanted, max_side)
        else:
            frames = _decode_sequential(container, stream, set(wanted), max_side)
    if not frames:
        raise VideoError(f"{path}: no decodable frames")
    return frames, max(n_frames, frames[-1].index + 1)


def _read_animated(path: Path, k: int, max_side: int | None) -> tuple[list[Frame], int]:
    import cv2

    from dfdetect.media.animated import read_animation

    try:
        decoded, total = read_animation(path, lambda n: sample_indices(n, k))
    except TimeLimitError:
        raise
    except Exception as exc:  # noqa: BLE001 - Pillow raises many types for bad animations
        raise VideoError(f"{path}: not a readable animation ({type(exc).__name__})") from None
    frames = []
    for index, seconds, image in decoded:
        height, width = image.shape[:2]
        if max_side and max(width, height) > max_side:
            scale = max_side / max(width, height)
            image = cv2.resize(image, (round(width * scale), round(height * scale)),
                               interpolation=cv2.INTER_AREA)
        frames.append(Frame(index, seconds, image))
    if not frames:
        raise VideoError(f"{path}: no decodable frames")
    return frames, total


def _count_packets(container, stream) -> int:
    count = sum(1 for packet in container.demux(stream) if packet.size)
    container.seek(0, stream=stream)
    return count


SEEK_GAP = 60  # frames between samples above which seeking beats decoding everything


def _seeking_pays(stream, n_frames: int, k: int) -> bool:
    """Seek only on constant-frame-rate streams (index → timestamp is exact there) with long
    gaps between samples."""
    rate, base = stream.average_rate, stream.base_rate
    constant = rate is not None and base is not None and abs(float(rate) - float(base)) < 1e-3
    return constant and k > 0 and n_frames / k >= SEEK_GAP


def _decode_seeking(container, stream, wanted: list[int], max_side: int | None):
    fps = float(stream.average_rate)
    start = stream.start_time or 0
    frames: list[Frame] = []
    for index in wanted:
        target = start + int(round(index / fps / stream.time_base))
        container.seek(target, stream=stream, backward=True, any_frame=False)
        for frame in container.decode(stream):
            if frame.pts is None or frame.pts < target - 1:
                continue
            image = _to_rgb(frame, max_side)
            frames.append(Frame(index, float(frame.pts * stream.time_base),
                                _upright(image, _rotation(frame))))
            break
    return frames


def _decode_sequential(container, stream, wanted: set[int], max_side: int | None):
    import av

    frames: list[Frame] = []
    last = max(wanted) if wanted else -1
    index = -1
    try:
        for frame in container.decode(stream):
            index += 1
            if index in wanted:
                seconds = float(frame.pts * stream.time_base) if frame.pts is not None else 0.0
                image = _to_rgb(frame, max_side)
                frames.append(Frame(index, seconds, _upright(image, _rotation(frame))))
            if index >= last:
                break
    except av.error.FFmpegError:
        if not frames:  # a truncated file keeps the frames that decoded
            raise
    return frames


def _to_rgb(frame, max_side: int | None) -> np.ndarray:
    width, height = frame.width, frame.height
    if max_side and max(width, height) > max_side:
        scale = max_side / max(width, height)
        width, height = int(round(width * scale)) // 2 * 2, int(round(height * scale)) // 2 * 2
        return frame.to_ndarray(format="rgb24", width=width, height=height)
    return frame.to_ndarray(format="rgb24")


def _read_image(path: Path) -> np.ndarray:
    from PIL import Image, ImageOps

    try:
        with Image.open(path) as image:
            return np.asarray(ImageOps.exif_transpose(image).convert("RGB"))
    except TimeLimitError:
        raise
    except Exception as exc:  # noqa: BLE001 - Pillow raises many types for bad images
        raise VideoError(f"{path}: not a readable image ({type(exc).__name__})") from None
