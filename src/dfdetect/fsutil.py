"""File-system helpers shared by every stage: atomic writes so a killed job leaves no half file."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import shutil
import socket
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

# Temp files and staging folders carry their writer's pid and host, so a later run can tell a
# killed writer's leftovers (removed) from a live writer's work in progress (kept) even when
# several processes or shards share one work directory.
_OWNER = re.compile(r"\.(\d+)@([0-9a-f]{8})\.[^.]*\.tmp$|^\.(?:tmp|old)-.*-(\d+)@([0-9a-f]{8})$")
_NAME_KEPT = 100  # of a file's name in its temp's name: a long name must not overflow NAME_MAX


def owner_tag() -> str:
    """``pid@host`` of this process, as temp files and staging folders carry it.

    Example:
        >>> owner_tag().split("@")[0] == str(os.getpid())
        True
    """
    host = hashlib.sha1(socket.gethostname().encode()).hexdigest()[:8]
    return f"{os.getpid()}@{host}"


def _writer_is_gone(pid: int, host: str) -> bool:
    if host != owner_tag().split("@")[1]:
        return False  # another machine's writer: it cannot be checked from here
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def clear_stale_temps(directory: str | os.PathLike, *, recursive: bool = True) -> int:
    """Remove the temp files and staging folders that killed writers left in ``directory``;
    return how many were removed. Every resumable stage calls it when it starts.

    Only names this module's writers make are touched, and only when their writer (same host,
    pid no longer running) is gone, so a concurrent run's work in progress is safe.

    Example:
        >>> d = Path(tempfile.mkdtemp())
        >>> _ = (d / ".out.csv.999999999@00000000.abcd1234.tmp").write_text("other host")
        >>> dead = (d / f".out.csv.{2**22 + 1}@{owner_tag().split('@')[1]}.abcd1234.tmp")
        >>> _ = dead.write_text("half written by a killed run")
        >>> clear_stale_temps(d), sorted(p.name for p in d.iterdir())
        (1, ['.out.csv.999999999@00000000.abcd1234.tmp'])
    """
    directory = Path(directory)
    if not directory.is_dir():
        return 0
    removed = 0
    for folder, dirs, files in os.walk(directory):
        for name in [*files, *dirs]:
            match = _OWNER.search(name)
            if match is None:
                continue
            pid, host = (match.group(1), match.group(2)) if match.group(1) else match.group(3, 4)
            if not _writer_is_gone(int(pid), host):
                continue
            path = Path(folder) / name
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
                dirs.remove(name)
            else:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
            removed += 1
        if not recursive:
            break
    return removed


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
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name[:_NAME_KEPT]}.{owner_tag()}.",
                                    suffix=".tmp", dir=dest.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        _die_here_if_asked()
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


_writes = 0


def _die_here_if_asked() -> None:
    """Fault injection for the kill-and-resume tests: with ``DFDETECT_KILL_AT_WRITE=N`` set,
    the process SIGKILLs itself at its N-th atomic write, after the temp file is written and
    before the rename, the worst moment a real kill can pick."""
    global _writes
    wanted = os.environ.get("DFDETECT_KILL_AT_WRITE")
    if not wanted:
        return
    _writes += 1
    if _writes == int(wanted):
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


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


def cache_root() -> Path:
    """Where dfdetect keeps what it builds for itself (ONNX exports): ``$DFDETECT_CACHE``, or
    ``$XDG_CACHE_HOME/dfdetect`` (``~/.cache/dfdetect``).

    Example:
        >>> os.environ["DFDETECT_CACHE"] = "/tmp/dfdetect-cache"
        >>> cache_root()
        PosixPath('/tmp/dfdetect-cache')
        >>> del os.environ["DFDETECT_CACHE"]
    """
    if os.environ.get("DFDETECT_CACHE"):
        return Path(os.environ["DFDETECT_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "dfdetect"


def build_folder(target: str | os.PathLike, build: Callable[[Path], object]) -> Path:
    """Make folder ``target`` by ``build(folder)`` on a folder beside it (which ``build``
    creates), then move that into place in one rename: a killed build leaves no half folder,
    and of two racing builds the first to finish wins.

    Example:
        >>> import tempfile
        >>> target = Path(tempfile.mkdtemp()) / "made"
        >>> build_folder(target, lambda f: (f.mkdir(), (f / "x").write_text("1"))).name
        'made'
        >>> (target / "x").read_text()
        '1'
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        build(building / "folder")
        try:
            (building / "folder").rename(target)
        except OSError:
            if not target.is_dir():  # not a racing build's: a real error
                raise
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return target
