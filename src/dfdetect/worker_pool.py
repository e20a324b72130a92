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


def clean_context(preload: tuple[str, ...]):
    """The ``forkserver`` multiprocessing context, its server to import ``preload`` (the server
    starts once per process, with the list of the first context that starts a worker).

    Example:
        >>> clean_context(("numpy",)).get_start_method()
        'forkserver'
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(preload))
    return context


def worker_pool(workers: int, initializer=None, initargs: tuple = (),
                preload: tuple[str, ...] = ("numpy",)) -> ProcessPoolExecutor:
    """A :class:`ProcessPoolExecutor` of ``workers`` processes forked from a clean server
    (:func:`clean_context`), never from the calling process. ``preload``: the modules every
    worker would otherwise import on its first job.

    Example:
        >>> with worker_pool(2) as pool:
        ...     sorted(pool.map(abs, [-2, 1]))
        [1, 2]
    """
    return ProcessPoolExecutor(workers, mp_context=clean_context(preload),
                               initializer=initializer, initargs=initargs)


def loader_workers(workers: int, preload: tuple[str, ...] = ("numpy", "torch")) -> dict:
    """A torch ``DataLoader``'s worker options for ``workers`` processes: started from the same
    clean server as :func:`worker_pool` (forked from a training process, they would copy the
    locks of its PyAV and OpenMP threads) and kept across epochs, so the start-up is paid once;
    no context without workers (a loader refuses one then).

    Example:
        >>> loader_workers(0)
        {'num_workers': 0, 'persistent_workers': False, 'multiprocessing_context': None}
        >>> loader_workers(2)["multiprocessing_context"].get_start_method()
        'forkserver'
    """
    return {"num_workers": workers, "persistent_workers": workers > 0,
            "multiprocessing_context": clean_context(preload) if workers > 0 else None}
