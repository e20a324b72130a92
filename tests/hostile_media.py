"""A corpus of broken and unusual media, made at test time with PyAV, soundfile and numpy."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from dfdetect.media.writer import write_video


def _wav(path: Path, samples: np.ndarray, rate: int, subtype: str = "PCM_16") -> None:
    import soundfile

    soundfile.write(str(path), samples, rate, subtype=subtype)


def _vfr_video(path: Path) -> None:
    """H.264 whose frame durations vary (1 to 3 ticks of 1/25 s)."""
    from fractions import Fraction

    import av

    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.codec_context.time_base = Fraction(1, 25)
        pts = 0
        for i in range(20):
            image = np.full((48, 64, 3), (i * 12) % 255, np.uint8)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts, frame.time_base = pts, Fraction(1, 25)
            pts += 1 + i % 3
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


def _mp4_without_streams(path: Path) -> None:
    """A valid MP4 (ftyp + moov with a movie header) that holds no track at all."""
    import struct

    ftyp = struct.pack(">I4s4sI4s4s", 24, b"ftyp", b"isom", 512, b"isom", b"mp41")
    matrix = struct.pack(">9i", 65536, 0, 0, 0, 65536, 0, 0, 0, 1 << 30)
    mvhd_body = (struct.pack(">IIIIIiH", 0, 0, 0, 1000, 0, 65536, 256) + bytes(10) + matrix
                 + bytes(24) + struct.pack(">I", 1))
    mvhd = struct.pack(">I4s", 8 + len(mvhd_body), b"mvhd") + mvhd_body
    moov = struct.pack(">I4s", 8 + len(mvhd), b"moov") + mvhd
    path.write_bytes(ftyp + moov)


def _rotated(source: Path, path: Path) -> None:
    """``source`` with a display matrix saying "turn 90° clockwise", as phones write."""
    import struct

    data = bytearray(source.read_bytes())
    matrix = data.find(b"tkhd") + 4 + 40
    data[matrix:matrix + 36] = struct.pack(">9i", 0, 65536, 0, -65536, 0, 0, 0, 0, 1 << 30)
    path.write_bytes(bytes(data))


def _audio_only_mp4(path: Path) -> None:
    import av

    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("aac", rate=16000)
        stream.layout = "mono"
        samples = (0.1 * np.sin(np.arange(32000) / 8)).astype(np.float32)
        for start in range(0, samples.size, 1024):
            frame = av.AudioFrame.from_ndarray(samples[None, start:start + 1024], format="flt",
                                               layout="mono")
            frame.sample_rate, frame.pts = 16000, start
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


def _copy(path: Path, root: Path) -> Path:
    target = root / "copy.tmp"
    target.write_bytes(path.read_bytes())
    return target


def hostile_corpus(root: Path) -> dict[str, Path]:
    """Write every case under ``root``; returns ``{case name: path}``."""
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    cases: dict[str, Path] = {}

    def case(name: str, filename: str) -> Path:
        cases[name] = root / filename
        return cases[name]

    frames = rng.integers(0, 255, (30, 96, 128, 3), dtype=np.uint8)
    speech = (0.1 * rng.standard_normal(24000)).astype(np.float32)
    good = case("valid video with audio", "good.mp4")
    write_video(good, frames, audio=speech)
    data = good.read_bytes()
    case("zero bytes", "zero.mp4").write_bytes(b"")
    for share in (10, 50, 90):
        case(f"truncated at {share} %", f"truncated_{share}.mp4").write_bytes(
            data[: len(data) * share // 100])
    for ext in ("mp4", "wav", "png", "flac", "jpg"):
        case(f"random bytes .{ext}", f"random.{ext}").write_bytes(rng.bytes(4096))
    case("text with a media name", "notes.mp3").write_text("just text\n" * 100)
    write_video(case("video only", "video_only.mp4"), frames)
    _mp4_without_streams(case("valid container with no streams", "no_streams.mp4"))
    _rotated(good, case("rotated (display matrix)", "rotated.mp4"))
    _audio_only_mp4(case("audio-only mp4", "audio_only.mp4"))
    write_video(case("one-frame video", "one_frame.mp4"), frames[:1], audio=speech)
    write_video(case("tiny 8×6 video", "tiny.mp4"), frames[:10, :6, :8])
    _vfr_video(case("variable frame rate", "vfr.mp4"))
    _wav(case("0-duration audio", "empty_audio.wav"), np.zeros(0, np.float32), 16000)
    _wav(case("8 kHz audio", "rate_8k.wav"), speech[:8000], 8000)
    _wav(case("96 kHz audio", "rate_96k.wav"), np.tile(speech, 4), 96000)
    _wav(case("8-channel audio", "channels_8.wav"), np.tile(speech[:, None], (1, 8)), 16000)
    _wav(case("silent audio", "silent.wav"), np.zeros(32000, np.float32), 16000)
    nan = speech.copy()
    nan[::100] = np.nan
    nan[5::100] = np.inf
    _wav(case("NaN/inf samples in float WAV", "nan.wav"), nan, 16000, subtype="FLOAT")
    from PIL import Image

    Image.fromarray(frames[0, :1, :1]).save(case("1×1 image", "one_pixel.png"))
    Image.fromarray(frames[0, :5, :7]).save(case("7×5 image", "odd.png"))
    huge = case("huge declared resolution", "huge.png")
    Image.new("L", (1, 1)).save(huge)
    header = bytearray(huge.read_bytes())
    header[16:24] = (100_000).to_bytes(4, "big") * 2  # IHDR width and height
    huge.write_bytes(bytes(header))
    long_name = case("very long file name", ("x" * 240) + ".wav")
    _wav(long_name, speech, 16000)
    odd_name = root / os.fsdecode(b"caf\xe9-latin1.wav")  # not UTF-8: a surrogate escape
    os.rename(_copy(long_name, root), odd_name)  # soundfile cannot write to such a name
    cases["non-UTF-8 file name"] = odd_name
    loop = case("symlink loop", "loop.mp4")
    loop.symlink_to(root / "loop.mp4")
    return cases
