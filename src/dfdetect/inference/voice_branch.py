"""The voice branch (``audio``): every window of the audio track through the audio model, the
head on their mean embedding. Its evidence is too weak under a second of audio."""

from __future__ import annotations

from dfdetect.inference.plugins import Branch, Evidence, register_branch


@register_branch
class VoiceBranch(Branch):
    """The audio model over every window of the track; absent without one.

    Example:
        >>> import numpy as np
        >>> VoiceBranch().weak(Evidence("audio", wave=np.zeros(8000, np.float32)))
        'only 0.5 s of audio: too short to judge'
        >>> VoiceBranch().run(None, Evidence("video")) is None
        True
    """

    name = "audio"
    title = "Voice"
    components = ("audio",)
    label_column = "audio_label"

    def run(self, detector, evidence: Evidence):
        from dfdetect.inference.branches import audio_branch

        if evidence.wave is None:
            return None
        return audio_branch(detector.runner("audio"), evidence.wave,
                            detector.configs["audio"].samples)

    def weak(self, evidence: Evidence) -> str | None:
        from dfdetect.inference.evidence import weak_evidence

        return weak_evidence("audio", [], evidence.audio_seconds).get("audio")

    def pictures(self, result, detector) -> list:
        """The spectrogram with each segment's fake probability."""
        from dfdetect.inference.plugins import Picture
        from dfdetect.inference.report import audio_png

        png = audio_png(result)
        return [] if png is None else [Picture(
            "audio", png, "audio spectrogram",
            "Spectrogram of the audio with each segment's fake probability.")]
