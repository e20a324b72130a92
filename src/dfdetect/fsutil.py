"""File-system helpers shared by every stage: atomic writes so a killed job leaves no half file."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(dest: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``dest``; rename it onto ``dest`` only if the block succeeds.

    A reader therefore sees either the old file or the complete new one, never a partial write,
    and a failure (exception, full disk) leaves the previous ``dest`` untouched.

    Example:
        >>> import tempfile, pathlib
        >>> d = pathlib.Path(tempfile.mkdtemp())
        >>> with atomic_path(d / "out.txt") as tmp:
        ...     _ = tmp.write_text("hello")
        >>> (d / "out.txt").read_text()
        'hello'
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, dest)
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        from dfdetect.errors import DiskFullError

        raise DiskFullError(f"{dest}: no space left on the device; nothing was written (an "
                            "older file there is intact)") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def save_npy(path: str | os.PathLike, array) -> None:
    """Save a numpy array to ``path`` atomically (what every stage's ``.npy`` outputs use).

    Example:
        >>> import tempfile, pathlib, numpy as np
        >>> out = pathlib.Path(tempfile.mkdtemp()) / "a.npy"
        >>> save_npy(out, np.arange(3))
        >>> np.load(out).tolist()
        [0, 1, 2]
    """
    import numpy as np

    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        np.save(handle, array)


def sha256_of(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file's bytes, read in 1 MiB blocks.

    Example:
        >>> import tempfile
        >>> f = Path(tempfile.mkdtemp()) / "x"
        >>> _ = f.write_bytes(b"abc")
        >>> sha256_of(f)[:12]
        'ba7816bf8f01'
    """
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def media_source(path: str | os.PathLike) -> Iterator:
    """What to hand a decoder for ``path``: the name, or an open binary file when the name is
    not valid UTF-8 (libsndfile and FFmpeg take names as UTF-8; such names reach Python as
    surrogate escapes and would not encode).

    Example:
        >>> with media_source("/tmp/clip.mp4") as source:
        ...     source
        '/tmp/clip.mp4'
    """
    name = os.fspath(path)
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        with open(path, "rb") as handle:
            yield handle
        return
    yield name
