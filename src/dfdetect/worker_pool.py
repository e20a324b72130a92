"""Worker processes for batch jobs, started from a clean process instead of forked from the
caller.

A process forked from a caller that has threads inherits every lock those threads held at
that instant, without the threads that would release it. A scan, a test run or a notebook
has such threads (FFmpeg's frame-threaded decoders and its log lock, ONNX Runtime's and
OpenMP's pools), and a forked preprocessing worker once waited forever in FFmpeg's pixel
conversion on such a lock (the CI run of session 21, a futex held by no thread). The
``forkserver`` start method forks every worker from one single-threaded server process that
never ran any of that; the server imports the caller's ``preload`` modules once, so a worker
starts about as fast as a fork.

The price is Python's rule for such workers: they import the caller's main script again (as
``__mp_main__``), so a script that starts them must keep its top-level code under
``if __name__ == "__main__":`` (the README says so where it shows the Python API).
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor


def worker_pool(workers: int, initializer=None, initargs: tuple = (),
                preload: tuple[str, ...] = ("numpy",)) -> ProcessPoolExecutor:
    """A :class:`ProcessPoolExecutor` of ``workers`` processes forked from a clean server
    (``forkserver``), never from the calling process. ``preload``: the modules every worker
    would otherwise import on its first job (the server is started once per process, by the
    first pool, with that pool's list).

    Example:
        >>> with worker_pool(2) as pool:
        ...     sorted(pool.map(abs, [-2, 1]))
        [1, 2]
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(preload))
    return ProcessPoolExecutor(workers, mp_context=context, initializer=initializer,
                               initargs=initargs)


def loader_context(workers: int, preload: tuple[str, ...] = ("numpy", "torch")):
    """The ``multiprocessing_context`` for a torch ``DataLoader`` of ``workers`` processes:
    the same clean ``forkserver`` as :func:`worker_pool`, since a loader's workers otherwise
    fork from the training process with its threads' locks (a training run calls PyAV and
    OpenMP before its loaders start); None without workers (a loader refuses a context then).

    Example:
        >>> loader_context(0) is None, loader_context(2).get_start_method()
        (True, 'forkserver')
    """
    if workers <= 0:
        return None
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(preload))
    return context
