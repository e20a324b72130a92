"""The sync branch (``sync``): does the voice belong to this mouth? For every sampled face the
mouth patch is compared with the sound at the same moment shifted by each offset in ±1 s; the
mean similarity per offset is the clip's offset curve, as SyncNet reports it: the best offset
and its confidence (best − median). A real talking clip peaks near offset 0; dubbed or cloned
speech, and another person's voice, do not. Reported with the best offset, the confidence and
the reasons; too weak to judge with fewer than 4 faces or under a second of audio.
"""

from __future__ import annotations

import numpy as np
import torch

from dfdetect.inference.plugins import Branch, Evidence, register_branch

OFFSETS = np.round(np.arange(-1.0, 1.0001, 0.04), 2)  # seconds of audio shift searched
MIN_FACES = 4


@torch.no_grad()
def offset_curve(model, mouths: np.ndarray, seconds: np.ndarray, mel: np.ndarray,
                 offsets: np.ndarray = OFFSETS) -> np.ndarray:
    """Mean mouth-audio cosine similarity per audio offset (``[len(offsets)]``).

    Example:
        >>> from dfdetect.models.sync import SyncNet
        >>> curve = offset_curve(SyncNet(dim=8).eval(), np.zeros((2, 24, 32), np.float32),
        ...                      np.array([0.5, 1.0]), np.zeros((32, 200), np.float32))
        >>> curve.shape
        (51,)
    """
    from dfdetect.data.sync_pairs import audio_window

    model.eval()
    mouth = model.embed_mouth(torch.from_numpy(np.asarray(mouths, np.float32))[:, None])
    windows = np.stack([audio_window(mel, t + d) for d in offsets for t in seconds])
    sound = model.embed_audio(torch.from_numpy(windows)[:, None])
    sound = sound.reshape(len(offsets), len(seconds), -1)
    return (sound * mouth[None]).sum(-1).mean(1).numpy()


def summarize(curve: np.ndarray, offsets: np.ndarray = OFFSETS) -> np.ndarray:
    """The offset curve's summary the head reads (:data:`dfdetect.models.sync.SUMMARY`).

    Example:
        >>> [round(float(v), 2) for v in summarize(np.r_[np.zeros(25), 1.0, np.zeros(25)])]
        [1.0, 1.0, 0.0, 1.0, 0.0, 0.14]
    """
    best = int(np.argmax(curve))
    zero = int(np.argmin(np.abs(offsets)))
    median = float(np.median(curve))
    return np.array([curve[zero], curve[best], abs(offsets[best]), curve[best] - median,
                     median, curve.std()], np.float32)


def clip_inputs(evidence: Evidence) -> tuple[np.ndarray, np.ndarray] | None:
    """``(mouth patches [K, 24, 32], their times [K])`` of the frames with a face and
    landmarks, or None when the clip has no audio or no such frame."""
    from dfdetect.data.sync_pairs import mouth_patch

    if evidence.wave is None:
        return None
    found = [(mouth_patch(crop, marks), frame["seconds"]) for frame, crop, marks in
             zip(evidence.frames, evidence.crops, evidence.landmarks, strict=False)
             if crop is not None and marks is not None]
    if not found:
        return None
    return np.stack([m for m, _ in found]), np.array([t for _, t in found], np.float32)


@register_branch
class SyncBranch(Branch):
    """Mouth against voice over audio offsets; absent without audio or faces.

    Example:
        >>> SyncBranch().weak(Evidence("video", crops=[None, None]))
        'a face in only 0 sampled frames: too few to judge lip sync'
    """

    name = "sync"
    title = "Lip sync"
    components = ("sync",)

    def run(self, detector, evidence: Evidence):
        from dfdetect.data.sync_pairs import log_mel
        from dfdetect.inference.branches import BranchOutput

        inputs = clip_inputs(evidence)
        if inputs is None:
            return None
        model = detector.networks["sync"]
        curve = offset_curve(model, *inputs, log_mel(evidence.wave))
        summary = summarize(curve)
        with torch.no_grad():
            logit = float(model.forward_head(torch.from_numpy(summary)[None])[0])
        best = float(OFFSETS[int(np.argmax(curve))])
        confidence = float(summary[3])
        reasons = [f"mouth and voice agree best with the audio shifted by {best:+.2f} s "
                   f"(confidence {confidence:.2f}, similarity at 0 s {summary[0]:.2f})"]
        if abs(best) >= 0.2:
            reasons.append("the best match is not at 0 s: the voice may not be this mouth's")
        return BranchOutput(summary, float(1 / (1 + np.exp(-logit))), [], logit,
                            {"offset_s": best, "confidence": round(confidence, 4),
                             "faces": int(len(inputs[1])), "reasons": reasons,
                             "curve": [round(float(v), 4) for v in curve]})

    def pictures(self, result, detector) -> list:
        """The offset curve: mouth-voice similarity for each audio shift, the best marked."""
        from dfdetect.figures import figure_png
        from dfdetect.inference.plugins import Picture

        info = result.modalities.get("sync") or {}
        if not info.get("curve"):
            return []
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        figure, axis = plt.subplots(figsize=(9, 2.6))
        axis.plot(OFFSETS, info["curve"], "-", color="tab:blue")
        axis.axvline(0, color="black", linestyle=":", label="in sync (0 s)")
        axis.axvline(info["offset_s"], color="tab:red", label=f"best {info['offset_s']:+.2f} s")
        axis.set(xlabel="audio shifted by (s)", ylabel="mouth-voice similarity",
                 title="Lip sync: similarity over audio offsets")
        axis.legend(fontsize=7)
        return [Picture("sync", figure_png(figure), "lip sync offset curve",
                        "How well the mouth matches the voice for each shift of the audio; a "
                        "real talking clip peaks at 0 s.")]

    def weak(self, evidence: Evidence) -> str | None:
        faces = sum(c is not None for c in evidence.crops)
        if faces < MIN_FACES:
            return f"a face in only {faces} sampled frames: too few to judge lip sync"
        if evidence.audio_seconds is not None and evidence.audio_seconds < 1.0:
            return f"only {evidence.audio_seconds:.1f} s of audio: too short to judge lip sync"
        return None
