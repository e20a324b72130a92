"""Load the audio of any file (FLAC, WAV, MP3, or a video's track) as 16 kHz mono float32.

soundfile reads FLAC/WAV/MP3 directly; anything else (MP4, MKV, M4A…) is decoded and resampled by
PyAV. Problems raise :class:`AudioError` with the reason, so a batch can record it and go on.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import numpy as np

from dfdetect.errors import DfdetectError, TimeLimitError
from dfdetect.fsutil import media_source

SAMPLE_RATE = 16_000


class AudioError(DfdetectError):
    """An audio input that cannot be used: missing, empty, undecodable, silent of samples, NaN."""


def load_audio(path: str | os.PathLike, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Decode ``path`` to mono float32 at ``sample_rate`` (channels averaged, soxr resampling).

    Raises :class:`AudioError` for a missing or empty file, one with no audio stream, one that
    decodes to no samples, or samples that are NaN or infinite.

    Example:
        >>> load_audio("no/such.flac")
        Traceback (most recent call last):
        ...
        dfdetect.media.audio.AudioError: no/such.flac: file not found
    """
    path = Path(path)
    if not path.is_file():
        raise AudioError(f"{path}: file not found")
    if path.stat().st_size == 0:
        raise AudioError(f"{path}: empty file")
    try:
        samples, rate = _read_soundfile(path)
    except TimeLimitError:
        raise  # the file's time ran out: not a reason to try another decoder
    except Exception:  # noqa: BLE001 - not a format libsndfile knows: let FFmpeg try
        samples, rate = _read_av(path, sample_rate)
    if samples.size == 0:
        raise AudioError(f"{path}: no audio samples")
    bad = int((~np.isfinite(samples)).sum())
    if bad:
        raise AudioError(f"{path}: {bad} NaN or infinite samples")
    if rate != sample_rate:
        import soxr

        samples = soxr.resample(samples, rate, sample_rate, quality="HQ")
    return np.ascontiguousarray(samples, dtype=np.float32)


def _read_soundfile(path: Path) -> tuple[np.ndarray, int]:
    import soundfile

    with media_source(path) as source:
        samples, rate = soundfile.read(source, dtype="float32", always_2d=True)
    return samples.mean(axis=1), rate


def _read_av(path: Path, sample_rate: int) -> tuple[np.ndarray, int]:
    import av

    with contextlib.ExitStack() as stack:
        try:
            source = stack.enter_context(media_source(path))
            container = stack.enter_context(av.open(source, metadata_errors="ignore"))
        except TimeLimitError:
            raise  # the file's time ran out while FFmpeg opened it: that is not unreadable
        except Exception as exc:  # noqa: BLE001 - FFmpeg's many errors all mean "unreadable"
            raise AudioError(f"{path}: not a readable media file ({type(exc).__name__})"
                             ) from None
        return _decode_av(container, path, sample_rate)


def _decode_av(container, path: Path, sample_rate: int) -> tuple[np.ndarray, int]:
    import av

    if not container.streams.audio:
        raise AudioError(f"{path}: no audio stream")
    resampler = av.AudioResampler(format="flt", layout="mono", rate=sample_rate)
    chunks = []
    try:
        for frame in container.decode(audio=0):
            chunks += [f.to_ndarray().ravel() for f in resampler.resample(frame)]
    except av.error.FFmpegError as exc:
        if not chunks:
            raise AudioError(f"{path}: audio does not decode ({exc})") from None
        # a truncated file: keep what decoded
    chunks += [f.to_ndarray().ravel() for f in resampler.resample(None)]
    samples = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    return samples, sample_rate


def fixed_length(samples: np.ndarray, length: int, *, offset: int = 0) -> np.ndarray:
    """Exactly ``length`` samples from ``offset``: tile-repeat a short signal, cut a long one.

    Example:
        >>> fixed_length(np.array([1, 2, 3], np.float32), 7).tolist()
        [1.0, 2.0, 3.0, 1.0, 2.0, 3.0, 1.0]
    """
    if samples.size < length:
        samples = np.tile(samples, int(np.ceil(length / max(samples.size, 1))))
        offset = 0
    return samples[offset:offset + length]
