"""The scan report: one self-contained HTML page (pictures embedded) per set of scanned files.

For each file: the verdict and its reasons, the score timeline over the video, the most
suspicious face crops with Grad-CAM overlays, and the audio spectrogram with segment scores.
"""

from __future__ import annotations

import base64
import html
import os
from pathlib import Path

import numpy as np

from dfdetect.figures import figure_png
from dfdetect.fsutil import atomic_path

STYLE = """
nav a{margin-right:1rem} .grid{display:grid;grid-template-columns:1fr 1fr;gap:1rem}
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#222;padding:0 1rem}
h1{font-size:1.6rem} h2{font-size:1.2rem;margin-top:2.5rem;word-break:break-all}
.card{border:1px solid #ddd;border-radius:10px;padding:1rem 1.4rem;margin:1rem 0}
.badge{display:inline-block;padding:.25rem .8rem;border-radius:999px;color:#fff;font-weight:700}
.fake{background:#c62828}.real{background:#2e7d32}.error{background:#757575}.inconclusive{background:#5f6368}
img{max-width:100%;border-radius:6px} table{border-collapse:collapse}
td,th{padding:.3rem .8rem;border-bottom:1px solid #eee;text-align:left}
.muted{color:#666;font-size:.9rem}
"""


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode()
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def _figure(width: float, height: float):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(width, height))


def timeline_png(result) -> bytes | None:
    """Per-frame fake probability over time, with the decision threshold and the verdict score.

    Example:
        >>> timeline_png(type("R", (), {"frames": []})()) is None
        True
    """
    faces = [f for f in result.frames if f["score"] is not None]
    if len(result.frames) < 2 or not faces:
        return None
    figure, axis = _figure(9, 2.6)
    axis.plot([f["seconds"] for f in faces], [f["score"] for f in faces], "o-",
              label="face model, per frame")
    for frame in result.frames:
        if frame["score"] is None:
            axis.axvline(frame["seconds"], color="grey", alpha=0.3)
    if "video" in result.modalities:
        video = result.modalities["video"]
        axis.axhline(video["score"], color="tab:purple", linestyle="--",
                     label=f"temporal model, whole video ({video['score']:.2f})")
        axis.axhline(video["threshold"], color="black", linestyle=":", label="video threshold")
    axis.set(ylim=(-0.02, 1.02), xlabel="time (s)", ylabel="fake probability",
             title="Score timeline (grey lines: frames without a face)")
    axis.legend(fontsize=7, loc="best")
    return figure_png(figure)


def suspicious_frames_png(result, detector, count: int = 3) -> bytes | None:
    """The ``count`` highest-scoring face crops with Grad-CAM overlays of the face model.

    Example:
        >>> suspicious_frames_png(type("R", (), {"frames": [], "crops": []})(), None) is None
        True
    """
    import torch

    from dfdetect.data.face_frames import face_transforms
    from dfdetect.explain.gradcam import gradcam_maps, overlay

    ranked = sorted((i for i, f in enumerate(result.frames) if f["score"] is not None),
                    key=lambda i: -result.frames[i]["score"])[:count]
    if not ranked or not result.crops:
        return None
    prepare = face_transforms(detector.configs["spatial"])
    crops = [result.crops[i] for i in ranked]
    batch = torch.stack([prepare(torch.from_numpy(np.ascontiguousarray(c)).permute(2, 0, 1))
                         for c in crops])
    maps = gradcam_maps(detector.networks["spatial"], batch)
    figure, axes = _figure(3.2 * len(ranked), 3.4)
    figure.delaxes(axes)
    for n, (i, crop, cam) in enumerate(zip(ranked, crops, maps, strict=True)):
        axis = figure.add_subplot(1, len(ranked), n + 1)
        import cv2

        image = cv2.resize(crop, cam.shape[::-1], interpolation=cv2.INTER_AREA) / 255.0
        axis.imshow(overlay(image, cam))
        frame = result.frames[i]
        axis.set_title(f"{frame['seconds']:.1f} s — {frame['score']:.2f}", fontsize=9)
        axis.axis("off")
    figure.suptitle("Most suspicious faces (Grad-CAM: where the face model looked)", fontsize=10)
    return figure_png(figure)


def audio_png(result) -> bytes | None:
    """Log-mel spectrogram of the audio with each segment's fake probability drawn over it.

    Example:
        >>> audio_png(type("R", (), {"audio": None})()) is None
        True
    """
    from dfdetect.models.frontends import log_mel

    if result.audio is None or not result.audio_segments:
        return None
    spectrogram = log_mel(result.audio)
    seconds = result.audio.size / 16_000
    figure, axis = _figure(9, 2.8)
    axis.imshow(spectrogram, origin="lower", aspect="auto", cmap="magma",
                extent=(0, seconds, 0, spectrogram.shape[0]))
    axis.set(xlabel="time (s)", ylabel="mel band", title="Audio: spectrogram and segment scores")
    scores = axis.twinx()
    threshold = result.modalities.get("audio", {}).get("threshold", 0.5)
    for segment in result.audio_segments:
        colour = "tab:red" if segment["score"] >= threshold else "tab:green"
        scores.hlines(segment["score"], segment["start"], min(segment["end"], seconds),
                      color=colour, linewidth=4)
    scores.axhline(threshold, color="white", linestyle=":")
    scores.set(ylim=(0, 1), ylabel="segment fake probability")
    return figure_png(figure)


def _provenance_card(provenance: dict) -> str:
    """What the file says about its own origin (nothing when it says nothing)."""
    if not provenance or provenance.get("status") == "none":
        return ""
    items = "".join(f"<li>{html.escape(line)}</li>" for line in provenance["findings"])
    return (f'<div class="card"><b>Provenance</b>: {html.escape(provenance["status"])}'
            f"<ul>{items}</ul></div>")


def _section(result, detector) -> str:
    if isinstance(result, dict):  # a file that could not be scanned
        return (f'<h2>{html.escape(result["path"])}</h2><div class="card">'
                f'<span class="badge error">not scanned</span> '
                f'{html.escape(result["error"])}</div>'
                + _provenance_card(result.get("provenance") or {}))
    rows = "".join(f"<tr><td>{name}</td><td>{info['score']:.3f}</td>"
                   f"<td>{info['threshold']:.3f}</td><td>{info['verdict']}</td></tr>"
                   for name, info in result.modalities.items())
    score = "none (nothing to judge)" if result.score is None else f"{result.score:.3f}"
    basis = " on its own provenance" if result.basis == "provenance" else ""
    parts = [f"<h2>{html.escape(result.path)}</h2>",
             f'<div class="card"><span class="badge {result.verdict}">{result.verdict.upper()}'
             f"</span>{basis} · detectors' fake probability <b>{score}</b> "
             f'<span class="muted">({result.kind}, scanned in {result.seconds:.2f} s)</span>'
             "<ul>" + "".join(f"<li>{html.escape(line)}</li>" for line in result.explanation)
             + "</ul><table><tr><th>modality</th><th>score</th><th>threshold</th>"
             f"<th>verdict</th></tr>{rows}</table></div>", _provenance_card(result.provenance)]
    from dfdetect.inference.plugins import all_branches

    for branch in all_branches():
        for picture in branch.pictures(result, detector):
            parts.append(f'<div class="card">{_img(picture.png, picture.alt)}</div>')
    return "\n".join(parts)


def render_sections(results: list, detector) -> str:
    """The HTML of every file's section (for pages that include scans among other things).

    Example:
        >>> "not scanned" in render_sections([{"path": "x.mp4", "error": "bad"}], None)
        True
    """
    return "\n".join(_section(r, detector) for r in results)


def write_report(results: list, detector, out: str | os.PathLike) -> Path:
    """Write the HTML page for ``results`` (ScanResult objects, or ``{"path", "error"}`` dicts
    for files that failed).

    Example:
        >>> import tempfile
        >>> p = write_report([{"path": "x.mp4", "error": "unreadable"}], None,
        ...                  Path(tempfile.mkdtemp()) / "r.html")
        >>> "not scanned" in p.read_text()
        True
    """
    about = ""
    if detector is not None:
        trained_on = html.escape(str(detector.metadata.get("trained_on", "?")))
        version = html.escape(str(detector.metadata.get("dfdetect_version", "?")))
        about = f'<p class="muted">Detector trained on {trained_on} · dfdetect {version}</p>'
    body = render_sections(results, detector)
    page = (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>dfdetect scan report"
            f"</title><style>{STYLE}</style></head><body><h1>dfdetect scan report</h1>{about}"
            f"{body}</body></html>")
    out = Path(out)
    with atomic_path(out) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return out
