"""Synthetic people and their recorded performances, reproducible from ``(seed, key)``.

A :class:`Performance` is one recording session of a person: how long it lasts, what they say,
how their head moves, the scene. Real videos show a performance as it was; manipulations re-use
the very same performance and change only what the attack changes, as FF++ and FakeAVCeleb fakes
are made from real videos.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from dfdetect.data.synthetic.appearance import Look, random_look
from dfdetect.data.synthetic.scene import FPS, Track, make_track
from dfdetect.data.synthetic.speech import (
    SAMPLE_RATE,
    Utterance,
    Voice,
    mouth_opening,
    plan_utterance,
    speak,
)


def rng_for(seed: int, *key: object) -> np.random.Generator:
    """A generator that depends only on ``seed`` and ``key``, never on the order of the work.

    Example:
        >>> float(rng_for(0, "a", 1).random()) == float(rng_for(0, "a", 1).random())
        True
    """
    digest = zlib.crc32("/".join(map(str, key)).encode())
    return np.random.default_rng([seed, digest])


@dataclass(frozen=True)
class Person:
    """A synthetic identity: a face and a voice."""

    key: str
    look: Look
    voice: Voice


def make_person(seed: int, key: str, *, female: bool | None = None,
                tone: int | None = None) -> Person:
    """The person called ``key`` in the corpus made with ``seed`` (same inputs, same person).

    Example:
        >>> make_person(0, "ffpp/000").voice == make_person(0, "ffpp/000").voice
        True
    """
    rng = rng_for(seed, "person", key)
    look = random_look(rng, female=female, tone=tone)
    voice = Voice(look.pitch_hz, look.formant_scale, look.speech_rate,
                  jitter=float(rng.uniform(0.005, 0.02)), shimmer=float(rng.uniform(0.04, 0.12)),
                  breath=float(rng.uniform(0.01, 0.04)))
    return Person(key, look, voice)


@dataclass(frozen=True)
class Timing:
    """Total length and the silence before and after the speech, in seconds."""

    seconds: float
    lead: float
    trail: float

    @property
    def speech_seconds(self) -> float:
        return self.seconds - self.lead - self.trail


def draw_timing(rng: np.random.Generator, seconds: tuple[float, float]) -> Timing:
    """Length uniform in ``seconds``, snapped to whole video frames; silences of 0.1-0.5 s.

    Example:
        >>> t = draw_timing(np.random.default_rng(0), (2.0, 3.0))
        >>> 2.0 <= t.seconds <= 3.0 and t.speech_seconds > 0.9
        True
    """
    total = round(float(rng.uniform(*seconds)) * FPS) / FPS
    return Timing(total, float(rng.uniform(0.1, 0.5)), float(rng.uniform(0.1, 0.4)))


def finish_audio(speech: np.ndarray, timing: Timing, rng: np.random.Generator) -> np.ndarray:
    """Place speech between its silences, add a room noise floor, set a random loudness.

    Real and fake speech both pass through here, so silences, noise floor and level carry no
    label information.

    Example:
        >>> t = Timing(1.0, 0.2, 0.2)
        >>> finish_audio(np.ones(9600, np.float32) * 0.1, t, np.random.default_rng(0)).shape
        (16000,)
    """
    n = int(round(timing.seconds * SAMPLE_RATE))
    lead = int(round(timing.lead * SAMPLE_RATE))
    out = np.zeros(n, np.float64)
    body = speech[: max(0, n - lead)]
    out[lead:lead + len(body)] = body
    level_db = rng.uniform(-26, -18)
    voiced = out[np.abs(out) > 1e-4]
    rms = np.sqrt(np.mean(voiced**2)) if len(voiced) else 1.0
    out *= 10 ** (level_db / 20) / (rms + 1e-9)
    out += 10 ** (rng.uniform(-58, -50) / 20) * rng.standard_normal(n)
    return np.clip(out, -1, 1).astype(np.float32)


@dataclass(frozen=True)
class Performance:
    """One recording: timing, the words, the finished audio, and the head's track."""

    person: Person
    timing: Timing
    utterance: Utterance
    audio: np.ndarray
    track: Track
    scene_seed: int

    @property
    def n_frames(self) -> int:
        return int(round(self.timing.seconds * FPS))


def perform(person: Person, seed: int, key: str, seconds: tuple[float, float]) -> Performance:
    """Record ``person`` once, identified by ``key`` (the same key gives the same recording).

    Example:
        >>> p = perform(make_person(0, "x"), 0, "x/0", (1.0, 1.2))
        >>> p.n_frames == len(p.track) and len(p.audio) == int(p.timing.seconds * 16000)
        True
    """
    rng = rng_for(seed, "performance", key)
    timing = draw_timing(rng, seconds)
    utt = plan_utterance(rng, person.voice, timing.speech_seconds)
    audio = finish_audio(speak(person.voice, utt, rng), timing, rng)
    n_frames = int(round(timing.seconds * FPS))
    track = make_track(rng, mouth_opening(audio, n_frames, FPS))
    return Performance(person, timing, utt, audio, track, int(rng.integers(2**31)))


def new_words(person: Person, like: Performance, rng: np.random.Generator) -> tuple[Utterance,
                                                                                     Timing]:
    """A different utterance with freshly drawn silences, as long as ``like`` (for fake audio).

    Example:
        >>> p = perform(make_person(0, "x"), 0, "x/0", (1.0, 1.2))
        >>> utt, timing = new_words(p.person, p, np.random.default_rng(0))
        >>> timing.seconds == p.timing.seconds
        True
    """
    timing = Timing(like.timing.seconds, float(rng.uniform(0.1, 0.5)),
                    float(rng.uniform(0.1, 0.4)))
    return plan_utterance(rng, person.voice, timing.speech_seconds), timing
