"""What ``dfdetect validate`` prints about a manifest: rows per split × label × manipulation,
and rows per status."""

from __future__ import annotations

import pandas as pd

from dfdetect.data.manifest import SPLITS, usable


def summary_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Usable rows per split × label × manipulation (the table ``dfdetect validate`` prints).

    Example:
        >>> from dfdetect.data.manifest import ManifestRow, rows_to_frame
        >>> rows = [ManifestRow("a", "folder", "a.mp4", "video", 0, manipulation="real",
        ...                     split="train")]
        >>> summary_table(rows_to_frame(rows)).to_dict("records")
        [{'split': 'train', 'label': 0, 'manipulation': 'real', 'rows': 1}]
    """
    ok = usable(frame)
    table = (ok.groupby(["split", "label", "manipulation"], dropna=False).size()
             .rename("rows").reset_index())
    order = {s: i for i, s in enumerate(SPLITS)}
    table["_order"] = table["split"].map(order).fillna(len(order))
    table = table.sort_values(["_order", "label", "manipulation"]).drop(columns="_order")
    table["label"] = table["label"].astype(int)
    return table.reset_index(drop=True)


def status_counts(frame: pd.DataFrame) -> dict[str, int]:
    """How many rows have each status, problems first named by their reason.

    Example:
        >>> from dfdetect.data.manifest import ManifestRow, rows_to_frame
        >>> status_counts(rows_to_frame([ManifestRow("a", "folder", "a.mp4", "video", 0)]))
        {'ok': 1}
    """
    return {str(k): int(v) for k, v in frame["status"].value_counts().items()}
