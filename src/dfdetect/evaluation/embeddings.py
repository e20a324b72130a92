"""How well an embedding separates real from fake videos, as numbers."""

from __future__ import annotations

import numpy as np


def separation(embeddings: np.ndarray, labels) -> dict:
    """Class separation of L2-normalised embeddings: ``ratio`` = mean distance between a real
    and a fake ÷ mean distance within a class (> 1 means the classes are apart), and the cosine
    ``silhouette`` (−1 … 1).

    Example:
        >>> e = np.array([[1.0, 0.0], [1.0, 0.1], [0.0, 1.0], [0.1, 1.0]])
        >>> s = separation(e, [0, 0, 1, 1])
        >>> s["ratio"] > 10, round(s["silhouette"], 2)
        (True, 0.99)
    """
    from sklearn.metrics import silhouette_score

    labels = np.asarray(labels, int)
    if len(set(labels)) < 2:
        raise ValueError("separation needs embeddings of both classes")
    unit = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True).clip(min=1e-12)
    distances = np.linalg.norm(unit[:, None] - unit[None], axis=-1)
    same = labels[:, None] == labels[None]
    off_diagonal = ~np.eye(len(labels), dtype=bool)
    intra = distances[same & off_diagonal].mean()
    inter = distances[~same].mean()
    return {"ratio": float(inter / max(intra, 1e-12)),
            "silhouette": float(silhouette_score(unit, labels, metric="cosine"))}
