"""The spread of the demo's figures over seeds: for each metric, n and the 95 % bootstrap
interval of one run, and the mean and range over every seed's run.

    for s in 0 1 2; do dfdetect demo --out runs/demo-seed$s --seed $s; done
    python bench/demo_spread.py runs/demo-seed0 runs/demo-seed1 runs/demo-seed2 [--markdown]

Prints JSON (one object per metric), or the README's markdown table with ``--markdown``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

# (label, path into metrics.json, key of its interval, path of its n)
METRICS = (
    ("audio CRNN EER (ASVspoof layout)", ("audio", "eer"), ("audio", "ci95", "eer"),
     ("audio", "n")),
    ("audio CRNN AUC", ("audio", "auc"), ("audio", "ci95", "auc"), ("audio", "n")),
    ("face model video AUC (FF++ layout)", ("spatial", "video", "auc"),
     ("spatial", "video", "ci95", "auc"), ("spatial", "video", "n")),
    ("TCN AUC", ("temporal", "tcn", "auc"), ("temporal", "tcn", "ci95", "auc"),
     ("temporal", "tcn", "n")),
    ("BiLSTM AUC", ("temporal", "bilstm", "auc"), ("temporal", "bilstm", "ci95", "auc"),
     ("temporal", "bilstm", "n")),
    ("Transformer AUC", ("temporal", "transformer", "auc"),
     ("temporal", "transformer", "ci95", "auc"), ("temporal", "transformer", "n")),
    ("BiLSTM + triplet AUC", ("contrastive", "auc_after"), ("contrastive", "ci95", "auc_after"),
     ("contrastive", "n")),
    ("fusion AUC (FakeAVCeleb layout)", ("fusion", "auc"), ("fusion", "ci95", "auc"),
     ("fusion", "n")),
    ("video branch alone AUC", ("fusion", "video_only_auc"), ("fusion", "ci95", "video_only_auc"),
     ("fusion", "n")),
    ("audio branch alone AUC", ("fusion", "audio_only_auc"), ("fusion", "ci95", "audio_only_auc"),
     ("fusion", "n")),
    ("late fusion (mean) AUC", ("fusion", "late_mean_auc"), ("fusion", "ci95", "late_mean_auc"),
     ("fusion", "n")),
)


def _get(tree: dict, path: tuple):
    for key in path:
        if not isinstance(tree, dict) or key not in tree:
            return None
        tree = tree[key]
    return tree


def spread(runs: list[Path]) -> list[dict]:
    """One record per metric: the first run's value, n and interval; mean and range over all.

    Example:
        >>> spread([])
        []
    """
    if not runs:
        return []
    loaded = [json.loads((run / "metrics.json").read_text()) for run in runs]
    records = []
    for label, value_path, ci_path, n_path in METRICS:
        values = [_get(m, value_path) for m in loaded]
        values = [v for v in values if v is not None]
        if not values:
            continue
        records.append({"metric": label, "n": _get(loaded[0], n_path),
                        "value_seed0": values[0], "ci95_seed0": _get(loaded[0], ci_path),
                        "mean": sum(values) / len(values), "min": min(values),
                        "max": max(values), "seeds": len(values)})
    return records


def markdown(records: list[dict]) -> str:
    lines = ["| metric | n (test) | seed 0 [95 % CI] | mean over seeds | range |",
             "|---|---|---|---|---|"]
    for r in records:
        ci = r["ci95_seed0"]
        interval = f" [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else ""
        lines.append(f"| {r['metric']} | {r['n']} | {r['value_seed0']:.3f}{interval} | "
                     f"{r['mean']:.3f} | {r['min']:.3f}–{r['max']:.3f} ({r['seeds']} seeds) |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    records = spread(args.runs)
    print(markdown(records) if args.markdown else json.dumps(records, indent=1))


if __name__ == "__main__":
    main()
