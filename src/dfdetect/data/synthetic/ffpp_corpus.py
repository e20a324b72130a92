"""The synthetic FaceForensics++: official id pairs, real videos and four methods, c23 layout."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np

from dfdetect.data.indexers.ffpp import load_pair_splits
from dfdetect.data.synthetic.face_edits import face_swap, reenact
from dfdetect.data.synthetic.people import make_person, perform, rng_for
from dfdetect.data.synthetic.presets import Preset
from dfdetect.data.synthetic.scene import render_frames
from dfdetect.fsutil import atomic_path
from dfdetect.media.writer import write_video

METHODS = ("Deepfakes", "FaceSwap", "Face2Face", "NeuralTextures")
COMPRESSION = "c23"


def choose_pairs(preset: Preset) -> dict[str, list[tuple[str, str]]]:
    """The first official pairs of each split, as many as the preset asks for.

    Example:
        >>> from dfdetect.data.synthetic.presets import PRESETS
        >>> {k: len(v) for k, v in choose_pairs(PRESETS["tiny"]).items()}
        {'train': 4, 'val': 2, 'test': 2}
    """
    chosen: dict[str, list[tuple[str, str]]] = {"train": [], "val": [], "test": []}
    wanted = dict(zip(chosen, preset.ffpp_pairs, strict=True))
    for pair, split in load_pair_splits().items():
        if len(chosen[split]) < wanted[split]:
            chosen[split].append(pair)
    return chosen


def plan(preset: Preset, seed: int, root: Path) -> list[functools.partial]:
    """Write the split lists now; return one job per video to render.

    Example:
        >>> import tempfile
        >>> from dfdetect.data.synthetic.presets import PRESETS
        >>> len(plan(PRESETS["tiny"], 0, Path(tempfile.mkdtemp())))
        80
    """
    pairs = choose_pairs(preset)
    for split, chosen in pairs.items():
        with atomic_path(root / "splits" / f"{split}.json") as tmp:
            tmp.write_text(json.dumps([list(p) for p in chosen], indent=1))
    jobs = []
    for chosen in pairs.values():
        for a, b in chosen:
            for real in (a, b):
                path = root / "original_sequences/youtube" / COMPRESSION / "videos" / f"{real}.mp4"
                jobs.append(functools.partial(render_real, path, real, preset, seed))
            for method in METHODS:
                for target, source in ((a, b), (b, a)):
                    path = (root / "manipulated_sequences" / method / COMPRESSION / "videos"
                            / f"{target}_{source}.mp4")
                    jobs.append(functools.partial(render_fake, path, method, target, source,
                                                  preset, seed))
    return jobs


def _performance(ident: str, preset: Preset, seed: int):
    return perform(make_person(seed, f"ffpp/{ident}"), seed, f"ffpp/{ident}", preset.video_seconds)


def render_real(path: Path, ident: str, preset: Preset, seed: int) -> None:
    """The original video of id ``ident`` (FF++ originals carry no audio track)."""
    perf = _performance(ident, preset, seed)
    frames = render_frames(perf.person.look, perf.track, preset.frame_px,
                           rng_for(seed, "scene", ident))
    write_video(path, frames, video_kbps=preset.video_kbps)


def render_fake(path: Path, method: str, target: str, source: str, preset: Preset,
                seed: int) -> None:
    """``target``'s original video manipulated with ``source``'s face or expressions."""
    perf = _performance(target, preset, seed)
    donor = _performance(source, preset, seed)
    rng = rng_for(seed, "ffpp", method, target, source)
    look = perf.person.look
    if method in ("Deepfakes", "FaceSwap"):
        edit = face_swap(method, look, donor.person.look, perf.track, rng)
    else:
        mouth = np.resize(np.array([e.mouth for e in donor.track.expressions]), perf.n_frames)
        edit = reenact(method, look, mouth, perf.track, rng)
    frames = render_frames(look, perf.track, preset.frame_px, rng_for(seed, "scene", target),
                           edit)
    write_video(path, frames, video_kbps=preset.video_kbps)
