"""What a face goes through on its way into a shared video, as a training augmentation: one
frame encoded and decoded by H.264 (libx264 through PyAV, 4:2:0 chroma, a random quality).

Real holdout videos are H.264, and the training fakes are blended on stored PNG crops: without
this, "compressed everywhere" and "a region that skipped the codec" are a difference a face
model can learn instead of the blend. Applied to real and blended faces alike.
"""

from __future__ import annotations

import io

import numpy as np


def h264_round_trip(image: np.ndarray, crf: int = 28) -> np.ndarray:
    """``image`` (uint8 RGB, H×W×3) after one H.264 intra frame at ``crf`` (18 ≈ visually
    lossless, 40 ≈ a heavily compressed upload), same shape.

    Example:
        >>> out = h264_round_trip(np.full((63, 64, 3), 128, np.uint8), crf=30)
        >>> out.shape, out.dtype, int(abs(out.astype(int) - 128).max()) <= 2
        ((63, 64, 3), dtype('uint8'), True)
    """
    import av

    height, width = image.shape[:2]
    # 4:2:0 needs even sides: pad by edge repetition, crop back after decoding
    padded = np.pad(image, ((0, height % 2), (0, width % 2), (0, 0)), mode="edge")
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="h264") as out:
        stream = out.add_stream("libx264", rate=25)
        stream.width, stream.height = padded.shape[1], padded.shape[0]
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": str(int(crf)), "preset": "ultrafast", "tune": "zerolatency"}
        for packet in stream.encode(av.VideoFrame.from_ndarray(padded, format="rgb24")):
            out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    buffer.seek(0)
    with av.open(buffer, "r", format="h264") as decoded:
        frame = next(decoded.decode(video=0)).to_ndarray(format="rgb24")
    return np.ascontiguousarray(frame[:height, :width])
