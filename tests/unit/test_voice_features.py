"""The voice feature blocks the voice study compares: phase coherence, pauses, and the
pretrained speaker encoder on real LibriSpeech speakers."""

from __future__ import annotations

import numpy as np
import torch

from dfdetect.media.audio import load_audio
from dfdetect.models.speaker_encoder import SpeakerEncoder
from dfdetect.models.spectral import level_statistics, modulation_statistics, phase_statistics

WINDOW = torch.hann_window(512)


def _stft(wave: torch.Tensor) -> torch.Tensor:
    return torch.stft(wave, 512, 160, window=WINDOW, return_complex=True)


def test_a_steady_tone_is_phase_coherent_and_noise_is_not():
    t = torch.arange(16000) / 16000
    tone = _stft(torch.sin(2 * torch.pi * 1000 * t)[None])  # 1000 Hz: bin 32's centre
    noise = _stft(torch.randn(1, 16000, generator=torch.Generator().manual_seed(0)))
    assert phase_statistics(tone, 160)[0, 32] > 0.99
    assert phase_statistics(noise, 160)[0, :257].mean() < 0.8


def test_a_fixed_filter_moves_the_mean_spectrum_but_not_the_phase_coherence():
    noise = torch.randn(1, 32000, generator=torch.Generator().manual_seed(1))
    # a short FIR (a microphone's colouring): convolution, well inside one 512-sample window
    taps = torch.tensor([1.0, -0.9, 0.3, 0.1])
    filtered = torch.nn.functional.conv1d(noise[:, None], taps.flip(0)[None, None],
                                          padding=3)[:, 0, :32000]
    plain, coloured = _stft(noise), _stft(filtered)
    log_mean = [torch.log(s.abs() ** 2 + 1e-8).mean(-1) for s in (plain, coloured)]
    assert (log_mean[0] - log_mean[1]).abs().mean() > 0.5
    moved = phase_statistics(plain, 160) - phase_statistics(coloured, 160)
    assert moved.abs().mean() < 0.05


def test_the_pauses_depth_is_measured_in_log_energy():
    generator = torch.Generator().manual_seed(2)
    wave = torch.randn(1, 32000, generator=generator) * 1e-3  # pauses 60 dB down
    wave[0, 8000:24000] += torch.randn(16000, generator=generator)
    depths = level_statistics(_stft(wave))[0, :7]
    assert abs(float(depths[0]) - np.log(1e-6)) < 1.5
    speech_only = level_statistics(_stft(wave[:, 9000:23000]))[0, :7]
    assert float(speech_only[0]) > -3


def test_the_pretrained_encoder_tells_speakers_apart(reference):
    """Two halves of one LibriSpeech utterance are closer than two speakers' clips; with
    untrained weights the margin all but vanishes (so the loaded weights do the work)."""
    folder = (reference.parent / "realdata/audio/resemblyzer_librispeech/audio_data/"
              "librispeech_train-clean-100")
    clips = [load_audio(path) for path in sorted(folder.glob("*.flac"))[:4]]  # 4.5 s each
    halves = torch.from_numpy(np.stack([part for clip in clips
                                        for part in (clip[:36_000], clip[36_000:72_000])]))

    def margin(net: SpeakerEncoder) -> float:
        with torch.no_grad():
            embeds = net(halves)[:, :256]  # the mean unit embedding of the partials
        embeds = embeds / embeds.norm(dim=1, keepdim=True)
        similar = embeds @ embeds.T
        same = torch.stack([similar[2 * i, 2 * i + 1] for i in range(4)]).mean()
        other = torch.stack([similar[2 * i, 2 * j] for i in range(4) for j in range(4)
                             if i != j]).mean()
        return float(same - other)

    torch.manual_seed(0)
    assert margin(SpeakerEncoder().eval()) > 0.1  # 0.18 measured (0.66 against 0.48)
    assert margin(SpeakerEncoder(pretrained=False).eval()) < 0.02


def test_the_hifigan_copy_keeps_the_clip_in_a_new_waveform(reference):
    """A real LibriSpeech clip re-synthesised by the installed HiFi-GAN keeps its mel
    spectrogram (the vocoder reproduces the speech, at the clip's level), yet is a new
    waveform; white noise at the same level is far off that spectrogram."""
    from dfdetect.data.vocoded import hifigan_mel, neural_vocode

    folder = (reference.parent / "realdata/audio/resemblyzer_librispeech/audio_data/"
              "librispeech_train-clean-100")
    wave = load_audio(sorted(folder.glob("*.flac"))[0])[:32_000]
    copy = neural_vocode(wave)
    assert copy.shape == wave.shape and abs(copy.std() / wave.std() - 1) < 0.01
    assert np.corrcoef(copy, wave)[0, 1] < 0.9  # phase is the vocoder's own
    original = hifigan_mel(wave)[0]
    error = float((hifigan_mel(copy)[0] - original).abs().mean())
    noise = np.random.default_rng(0).normal(0, wave.std(), wave.size).astype(np.float32)
    noise_error = float((hifigan_mel(noise)[0] - original).abs().mean())
    assert error < 0.6 and noise_error > 2 * error  # 0.40 and 2.50 measured


def test_the_lfcc_statistics_follow_the_spectrum_statistics_and_ignore_gain():
    from dfdetect.default_model.baselines import lfcc_statistics
    from dfdetect.models.spectral import SpectralStats

    waves = torch.randn(2, 16000, generator=torch.Generator().manual_seed(2)) * 0.1
    both, plain = SpectralStats(lfcc=True), SpectralStats()
    stats = both.statistics(waves)
    assert stats.shape == (2, both.embedding_dim) == (2, 1028 + 40)
    assert torch.allclose(stats[:, :1028], plain.statistics(waves))
    for k in range(2):  # the batch's rows are the LFCC baseline's features of each clip
        assert np.allclose(stats[k, 1028:].numpy(), lfcc_statistics(waves[k].numpy()), atol=1e-4)
    # a gain shifts every log filter energy alike: only the 0th coefficient's mean moves
    louder = SpectralStats(lfcc=True).statistics(3 * waves)[:, 1028:]
    moved = (louder - stats[:, 1028:]).abs()
    assert (moved[:, 0] > 0.5).all() and moved[:, 1:].max() < 1e-3


def test_loudness_beating_at_5_hz_lands_in_the_4_to_8_hz_modulation_band():
    t = torch.arange(64000) / 16000
    noise = torch.randn(1, 64000, generator=torch.Generator().manual_seed(2))
    beating = noise * (1 + 0.9 * torch.sin(2 * torch.pi * 5 * t))
    shares = modulation_statistics(_stft(beating), 160)[0, :80].reshape(16, 5)
    steady = modulation_statistics(_stft(noise), 160)[0, :80].reshape(16, 5)
    # column 2 is 4-8 Hz: nearly all of every band's modulation there, far more than unbeaten
    assert (shares[:, 2] > np.log(0.8)).all()
    assert (shares[:, 2] - steady[:, 2]).min() > 0.5
    depth = modulation_statistics(_stft(beating), 160)[0, 80:]
    assert (depth > modulation_statistics(_stft(noise), 160)[0, 80:] + 2).all()


def test_a_fixed_gain_per_band_leaves_the_modulation_statistics_alone():
    t = torch.arange(64000) / 16000
    noise = torch.randn(1, 64000, generator=torch.Generator().manual_seed(3))
    spec = _stft(noise * (1 + 0.5 * torch.sin(2 * torch.pi * 3 * t)))
    # a channel's colouring, one gain per acoustic band: a constant added to its log energy
    edges = torch.linspace(0, spec.shape[1], 17).long()  # the function's 16 bands
    band_gains = torch.linspace(0.2, 3.0, 16)[torch.bucketize(
        torch.arange(spec.shape[1]), edges[1:-1], right=True)]
    moved = modulation_statistics(spec, 160) - modulation_statistics(
        spec * band_gains[None, :, None], 160)
    assert moved.abs().max() < 1e-3
    # a gain varying inside the bands too changes a band's mix of bins, a little
    smooth = torch.linspace(0.2, 3.0, spec.shape[1])[None, :, None]
    moved = modulation_statistics(spec, 160) - modulation_statistics(spec * smooth, 160)
    assert moved.abs().mean() < 0.05


def _pulses(periods_s: np.ndarray, seconds: float = 2.0) -> torch.Tensor:
    """A glottal-like pulse train at 16 kHz (one unit impulse per period), through a short
    resonance so that it has energy in every band."""
    times = np.cumsum(periods_s)
    wave = np.zeros(int(seconds * 16000), np.float32)
    wave[(times[times < seconds] * 16000).astype(int)] = 1.0
    taps = torch.tensor([1.0, 0.6, 0.2])
    return torch.nn.functional.conv1d(torch.from_numpy(wave)[None, None], taps.flip(0)[None, None],
                                      padding=2)[:, 0, :len(wave)]


def test_a_pulse_train_is_voiced_and_harmonic_in_every_band_and_noise_is_not():
    from dfdetect.models.periodicity import HARMONIC_BANDS, periodicity_statistics

    steady = periodicity_statistics(_pulses(np.full(400, 1 / 125)))[0]
    noise = periodicity_statistics(torch.randn(1, 32000, generator=torch.Generator()
                                               .manual_seed(3)))[0]
    assert float(steady[0]) > 0.95 and float(noise[0]) < 0.05  # voiced share
    hnr_means = slice(6, 6 + 2 * len(HARMONIC_BANDS), 2)
    assert (steady[hnr_means] > 10).all()  # every band periodic at the pitch (dB)


def test_a_jittered_voice_steps_its_pitch_more_and_a_gain_moves_nothing():
    """3 % random period jitter against a steady 125 Hz train: the median log pitch step
    grows; scaling the wave by 10 leaves every number where it was."""
    from dfdetect.models.periodicity import periodicity_statistics

    rng = np.random.default_rng(4)
    steady = _pulses(np.full(400, 1 / 125))
    jittered = _pulses(1 / 125 * (1 + 0.03 * rng.standard_normal(400)))
    median_step = 17  # the voicing share, 5 voicing quantiles, 10 band numbers, then q 0.25
    plain, shaky = (periodicity_statistics(w)[0, median_step] for w in (steady, jittered))
    assert float(shaky) > float(plain) + 1.0  # log units
    moved = periodicity_statistics(10 * jittered) - periodicity_statistics(jittered)
    assert float(moved.abs().max()) < 1e-3
