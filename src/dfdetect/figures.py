"""Saving matplotlib figures the same way everywhere: atomically, as PNG, then closed."""

from __future__ import annotations

import os
from pathlib import Path


def save_figure(figure, out: str | os.PathLike, *, dpi: int = 90, tight: bool = True) -> Path:
    """Write ``figure`` to ``out`` (a PNG, never half-written) and free it; returns the path.

    Example:
        >>> import matplotlib; matplotlib.use("Agg")
        >>> import matplotlib.pyplot as plt, tempfile
        >>> save_figure(plt.figure(), Path(tempfile.mkdtemp()) / "f.png").is_file()
        True
    """
    import matplotlib.pyplot as plt

    from dfdetect.fsutil import atomic_path

    out = Path(out)
    with atomic_path(out) as tmp:
        figure.savefig(tmp, format="png", dpi=dpi, bbox_inches="tight" if tight else None)
    plt.close(figure)
    return out


def figure_png(figure, *, dpi: int = 90) -> bytes:
    """``figure`` as PNG bytes (for pages that embed their pictures), then freed.

    Example:
        >>> import matplotlib; matplotlib.use("Agg")
        >>> import matplotlib.pyplot as plt
        >>> figure_png(plt.figure())[:4]
        b'\\x89PNG'
    """
    import io

    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()
