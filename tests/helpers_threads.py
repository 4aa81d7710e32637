"""Requests at the same instant: the same work in several threads released together, each
with its own database connection (closed at the end)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.db import connection


def run_together(work: Callable[[], Any], threads: int) -> tuple[list[Any], list[BaseException]]:
    """What each call of ``work`` returned, and what any raised (a thread must not die
    silently); every thread waits at a barrier until all are ready."""
    barrier = threading.Barrier(threads)
    results: list[Any] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def one():
        try:
            barrier.wait(timeout=10)
            answer = work()
            with lock:
                results.append(answer)
        except BaseException as exc:  # reported to the caller
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    running = [threading.Thread(target=one) for _ in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join(30)
    return results, errors


def closing_connection(work: Callable[[], Any]) -> Callable[[], Any]:
    """``work`` that closes its thread's database connection when done."""

    def run():
        try:
            return work()
        finally:
            connection.close()

    return run


def in_own_thread(work: Callable[[], Any]) -> Any:
    """What ``work`` returns (or raises), run in a thread of its own: for work that publishes
    live events while this thread runs an event loop (a browser test's)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(closing_connection(work)).result()
