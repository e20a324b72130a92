"""Animated GIF and animated WebP, the moving pictures people share most, read as videos with
Pillow (FFmpeg reads GIF but not animated WebP; Pillow reads both the same way).

Frames are identified by their index in the file, timed by the per-frame durations the file
declares (100 ms where it declares none), and composited as a viewer shows them.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

ANIMATED_SUFFIXES = frozenset({".gif", ".webp"})
DEFAULT_FRAME_MS = 100


def is_animated(path: str | os.PathLike) -> bool:
    """True for a GIF or WebP with more than one frame.

    Example:
        >>> is_animated("still.jpg")
        False
    """
    path = Path(path)
    if path.suffix.lower() not in ANIMATED_SUFFIXES or not path.is_file():
        return False
    from PIL import Image

    try:
        with Image.open(path) as image:
            return bool(getattr(image, "is_animated", False))
    except Exception:  # noqa: BLE001 - not readable as an animation: the image path decides
        return False


def read_animation(path: str | os.PathLike, choose=None):
    """``(frames, n_frames)``: ``frames`` is ``[(index, seconds, RGB array)]`` for the indices
    ``choose(n_frames)`` returns (every frame when ``None``).

    Example:
        >>> import tempfile
        >>> from PIL import Image
        >>> path = Path(tempfile.mkdtemp()) / "a.gif"
        >>> pictures = [Image.new("RGB", (8, 8), (40 * i, 0, 0)) for i in range(3)]
        >>> pictures[0].save(path, save_all=True, append_images=pictures[1:], duration=50)
        >>> frames, n = read_animation(path, lambda n: [n - 1])
        >>> n, frames[0][0], frames[0][1], frames[0][2].shape
        (3, 2, 0.1, (8, 8, 3))
    """
    from PIL import Image, ImageSequence

    frames, seconds = [], 0.0
    with Image.open(path) as image:
        total = int(getattr(image, "n_frames", 1))
        keep = set(range(total) if choose is None else choose(total))
        for index, frame in enumerate(ImageSequence.Iterator(image)):
            if index in keep:
                frames.append((index, round(seconds, 3), np.asarray(frame.convert("RGB"))))
            seconds += (frame.info.get("duration") or DEFAULT_FRAME_MS) / 1000
            if index >= max(keep, default=-1):
                break
    return frames, total
