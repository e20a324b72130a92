"""The synthetic ASVspoof 2019 LA: speakers per part, bona fide and four attacks, CM protocols.

Like the real database, the dev and eval folders also hold enrolment utterances that no CM
protocol lists, and each protocol is in the original 5-column form, shuffled.
"""

from __future__ import annotations

import functools
from pathlib import Path

from dfdetect.data.synthetic.people import draw_timing, finish_audio, make_person, rng_for
from dfdetect.data.synthetic.presets import Preset
from dfdetect.data.synthetic.speech import plan_utterance, speak
from dfdetect.data.synthetic.voice_attacks import fake_speech
from dfdetect.fsutil import atomic_path
from dfdetect.media.writer import write_flac

ATTACKS = ("A01", "A02", "A03", "A04")
PARTS = (("train", "trn", "T"), ("dev", "trl", "D"), ("eval", "trl", "E"))


def plan(preset: Preset, seed: int, root: Path) -> list[functools.partial]:
    """Write the three CM protocols under ``root/LA`` and return one job per FLAC file.

    Example:
        >>> import tempfile
        >>> from dfdetect.data.synthetic.presets import PRESETS
        >>> len(plan(PRESETS["tiny"], 0, Path(tempfile.mkdtemp())))
        40
    """
    la = root / "LA"
    rng = rng_for(seed, "asvspoof", "ids")
    numbers = iter(1_000_000 + rng.choice(9_000_000, size=20_000, replace=False))
    speaker_number = 1
    jobs = []
    for (part, suffix, letter), n_speakers in zip(PARTS, preset.asvspoof_speakers, strict=True):
        lines = []
        flac = la / f"ASVspoof2019_LA_{part}" / "flac"
        for _ in range(n_speakers):
            speaker = f"LA_{speaker_number:04d}"
            speaker_number += 1
            kinds = ["-"] * preset.asvspoof_bonafide + [
                a for a in ATTACKS for _ in range(preset.asvspoof_per_attack)]
            for attack in kinds:
                utt = f"LA_{letter}_{next(numbers)}"
                key = "bonafide" if attack == "-" else "spoof"
                lines.append(f"{speaker} {utt} - {attack} {key}")
                jobs.append(functools.partial(render, flac / f"{utt}.flac", speaker, attack,
                                              preset, seed))
            if part != "train":  # an ASV enrolment file: on disk, in no CM protocol
                utt = f"LA_{letter}_{next(numbers)}"
                jobs.append(functools.partial(render, flac / f"{utt}.flac", speaker, "-",
                                              preset, seed))
        order = rng.permutation(len(lines))
        protocol = la / "ASVspoof2019_LA_cm_protocols" / f"ASVspoof2019.LA.cm.{part}.{suffix}.txt"
        with atomic_path(protocol) as tmp:
            tmp.write_text("".join(lines[i] + "\n" for i in order))
    return jobs


def render(path: Path, speaker: str, attack: str, preset: Preset, seed: int) -> None:
    """One utterance of ``speaker``: bona fide when ``attack`` is ``-``, else spoofed."""
    person = make_person(seed, f"asvspoof/{speaker}")
    rng = rng_for(seed, "asvspoof", path.stem)
    timing = draw_timing(rng, preset.audio_seconds)
    words = plan_utterance(rng, person.voice, timing.speech_seconds)
    speech = (speak(person.voice, words, rng) if attack == "-"
              else fake_speech(attack, person.voice, words, rng))
    write_flac(path, finish_audio(speech, timing, rng))
