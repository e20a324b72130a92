"""Corpus sizes: ``tiny`` for tests (under a minute on 2 cores), ``demo`` for ``make demo``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Preset:
    """How much of each dataset to make, and at what size."""

    name: str
    frame_px: int  # square video frames
    video_seconds: tuple[float, float]
    audio_seconds: tuple[float, float]
    video_kbps: int
    ffpp_pairs: tuple[int, int, int]  # official pairs taken per split (train, val, test)
    fakeavceleb_people: int
    asvspoof_speakers: tuple[int, int, int]
    asvspoof_bonafide: int  # bona fide utterances per speaker
    asvspoof_per_attack: int  # spoofed utterances per speaker and attack


PRESETS = {
    "tiny": Preset("tiny", 160, (1.6, 2.4), (1.5, 3.0), 200, (4, 2, 2), 6, (2, 2, 2), 2, 1),
    "demo": Preset("demo", 224, (2.4, 3.6), (2.0, 4.5), 300, (12, 3, 3), 32, (10, 4, 4), 6, 3),
}
