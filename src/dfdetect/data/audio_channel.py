"""The channel changes a real recording goes through before an analyst hears it, as training
augmentations: resampling through 8-48 kHz, lossy codecs (MP3, AAC, Opus through PyAV), band
limits, noise, and RawBoost-style filtering (Tak et al., ICASSP 2022: convolutive noise from
random notch/peak filters with a mild non-linearity, impulsive signal-dependent noise and
coloured stationary noise).

A detector that is only ever shown clean studio audio learns the studio; these make the
difference between real and fake the only thing that survives every channel.
"""

from __future__ import annotations

import io

import numpy as np

SAMPLE_RATE = 16_000
CODECS = (("mp3", "libmp3lame", "mp3"), ("adts", "aac", "aac"), ("ogg", "libopus", "opus"))


def resample_through(wave: np.ndarray, rate: int) -> np.ndarray:
    """Down to ``rate`` and back to 16 kHz (what an 8 kHz phone line leaves of the band).

    Example:
        >>> resample_through(np.zeros(16000, np.float32), 8000).shape
        (16000,)
    """
    import soxr

    down = soxr.resample(wave, SAMPLE_RATE, rate, quality="HQ")
    back = soxr.resample(down, rate, SAMPLE_RATE, quality="HQ")
    return _same_length(back.astype(np.float32), wave.size)


def _same_length(wave: np.ndarray, size: int) -> np.ndarray:
    if wave.size >= size:
        return wave[:size]
    return np.pad(wave, (0, size - wave.size))


def codec_round_trip(wave: np.ndarray, codec: str = "mp3", bitrate: int = 32_000) -> np.ndarray:
    """Encode with a lossy codec in memory and decode again, aligned to the input length.

    Example:
        >>> out = codec_round_trip(np.zeros(16000, np.float32), "mp3")
        >>> out.shape, out.dtype
        ((16000,), dtype('float32'))
    """
    import av

    container_format, encoder, _ = next(c for c in CODECS if c[2] == codec)
    rate = 48_000 if codec == "opus" else SAMPLE_RATE
    source = wave
    if rate != SAMPLE_RATE:
        import soxr

        source = soxr.resample(wave, SAMPLE_RATE, rate, quality="HQ").astype(np.float32)
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=container_format) as out:
        stream = out.add_stream(encoder, rate=rate)
        stream.layout = "mono"
        stream.bit_rate = bitrate
        frame = av.AudioFrame.from_ndarray(np.clip(source, -1, 1)[None].astype(np.float32),
                                           format="flt", layout="mono")
        frame.sample_rate = rate
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    buffer.seek(0)
    decoded = []
    with av.open(buffer, "r") as container:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
        for frame in container.decode(audio=0):
            for piece in resampler.resample(frame):
                decoded.append(piece.to_ndarray().reshape(-1))
        for piece in resampler.resample(None):
            decoded.append(piece.to_ndarray().reshape(-1))
    samples = np.concatenate(decoded) if decoded else np.zeros(0, np.float32)
    return _same_length(_align(samples, wave), wave.size)


def _align(decoded: np.ndarray, original: np.ndarray, max_shift: int = 4000) -> np.ndarray:
    """Drop the encoder's leading delay (priming samples) found by cross-correlation."""
    probe = original[: min(original.size, 16000)]
    if decoded.size <= probe.size or not np.any(probe):
        return decoded
    limit = min(max_shift, decoded.size - probe.size)
    scores = [float(np.dot(decoded[s:s + probe.size], probe)) for s in range(0, limit, 8)]
    coarse = int(np.argmax(scores)) * 8
    return decoded[coarse:]


def rawboost(wave: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One of RawBoost's three noises (or the first two in series), at random strengths.

    Example:
        >>> out = rawboost(np.random.default_rng(0).normal(0, .1, 16000).astype(np.float32),
        ...                np.random.default_rng(1))
        >>> out.shape, bool(np.isfinite(out).all())
        ((16000,), True)
    """
    from scipy.signal import firwin, lfilter

    choice = rng.integers(0, 4)
    out = wave.astype(np.float64)
    if choice in (0, 3):  # linear and non-linear convolutive noise: random band filters
        total = np.zeros_like(out)
        for order in range(1, int(rng.integers(2, 5)) + 1):
            low = rng.uniform(20, 1000)
            width = rng.uniform(100, 1000)
            taps = firwin(int(rng.integers(10, 50)) * 2 + 1,
                          [low, min(low + width, SAMPLE_RATE / 2 - 1)], fs=SAMPLE_RATE,
                          pass_zero=False)
            total += lfilter(taps, 1.0, out**order) * rng.uniform(0.5, 1.0) / order
        out = total / (np.abs(total).max() + 1e-9) * (np.abs(wave).max() + 1e-9)
    if choice in (1, 3):  # impulsive signal-dependent noise on a few percent of samples
        picks = rng.random(out.size) < rng.uniform(0.01, 0.1)
        out[picks] += out[picks] * rng.uniform(-1, 1, picks.sum()) * rng.uniform(0.5, 2)
    if choice == 2:  # stationary coloured noise at 10-40 dB SNR
        noise = lfilter(firwin(31, rng.uniform(500, 7000), fs=SAMPLE_RATE), 1.0,
                        rng.standard_normal(out.size))
        power = np.mean(out**2) + 1e-10
        snr = 10 ** (rng.uniform(10, 40) / 10)
        out += noise / (np.sqrt(np.mean(noise**2)) + 1e-12) * np.sqrt(power / snr)
    return np.asarray(out, np.float32)


def channel_augment(wave: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random channel: maybe resampled through 8-48 kHz, maybe a codec at 16-96 kbit/s,
    maybe RawBoost; each with its own probability, so a third of the clips stay clean.

    Example:
        >>> out = channel_augment(np.zeros(16000, np.float32), np.random.default_rng(0))
        >>> out.shape
        (16000,)
    """
    out = wave
    if rng.random() < 0.3:
        out = resample_through(out, int(rng.choice([8000, 11025, 12000, 22050, 44100, 48000])))
    if rng.random() < 0.35:
        codec = CODECS[int(rng.integers(0, len(CODECS)))][2]
        out = codec_round_trip(out, codec, int(rng.choice([16_000, 24_000, 32_000, 64_000,
                                                            96_000])))
    if rng.random() < 0.3:
        out = rawboost(out, rng)
    peak = np.abs(out).max()
    return (out / peak * min(peak, 0.99) if peak > 0.99 else out).astype(np.float32)
