"""Waiting for a condition by asking again: the one loop of the tests and the front-end smoke
checks. Standard library only: frontend/e2e/smoke.py uses it without Django."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_until(
    check: Callable,
    *,
    timeout: float = 60.0,
    what: str | Callable = "the condition",
    interval: float = 0.2,
    pause: Callable[[float], object] = time.sleep,
):
    """``check()``'s first truthy value, asked every ``interval`` s; past ``timeout`` fail saying
    ``what`` (or what ``what()`` says then). ``pause(seconds)`` waits between two asks: a browser
    page's own wait where the page must keep serving meanwhile."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        pause(interval)
    raise AssertionError(what() if callable(what) else f"{what} did not get there in {timeout} s")
