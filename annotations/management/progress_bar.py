"""The percent bar an import command shows on stderr while a file is read and stored."""

from __future__ import annotations

import sys
from collections.abc import Callable

from tqdm import tqdm


def percent_bar(verbosity: int, label: str | None = None) -> tuple[tqdm, Callable]:
    """A bar (hidden below verbosity 1) and the ``progress(fraction, message)`` callback that moves
    it; the bar is described by ``label``, else by the import's latest message."""
    bar = tqdm(
        total=100,
        unit="%",
        file=sys.stderr,
        disable=verbosity < 1,
        leave=False,
        dynamic_ncols=True,
        desc=label[:40] if label else None,
    )

    def progress(fraction: float, message: str) -> None:
        target = round(100 * max(0.0, min(1.0, fraction)))
        if target > bar.n:
            bar.update(target - bar.n)
        if label is None:
            bar.set_description_str(message[:60])

    return bar, progress
