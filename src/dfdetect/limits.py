"""A wall-clock limit per file, so one pathological input cannot stall a batch for ever."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

from dfdetect.errors import TimeLimitError


@contextlib.contextmanager
def time_limit(seconds: float | None, what: str) -> Iterator[None]:
    """Raise :class:`TimeLimitError` naming ``what`` if the block runs longer than ``seconds``.

    Uses SIGALRM, so it applies in a process's main thread (the CLI, each preprocessing
    worker); elsewhere, or with ``seconds`` None or 0, the block runs unlimited. Decoders are
    interrupted between frames, when control is back in Python.

    Example:
        >>> import time
        >>> with time_limit(0.05, "clip.mp4"):
        ...     time.sleep(1)
        Traceback (most recent call last):
        ...
        dfdetect.errors.TimeLimitError: clip.mp4: took longer than 0.05 s (time limit)
    """
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(*_):
        raise TimeLimitError(f"{what}: took longer than {seconds:g} s (time limit)")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
