"""One sampled frame of a video, image or animation, kept in its decoder's own format until a
caller asks for pixels at the size it needs (see :mod:`dfdetect.media.video`)."""

from __future__ import annotations

import numpy as np


class Frame:
    """One sampled frame: its index in presentation order, its time, and its upright pixels.

    Built from an RGB array (images, animations) or from a decoded PyAV frame, which is kept
    in its own pixel format and converted on request.

    Example:
        >>> frame = Frame(3, 0.12, np.zeros((720, 1280, 3), np.uint8))
        >>> frame.shape, frame.scaled(360).shape
        ((720, 1280), (360, 640, 3))
    """

    def __init__(self, index: int, seconds: float, image: np.ndarray | None = None, *,
                 decoded=None, rotation: int = 0) -> None:
        if (image is None) == (decoded is None):
            raise ValueError("a Frame needs exactly one of image or decoded")
        self.index, self.seconds = index, seconds
        self._array, self._decoded, self._rotation = image, decoded, rotation % 360

    def __repr__(self) -> str:
        return f"Frame(index={self.index}, seconds={self.seconds:.3f}, shape={self.shape})"

    @property
    def shape(self) -> tuple[int, int]:
        """Upright ``(height, width)``."""
        if self._array is not None:
            return self._array.shape[:2]
        height, width = self._decoded.height, self._decoded.width
        return (width, height) if self._rotation in (90, 270) else (height, width)

    @property
    def image(self) -> np.ndarray:
        """The upright RGB image at full resolution. A decoded frame is converted on each
        access (not cached, so that sampled frames never all hold full-size RGB at once)."""
        if self._array is not None:
            return self._array
        return _upright(self._decoded.to_ndarray(format="rgb24"), self._rotation)

    def region(self, left: int, top: int, right: int, bottom: int) -> np.ndarray:
        """The upright RGB pixels of ``[top:bottom, left:right]`` (inside the frame). A decoded
        8-bit planar YUV frame converts only that rectangle, in swscale like :attr:`image` (the
        same pixels, measured bit-identical), instead of the whole frame.

        Example:
            >>> Frame(0, 0.0, np.zeros((720, 1280, 3), np.uint8)).region(10, 20, 110, 80).shape
            (60, 100, 3)
        """
        if self._array is not None or self._rotation or self._decoded.format.name not in _PLANAR:
            return self.image[top:bottom, left:right]
        return _planar_region(self._decoded, left, top, right, bottom)

    def scaled(self, short_side: int) -> np.ndarray:
        """The upright RGB image with its shorter side ``short_side`` px (never enlarged): a
        decoded frame is scaled by swscale while it converts, so the full size is never made."""
        height, width = self.shape
        scale = short_side / min(height, width)
        if scale >= 1:
            return self.image
        size = _even(width * scale), _even(height * scale)
        if self._array is not None:
            import cv2

            return cv2.resize(self._array, size, interpolation=cv2.INTER_AREA)
        if self._rotation in (90, 270):
            size = size[::-1]
        # area averaging, as cv2.INTER_AREA for arrays: bilinear swscale aliases when it
        # shrinks 3x, and MTCNN then misses borderline faces it finds on an averaged copy
        rgb = self._decoded.to_ndarray(format="rgb24", width=size[0], height=size[1],
                                       interpolation="AREA")
        return _upright(rgb, self._rotation)


# 8-bit planar YUV formats whose planes can be cut to a rectangle and converted alone
_PLANAR = frozenset({"yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p"})


def _planar_region(decoded, left: int, top: int, right: int, bottom: int) -> np.ndarray:
    import av

    # widen to even edges so subsampled chroma lines up with its luma, exactly as in the frame
    x0, y0 = left - left % 2, top - top % 2
    x1, y1 = min(decoded.width, right + right % 2), min(decoded.height, bottom + bottom % 2)
    part = av.VideoFrame(x1 - x0, y1 - y0, decoded.format.name)
    for source, target in zip(decoded.planes, part.planes, strict=True):
        sx, sy = decoded.width // source.width, decoded.height // source.height
        rows = np.frombuffer(source, np.uint8).reshape(-1, source.line_size)
        cut = rows[y0 // sy:(y1 + sy - 1) // sy, x0 // sx:(x1 + sx - 1) // sx]
        np.frombuffer(target, np.uint8).reshape(-1, target.line_size)[
            :cut.shape[0], :cut.shape[1]] = cut
    part.colorspace, part.color_range = decoded.colorspace, decoded.color_range
    rgb = part.to_ndarray(format="rgb24")
    return rgb[top - y0:bottom - y0, left - x0:right - x0]


def _even(value: float) -> int:
    return max(2, int(round(value / 2)) * 2)


def frame_rotation(frame) -> int:
    """A decoded PyAV frame's display rotation in degrees (0, 90, 180 or 270)."""
    return int(round(getattr(frame, "rotation", 0) or 0)) % 360


def _upright(image: np.ndarray, degrees: int) -> np.ndarray:
    # the display matrix angle is counter-clockwise; np.rot90 turns counter-clockwise too
    return np.ascontiguousarray(np.rot90(image, k=(degrees // 90) % 4)) if degrees else image
