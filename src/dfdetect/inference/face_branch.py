"""The face-track branch (``video``): the frame embeddings of the main face through the temporal
model. Its evidence is too weak when faces are tiny or in too few of the sampled frames."""

from __future__ import annotations

from dfdetect.inference.plugins import Branch, Evidence, register_branch


@register_branch
class FaceTrackBranch(Branch):
    """The temporal model over the frames that have a face; absent without any face.

    Example:
        >>> import numpy as np
        >>> from types import SimpleNamespace
        >>> from dfdetect.models.registry import create_model
        >>> net = create_model("tcn", in_dim=4, hidden=8).eval()
        >>> detector = SimpleNamespace(runner=lambda name: net)
        >>> clip = Evidence("video", features=np.ones((3, 4), np.float32),
        ...                 mask=np.array([True, False, True]))
        >>> out = FaceTrackBranch().run(detector, clip)
        >>> out.embedding.shape, FaceTrackBranch().run(detector, Evidence("video")) is None
        ((8,), True)
    """

    name = "video"
    title = "Face track"
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

    def pictures(self, result, detector) -> list:
        """The score timeline and the most suspicious faces (images too: they have a face)."""
        from dfdetect.inference.plugins import Picture
        from dfdetect.inference.report import suspicious_frames_png, timeline_png

        found = [Picture("timeline", timeline_png(result), "score timeline",
                         "Fake probability of each sampled frame over time."),
                 Picture("faces", suspicious_frames_png(result, detector),
                         "most suspicious faces", "The most suspicious faces; the heat map "
                         "shows where the face model looked (Grad-CAM).")]
        return [picture for picture in found if picture.png is not None]
