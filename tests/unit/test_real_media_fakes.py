"""The training-time fakes and channels of the default model: self-blends, swaps, codecs,
resampling, RawBoost, and Piper speech (espeak-ng is installed by `make`)."""

from __future__ import annotations

import numpy as np
import pytest

from dfdetect.data.audio_channel import (
    channel_augment,
    codec_round_trip,
    rawboost,
    resample_through,
)
from dfdetect.data.self_blend import blend_params, face_mask, self_blend, swap_faces

LANDMARKS = np.array([[70, 80], [122, 80], [96, 110], [76, 140], [116, 140]], float)


def _face(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = rng.integers(60, 200, (1, 1, 3))
    texture = rng.normal(0, 25, (192, 192, 3))
    return np.clip(base + texture, 0, 255).astype(np.uint8)


def _tone(seconds: float = 2.0, hz: float = 440.0) -> np.ndarray:
    t = np.arange(int(16000 * seconds)) / 16000
    return (0.3 * np.sin(2 * np.pi * hz * t) * (1 + 0.5 * np.sin(2 * np.pi * 3 * t))).astype(
        np.float32)


@pytest.mark.parametrize("seed", range(8))
def test_a_self_blend_changes_the_face_and_nothing_outside_its_mask(seed):
    face, params = _face(seed), blend_params(np.random.default_rng(seed))
    mask = face_mask(face.shape[:2], LANDMARKS, params)
    fake = self_blend(face, LANDMARKS, params)
    outside, inside = mask == 0, mask > 0.9 * mask.max()  # opacity may be below 1
    assert inside.sum() > 500, "the mask covers the face"
    assert np.array_equal(fake[outside], face[outside])
    assert np.abs(fake[inside].astype(int) - face[inside]).mean() > 1.0
    # the same parameters give the same blend: consistent along a clip
    assert np.array_equal(fake, self_blend(face, LANDMARKS, params))


def test_a_swap_brings_the_donor_into_the_face_only():
    target, donor = _face(1), _face(2)
    params = {**blend_params(np.random.default_rng(3)), "blur": 0.0, "opacity": 1.0}
    fake = swap_faces(target, LANDMARKS, donor, LANDMARKS + 3, params)
    mask = face_mask(target.shape[:2], LANDMARKS, {**params, "kind": max(1, params["kind"])})
    assert np.array_equal(fake[mask == 0], target[mask == 0])
    assert np.abs(fake[mask > 0.9].astype(int) - target[mask > 0.9]).mean() > 10


@pytest.mark.parametrize("codec", ["mp3", "aac", "opus"])
def test_codec_round_trips_keep_length_and_alignment(codec):
    wave = _tone()
    out = codec_round_trip(wave, codec, 32_000)
    assert out.shape == wave.shape and out.dtype == np.float32
    assert np.corrcoef(out[2000:-2000], wave[2000:-2000])[0, 1] > 0.9


def test_resampling_through_8_khz_removes_the_top_band():
    rng = np.random.default_rng(0)
    noise = rng.normal(0, 0.1, 32000).astype(np.float32)
    out = resample_through(noise, 8000)
    spectrum = np.abs(np.fft.rfft(out)) ** 2
    freqs = np.fft.rfftfreq(out.size, 1 / 16000)
    assert spectrum[freqs > 4500].sum() < 0.01 * spectrum[freqs < 3500].sum()


def test_rawboost_and_channels_stay_finite_and_bounded():
    rng = np.random.default_rng(0)
    for _ in range(20):
        wave = rawboost(_tone(), rng)
        assert np.isfinite(wave).all()
        out = channel_augment(_tone(), rng)
        assert out.shape == (32000,) and np.abs(out).max() <= 1.0


def test_piper_speaks_sentences():
    from dfdetect.data.synthetic.piper_voice import piper_available, sentences, synthesize

    assert piper_available() is None, piper_available()  # make installs espeak-ng
    texts = sentences(3, seed=0)
    assert len(set(texts)) == 3
    wave = synthesize(texts[0], length_scale=1.0)
    seconds = wave.size / 16000
    assert 1.5 < seconds < 10 and np.isfinite(wave).all()
    frames = wave[: wave.size // 400 * 400].reshape(-1, 400)
    loud = (frames**2).mean(1) > 1e-4
    assert 0.3 < loud.mean() < 1.0  # speech with pauses, not silence or noise


def test_an_h264_round_trip_loses_more_at_higher_crf_and_keeps_the_shape(reference):
    from PIL import Image

    from dfdetect.data.video_channel import h264_round_trip

    photo = Image.open(reference / "media/images/ffpp_ex_original.png").convert("RGB")
    image = np.asarray(photo)[100:323, 200:423]  # 223 × 223: odd sides are padded and cut
    psnr = {}
    for crf in (18, 40):
        out = h264_round_trip(image, crf)
        assert out.shape == image.shape and out.dtype == np.uint8
        psnr[crf] = 10 * np.log10(255**2 / np.mean((out.astype(float) - image) ** 2))
    # measured 42.3 and 31.2 dB: near-lossless at 18, a visible loss at 40
    assert psnr[18] > 37 and psnr[40] < psnr[18] - 5, psnr


def test_piper_fakes_are_the_same_clips_on_every_build(tmp_path):
    import soundfile

    from dfdetect.default_model.voice import make_piper_fakes

    for build in ("a", "b"):
        make_piper_fakes(tmp_path / build, 2, seed=3)
    for name in ("joe_0000.flac", "joe_0001.flac"):
        first, second = (soundfile.read(str(tmp_path / b / name))[0] for b in ("a", "b"))
        assert first.shape == second.shape and np.array_equal(first, second), name
