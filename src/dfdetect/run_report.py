"""``report.html`` of a pipeline run: every metric and every plot of the run in one page."""

from __future__ import annotations

import base64
import html
import json
import os
from pathlib import Path

from dfdetect.fsutil import atomic_path
from dfdetect.inference.report import STYLE

# plots of the run, in reading order, with what each shows
PLOTS = (
    ("corpus/synth_examples.png", "The synthetic corpus: real and manipulated examples"),
    ("plots/spectrogram_comparison.png", "Audio: bona fide against spoofed speech"),
    ("plots/annotated_heatmaps.png", "Face model: Grad-CAM on test faces"),
    ("plots/true_positives.png", "Face model: fakes it caught, most confident first"),
    ("plots/temporal_comparison.png", "Temporal models compared (same features and splits)"),
    ("plots/embeddings.png", "Video embeddings before and after triplet fine-tuning"),
    ("plots/fusion_comparison.png", "Audio-visual fusion against single modalities"),
)


def _number(value) -> str:
    return f"{value:.4f}" if isinstance(value, float) else html.escape(str(value))


def _table(rows: list[tuple], header: tuple) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_number(v)}</td>" for v in row) + "</tr>"
                   for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _ci(record: dict, key: str) -> str:
    low_high = (record.get("ci95") or {}).get(key)
    return f"[{low_high[0]:.3f}, {low_high[1]:.3f}]" if low_high else ""


def _summary(metrics: dict) -> str:
    rows = []
    if "audio" in metrics:
        a = metrics["audio"]
        rows.append(("audio (CRNN, ASVspoof LA layout)", a.get("n", ""), a["auc"], _ci(a, "auc"),
                     a["acc"], a["eer"], f"min t-DCF {a['min_tdcf']:.4f}"))
    if "spatial" in metrics:
        s, v = metrics["spatial"], metrics["spatial"].get("video", {})
        rows.append(("face (EfficientNet-B2, FF++), video level", v.get("n", ""), s["video_auc"],
                     _ci(v, "auc"), s["acc"], s["eer"], f"frame AUC {s['auc']:.4f}"))
    for name, t in metrics.get("temporal", {}).items():
        rows.append((f"temporal: {name} (FF++ and FakeAVCeleb face tracks)", t.get("n", ""),
                     t["auc"], _ci(t, "auc"), t["acc"], t["eer"],
                     f"{t['params']:,} parameters, {t['latency_ms']:.2f} ms per video"))
    if "contrastive" in metrics:
        c = metrics["contrastive"]
        rows.append(("BiLSTM + triplet fine-tuning", c.get("n", ""), c["auc_after"],
                     _ci(c, "auc_after"), c["acc_after"], "",
                     f"AUC before {c['auc_before']:.4f} {_ci(c, 'auc_before')}; separation "
                     f"{c['separation_before']:.2f} → {c['separation_after']:.2f}"))
    if "fusion" in metrics:
        f = metrics["fusion"]
        rows.append(("audio-visual fusion (FakeAVCeleb layout)", f.get("n", ""), f["auc"],
                     _ci(f, "auc"), f["acc"], f["eer"],
                     f"video only {f['video_only_auc']:.4f} {_ci(f, 'video_only_auc')}, audio "
                     f"only {f['audio_only_auc']:.4f} {_ci(f, 'audio_only_auc')}, category "
                     f"accuracy {f['category_acc']:.4f}"))
    return _table(rows, ("model (test split)", "n", "AUC", "AUC 95 % CI", "ACC", "EER", "also"))


def write_run_report(run: str | os.PathLike, metrics: dict) -> Path:
    """Write ``run/report.html``: summary table, stage timings, every plot found (embedded),
    the held-out scans, and the full ``metrics.json``.

    Example:
        >>> import tempfile
        >>> page = write_run_report(tempfile.mkdtemp(), {"seconds": {"corpus": 1.0}})
        >>> "Stage timings" in page.read_text()
        True
    """
    run = Path(run)
    parts = ["<h1>dfdetect demo run</h1>",
             '<p class="muted">Every model was trained on the synthetic demo corpus; the numbers '
             "say the pipeline learns, not how it does on real media. Thresholds come from the "
             "validation splits; every number here is on the test split.</p>",
             "<h2>Results</h2>", _summary(metrics)]
    seconds = metrics.get("seconds", {})
    parts += ["<h2>Stage timings</h2>",
              _table([(k, f"{v:.1f} s") for k, v in seconds.items()]
                     + [("total", f"{sum(seconds.values()):.1f} s")], ("stage", "time"))]
    for relative, title in PLOTS:
        path = run / relative
        if path.is_file():
            data = base64.b64encode(path.read_bytes()).decode()
            parts.append(f'<h2>{html.escape(title)}</h2><div class="card"><img alt="'
                         f'{html.escape(title)}" src="data:image/png;base64,{data}"></div>')
    fragment = run / "scans.fragment.html"
    if fragment.is_file():
        parts += ["<h2>Scans of held-out files with the bundle</h2>", fragment.read_text()]
    parts += ["<h2>metrics.json</h2>",
              f"<pre>{html.escape(json.dumps(metrics, indent=1))}</pre>"]
    page = (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>dfdetect demo run"
            f"</title><style>{STYLE}</style></head><body>{''.join(parts)}</body></html>")
    out = run / "report.html"
    with atomic_path(out) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return out
