"""Decode exactly the frames we need from a video with PyAV.

K frames evenly spaced over the video, identified by their index in presentation order (the
rank of their timestamp; exact for variable frame rate too), rotated upright according to the
stream's display matrix.

Decoding is planned from the packet table (one demux pass, no decoding): each sampled frame
needs the packets from the keyframe before it up to its own, so runs of packets between those
ranges are never decoded, and inside a range the decoder drops the non-reference frames that
are only stepped over (``skip_frame = NONREF``: nothing refers to them, so every sampled frame
is exactly what a plain decode gives; a test checks it). For long videos with few samples on a
constant frame rate, seeking to each sample avoids even reading the packets between them.

Decoded frames stay in the decoder's own format until a caller asks for pixels: a face
detector asks for a small copy (:meth:`Frame.scaled`, scaled while converting to RGB), a crop
for the full resolution (:attr:`Frame.image`), so no full-resolution RGB copy of every sample
is ever held.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import numpy as np

from dfdetect.errors import DfdetectError, TimeLimitError
from dfdetect.fsutil import media_source
from dfdetect.media.frame import Frame, frame_rotation
from dfdetect.media.probe import IMAGE_EXTENSIONS


class VideoError(DfdetectError):
    """A video that cannot be decoded: missing, empty, no video stream, no frames."""


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


def read_frames(path: str | os.PathLike, k: int, *, threads: int = 0) -> tuple[
        list[Frame], int]:
    """Decode ``k`` evenly spaced frames of ``path``; returns them and the video's frame count.

    Images are one-frame videos. ``threads`` is the decoder's thread count (0: FFmpeg's
    choice; 1 where several processes share the cores).

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
        return _read_animated(path, k)
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
        stream.codec_context.thread_count = threads
        frames, n_frames = _decode(container, stream, k)
    if not frames:
        raise VideoError(f"{path}: no decodable frames")
    return frames, max(n_frames, frames[-1].index + 1)


def _decode(container, stream, k: int) -> tuple[list[Frame], int]:
    if stream.frames and _seeking_pays(stream, stream.frames, k):
        return _decode_seeking(container, stream, sample_indices(stream.frames, k)), stream.frames
    table = _packet_table(container, stream)
    wanted = sample_indices(len(table), k)
    if _timestamps_usable(table):
        frames = _decode_planned(container, stream, table, wanted)
        if len(frames) == len(wanted):
            return frames, len(table)
        container.seek(0, stream=stream)  # a sample the plan missed (e.g. a dropped leading
        stream.codec_context.flush_buffers()  # frame after a keyframe): decode everything
    return _decode_sequential(container, stream, set(wanted)), len(table)


def _packet_table(container, stream) -> list[tuple[int | None, bool]]:
    """``(pts, is keyframe)`` of every video packet, in decode order; the container is then
    rewound."""
    table = [(packet.pts, packet.is_keyframe) for packet in container.demux(stream)
             if packet.size]
    container.seek(0, stream=stream)
    return table


def _timestamps_usable(table) -> bool:
    stamps = [pts for pts, _ in table]
    return bool(table) and None not in stamps and len(set(stamps)) == len(stamps) \
        and table[0][1]


def decode_ranges(table: list[tuple[int, bool]], wanted: list[int]) -> list[tuple[int, int]]:
    """The runs of packets (decode-order positions, inclusive) that must be decoded to output
    the frames at presentation indices ``wanted``: from the last keyframe at or before each
    frame, whose timestamp is not after it, up to the frame's own packet; overlapping or
    touching runs are merged.

    Example:
        >>> table = [(0, True), (1, False), (2, False), (3, True), (4, False), (5, False)]
        >>> decode_ranges(table, [1]), decode_ranges(table, [1, 4]), decode_ranges(table, [2, 3])
        ([(0, 1)], [(0, 1), (3, 4)], [(0, 3)])
    """
    order = sorted(range(len(table)), key=lambda position: table[position][0])
    ranges: list[tuple[int, int]] = []
    for index in sorted(wanted):
        end = order[index]
        pts = table[end][0]
        start = next((p for p in range(end, -1, -1) if table[p][1] and table[p][0] <= pts), 0)
        if ranges and start <= ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], max(ranges[-1][1], end))
        else:
            ranges.append((start, end))
    return ranges


def _decode_planned(container, stream, table, wanted: list[int]) -> list[Frame]:
    ordered = sorted(pts for pts, _ in table)
    wanted_pts = {ordered[i]: i for i in wanted}
    ranges = decode_ranges(table, wanted)
    context = stream.codec_context
    found: dict[int, Frame] = {}
    position, current = -1, 0
    for packet in container.demux(stream):
        if not packet.size:
            continue
        position += 1
        if current == len(ranges):
            break
        start, end = ranges[current]
        if position < start:
            continue
        context.skip_frame = "DEFAULT" if packet.pts in wanted_pts else "NONREF"
        _collect(context.decode(packet), stream, wanted_pts, found)
        if position == end:  # drain what the decoder holds back, then start the next run clean
            _collect(context.decode(None), stream, wanted_pts, found)
            context.flush_buffers()
            current += 1
    context.skip_frame = "DEFAULT"
    return [found[i] for i in sorted(found)]


def _collect(decoded, stream, wanted_pts: dict, found: dict) -> None:
    for frame in decoded:
        index = wanted_pts.get(frame.pts)
        if index is not None:
            found[index] = Frame(index, float(frame.pts * stream.time_base), decoded=frame,
                                 rotation=frame_rotation(frame))


def _read_animated(path: Path, k: int) -> tuple[list[Frame], int]:
    from dfdetect.media.animated import read_animation

    try:
        decoded, total = read_animation(path, lambda n: sample_indices(n, k))
    except TimeLimitError:
        raise
    except Exception as exc:  # noqa: BLE001 - Pillow raises many types for bad animations
        raise VideoError(f"{path}: not a readable animation ({type(exc).__name__})") from None
    frames = [Frame(index, seconds, image) for index, seconds, image in decoded]
    if not frames:
        raise VideoError(f"{path}: no decodable frames")
    return frames, total


SEEK_GAP = 60  # frames between samples above which seeking beats decoding everything


def _seeking_pays(stream, n_frames: int, k: int) -> bool:
    """Seek only on constant-frame-rate streams (index → timestamp is exact there) with long
    gaps between samples."""
    rate, base = stream.average_rate, stream.base_rate
    constant = rate is not None and base is not None and abs(float(rate) - float(base)) < 1e-3
    return constant and k > 0 and n_frames / k >= SEEK_GAP


def _decode_seeking(container, stream, wanted: list[int]) -> list[Frame]:
    fps = float(stream.average_rate)
    start = stream.start_time or 0
    frames: list[Frame] = []
    for index in wanted:
        target = start + int(round(index / fps / stream.time_base))
        container.seek(target, stream=stream, backward=True, any_frame=False)
        for frame in container.decode(stream):
            if frame.pts is None or frame.pts < target - 1:
                continue
            frames.append(Frame(index, float(frame.pts * stream.time_base), decoded=frame,
                                rotation=frame_rotation(frame)))
            break
    return frames


def _decode_sequential(container, stream, wanted: set[int]) -> list[Frame]:
    """Every frame in output order up to the last wanted one (timestamps not needed)."""
    import av

    frames: list[Frame] = []
    last = max(wanted) if wanted else -1
    index = -1
    try:
        for frame in container.decode(stream):
            index += 1
            if index in wanted:
                seconds = float(frame.pts * stream.time_base) if frame.pts is not None else 0.0
                frames.append(Frame(index, seconds, decoded=frame, rotation=frame_rotation(frame)))
            if index >= last:
                break
    except av.error.FFmpegError:
        if not frames:  # a truncated file keeps the frames that decoded
            raise
    return frames


def _read_image(path: Path) -> np.ndarray:
    from PIL import Image, ImageOps

    try:
        with Image.open(path) as image:
            return np.asarray(ImageOps.exif_transpose(image).convert("RGB"))
    except TimeLimitError:
        raise
    except Exception as exc:  # noqa: BLE001 - Pillow raises many types for bad images
        raise VideoError(f"{path}: not a readable image ({type(exc).__name__})") from None
