"""The synthetic FakeAVCeleb v1.2: every person in the four real/fake video/audio categories.

Per person X (with two other people Y and Z of the corpus, of X's ethnicity and gender where
possible, as FakeAVCeleb pairs them):

==================== ============================ ==========================================
category             method                       what it is
==================== ============================ ==========================================
RealVideo-RealAudio  real                         X's recording
RealVideo-FakeAudio  rtvc                         X's video, X's voice cloned saying other words
FakeVideo-RealAudio  faceswap / fsgan             Y's face swapped onto X, X's own audio
FakeVideo-RealAudio  wav2lip                      X's lips re-synced to Z's real speech
FakeVideo-FakeAudio  wav2lip                      X's lips re-synced to X's cloned voice
FakeVideo-FakeAudio  faceswap-/fsgan-wav2lip      Y's face on X, lips re-synced to cloned voice
==================== ============================ ==========================================
"""

from __future__ import annotations

import csv
import functools
import io
from pathlib import Path

import numpy as np

from dfdetect.data.synthetic.face_edits import chain, face_swap, lip_sync
from dfdetect.data.synthetic.people import finish_audio, make_person, new_words, perform, rng_for
from dfdetect.data.synthetic.presets import Preset
from dfdetect.data.synthetic.scene import FPS, render_frames
from dfdetect.data.synthetic.speech import mouth_opening, speak
from dfdetect.data.synthetic.voice_attacks import fake_speech
from dfdetect.fsutil import atomic_path
from dfdetect.media.writer import write_video

RACES = (("African", (5, 6)), ("Asian (East)", (1, 2)), ("Asian (South)", (3, 4)),
         ("Caucasian (American)", (0, 1)), ("Caucasian (European)", (0, 2)))
HEADER = "source,target1,target2,method,category,type,race,gender,path,"
LETTER = {"RealVideo-RealAudio": "A", "RealVideo-FakeAudio": "B", "FakeVideo-RealAudio": "C",
          "FakeVideo-FakeAudio": "D"}


def people(preset: Preset, seed: int) -> list[dict]:
    """The corpus's people: id, race, gender, skin tone, and the file stem of their video.

    Example:
        >>> from dfdetect.data.synthetic.presets import PRESETS
        >>> [p["race"] for p in people(PRESETS["tiny"], 0)][:2]
        ['African', 'Asian (East)']
    """
    rng = rng_for(seed, "fakeavceleb", "people")
    numbers = rng.choice(np.arange(1, 10000), size=preset.fakeavceleb_people, replace=False)
    out = []
    for i, number in enumerate(numbers):
        race, tones = RACES[i % len(RACES)]
        out.append({"id": f"id{int(number):05d}", "race": race,
                    "gender": ("men", "women")[(i // len(RACES)) % 2],
                    "tone": int(rng.integers(tones[0], tones[1] + 1)),
                    "stem": f"{int(rng.integers(0, 1000)):05d}"})
    return out


def plan(preset: Preset, seed: int, root: Path) -> list[functools.partial]:
    """Write ``FakeAVCeleb_v1.2/meta_data.csv`` (the owners' header) and return render jobs.

    Example:
        >>> import tempfile
        >>> from dfdetect.data.synthetic.presets import PRESETS
        >>> len(plan(PRESETS["tiny"], 0, Path(tempfile.mkdtemp())))
        36
    """
    base = root / "FakeAVCeleb_v1.2"
    crowd = people(preset, seed)
    rows, jobs = [], []
    for i, x in enumerate(crowd):
        y, z = _partners(crowd, i)
        swapper = ("faceswap", "fsgan")[i % 2]
        items = [
            ("RealVideo-RealAudio", "real", "-", f"{x['stem']}.mp4"),
            ("RealVideo-FakeAudio", "rtvc", "fake.mp4", f"{x['stem']}_fake.mp4"),
            ("FakeVideo-RealAudio", swapper, y["id"], f"{x['stem']}_{y['id']}.mp4"),
            ("FakeVideo-RealAudio", "wav2lip", z["id"], f"{x['stem']}_{z['id']}_wavtolip.mp4"),
            ("FakeVideo-FakeAudio", "wav2lip", z["id"], f"{x['stem']}_{z['id']}_wavtolip.mp4"),
            ("FakeVideo-FakeAudio", f"{swapper}-wav2lip", y["id"],
             f"{x['stem']}_{y['id']}_wavtolip.mp4"),
        ]
        for category, method, target1, filename in items:
            folder = f"{category}/{x['race']}/{x['gender']}/{x['id']}"
            rows.append([x["id"], target1, "-", method, LETTER[category], category, x["race"],
                         x["gender"], filename, f"FakeAVCeleb/{folder}"])
            jobs.append(functools.partial(render, base / folder / filename, category, method,
                                          x, y, z, preset, seed))
    buffer = io.StringIO()
    buffer.write(HEADER + "\n")
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    with atomic_path(base / "meta_data.csv") as tmp:
        tmp.write_text(buffer.getvalue())
    return jobs


def _partners(crowd: list[dict], i: int) -> tuple[dict, dict]:
    """Two other people for person ``i``: the face donor ``y`` and the voice ``z``.

    As in FakeAVCeleb, swaps pair people of the same ethnicity and gender where possible;
    failing that, the closest skin tone.
    """
    x = crowd[i]
    others = crowd[i + 1:] + crowd[:i]
    ranked = sorted(others, key=lambda o: (o["race"] != x["race"], o["gender"] != x["gender"],
                                           abs(o["tone"] - x["tone"])))
    return ranked[0], ranked[1 % len(ranked)]


def _person(info: dict, seed: int):
    return make_person(seed, f"fakeavceleb/{info['id']}", female=info["gender"] == "women",
                       tone=info["tone"])


def render(path: Path, category: str, method: str, x: dict, y: dict, z: dict, preset: Preset,
           seed: int) -> None:
    """One FakeAVCeleb video with its audio track, as the table in the module doc says."""
    person = _person(x, seed)
    perf = perform(person, seed, f"fakeavceleb/{x['id']}", preset.video_seconds)
    rng = rng_for(seed, "fakeavceleb", path.name, category)
    audio, edit = perf.audio, None
    if category.endswith("FakeAudio"):
        words, timing = new_words(person, perf, rng)
        audio = finish_audio(fake_speech("rtvc", person.voice, words, rng), timing, rng)
    if method == "wav2lip" and category == "FakeVideo-RealAudio":
        other = _person(z, seed).voice
        words, timing = new_words(person, perf, rng)
        audio = finish_audio(speak(other, words, rng), timing, rng)
    swapped = _person(y, seed).look if method.split("-")[0] in ("faceswap", "fsgan") else None
    if swapped is not None:
        edit = face_swap(method.split("-")[0], person.look, swapped, perf.track, rng)
    if method.endswith("wav2lip"):
        mouth = mouth_opening(audio, perf.n_frames, FPS)
        sync = lip_sync(person.look, mouth, perf.track, rng, shown=swapped)
        edit = sync if edit is None else chain(edit, sync)
    frames = render_frames(person.look, perf.track, preset.frame_px,
                           rng_for(seed, "scene", x["id"]), edit)
    write_video(path, frames, audio=audio, video_kbps=preset.video_kbps)
