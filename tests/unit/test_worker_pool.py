"""Batch workers start from a clean server, never forked from the caller (whose threads'
locks a fork would copy, held, into the worker)."""

from __future__ import annotations

import os
import threading

from dfdetect.worker_pool import worker_pool


def test_workers_are_not_forked_from_the_caller_even_while_it_holds_a_lock():
    held, release = threading.Lock(), threading.Event()

    def hold() -> None:
        with held:
            release.wait(60)

    holder = threading.Thread(target=hold)
    holder.start()  # a caller thread holding a lock, as FFmpeg's did when a worker hung
    try:
        with worker_pool(2) as pool:
            parents = {pool.submit(os.getppid).result(timeout=60) for _ in range(4)}
    finally:
        release.set()
        holder.join()
    assert os.getpid() not in parents and len(parents) == 1  # the one server's children
