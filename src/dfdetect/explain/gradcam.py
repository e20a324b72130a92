"""Grad-CAM pictures of the face model: what it looks at, and the fakes it catches.

- ``annotated_heatmaps.png``: face crops with Grad-CAM overlays (last convolutional block),
  each titled with the true label, manipulation and predicted fake probability;
- ``true_positives.png``: a gallery of fakes the model caught, most confident first.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from dfdetect.data.face_frames import face_transforms, load_crop
from dfdetect.figures import save_figure
from dfdetect.models.face_input import input_rule


def gradcam_maps(model, images: torch.Tensor) -> np.ndarray:
    """Grad-CAM of the fake logit for a batch of normalised images: ``(B, H, W)`` in 0..1.

    Example:
        >>> from dfdetect.models.registry import create_model
        >>> maps = gradcam_maps(create_model("spatial_debug").eval(), torch.zeros(2, 3, 64, 64))
        >>> maps.shape
        (2, 64, 64)
    """
    from pytorch_grad_cam import GradCAM
    from pytorch_grad_cam.utils.model_targets import BinaryClassifierOutputTarget

    class TwoD(torch.nn.Module):  # grad-cam expects (B, classes)
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, x):
            return self.inner(x).unsqueeze(-1)

    wrapped = TwoD(model)
    with GradCAM(model=wrapped, target_layers=[model.cam_layer]) as cam:
        targets = [BinaryClassifierOutputTarget(1)] * len(images)
        return cam(input_tensor=images, targets=targets)


def _display(image: torch.Tensor, config=None) -> np.ndarray:
    """A normalised crop back to [0, 1] RGB, by the input rule of the model's config (the
    ImageNet mean/std when it has none)."""
    _, mean, std = input_rule(config)
    mean, std = torch.tensor(mean)[:, None, None], torch.tensor(std)[:, None, None]
    return (image * std + mean).clamp(0, 1).permute(1, 2, 0).numpy()


def overlay(image: np.ndarray, cam: np.ndarray, strength: float = 0.6) -> np.ndarray:
    """The heat map blended in where the model looked, the face left as it is elsewhere
    (Grad-CAM's usual 50 % blend paints every cold pixel dark blue).

    Example:
        >>> float(overlay(np.ones((4, 4, 3)), np.zeros((4, 4))).max())
        1.0
    """
    from matplotlib import colormaps

    heat = colormaps["jet"](cam)[..., :3]
    weight = strength * cam[..., None]
    return np.clip(image * (1 - weight) + heat * weight, 0, 1)


def _grid(items: list[tuple[np.ndarray, str]], out: str | os.PathLike, title: str,
          columns: int = 6) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = max(1, int(np.ceil(len(items) / columns)))
    fig, axes = plt.subplots(rows, columns, figsize=(2.2 * columns, 2.5 * rows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, (image, caption) in zip(axes.flat, items, strict=False):
        ax.imshow(image)
        ax.set_title(caption, fontsize=7)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return save_figure(fig, out, tight=False)


def heatmap_pictures(model, frame_scores: pd.DataFrame, workdir: Path, config,
                     plots: Path, per_class: int = 6) -> list[Path]:
    """Write ``annotated_heatmaps.png`` and ``true_positives.png`` from scored frames.

    ``frame_scores`` is :func:`dfdetect.training.spatial.score_frames` output; the crops are
    found through ``workdir``.

    Example:
        >>> heatmap_pictures.__name__
        'heatmap_pictures'
    """
    from dfdetect.workdir import WorkDir, sample_key

    prepare = face_transforms(config)
    one_per_video = frame_scores.groupby("sample_id", sort=False).head(1)
    picks = pd.concat([one_per_video[one_per_video.label == 0].head(per_class),
                       one_per_video[one_per_video.label == 1]
                       .groupby("manipulation").head(max(1, per_class // 2)).head(per_class * 2)])
    caught = one_per_video[(one_per_video.label == 1) & (one_per_video.score >= 0.5)]
    caught = caught.sort_values("score", ascending=False).head(per_class * 2)

    def overlays(rows: pd.DataFrame) -> list[tuple[np.ndarray, str]]:
        if rows.empty:
            return []
        paths = [WorkDir(workdir).faces(sample_key(r.sample_id)) / r.frame
                 for r in rows.itertuples()]
        images = torch.stack([prepare(load_crop(p)) for p in paths])
        maps = gradcam_maps(model, images)
        return [(overlay(_display(img, config), m),
                 f"{'fake' if r.label else 'real'} · {r.manipulation}\np(fake)={r.score:.2f}")
                for img, m, r in zip(images, maps, rows.itertuples(), strict=True)]

    plots.mkdir(parents=True, exist_ok=True)
    return [
        _grid(overlays(picks), plots / "annotated_heatmaps.png",
              "Grad-CAM of the fake logit (last conv block): true label · method · score"),
        _grid(overlays(caught), plots / "true_positives.png",
              "Fakes caught (p(fake) ≥ 0.5), most confident first"),
    ]
