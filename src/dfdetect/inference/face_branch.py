"""The face-track branch (``video``): the frame embeddings of the main face through the temporal
model. Its evidence is too weak when faces are tiny or in too few of the sampled frames."""

from __future__ import annotations

from dfdetect.inference.plugins import Branch, Evidence, register_branch


@register_branch
class FaceTrackBranch(Branch):
    """Example:
        >>> FaceTrackBranch.name, FaceTrackBranch.components
        ('video', ('temporal',))
    """

    name = "video"
    components = ("temporal",)
    label_column = "video_label"

    def run(self, detector, evidence: Evidence):
        from dfdetect.inference.branches import video_branch

        if evidence.features is None or not evidence.mask.any():
            return None
        return video_branch(detector.runner("temporal"), evidence.features, evidence.mask)

    def weak(self, evidence: Evidence) -> str | None:
        from dfdetect.inference.evidence import weak_evidence

        return weak_evidence("video", evidence.frames, None).get("video")
