"""A bound on the CPU-heavy work that requests do in the web process.

Under ASGI each synchronous view runs in a thread of its own, so a request never blocks the
event loop by itself; but every thread shares the cores (and, in pure-Python or Cython loops,
the GIL). Decoding a mask PNG or filling polygons takes a slot here: at most one per core runs
at a time, and the others wait their turn while lighter requests go on.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

REQUEST_CPU_SLOTS = max(1, os.cpu_count() or 1)
_slots = threading.BoundedSemaphore(REQUEST_CPU_SLOTS)


@contextmanager
def request_cpu_slot() -> Iterator[None]:
    """Hold one of the process's CPU slots while the block runs."""
    with _slots:
        yield
