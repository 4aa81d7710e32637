"""How far a submitted mask moved from the proposal it started from (pure NumPy).

Dice follows ``overlap``'s edge cases: an empty proposal submitted empty scores 1.0 (accepted
unchanged), an empty one on one side only 0.0. Pixels changed is the XOR count: every pixel the
annotator added or removed.
"""

from __future__ import annotations

import numpy as np

from .overlap import confusion, scores_from_counts


def correction_metrics(proposal: np.ndarray, submitted: np.ndarray) -> dict[str, float | int]:
    """``{"dice": ..., "changed_pixels": ...}`` of ``submitted`` against ``proposal``."""
    tp, fp, fn, _tn = confusion(submitted, proposal)
    return {"dice": scores_from_counts(tp, fp, fn)["dice"], "changed_pixels": fp + fn}
