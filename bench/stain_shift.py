"""A stain imaged a few pixels off its label-free image: what a confirmed shift restores, and how
far the estimate can be trusted on each kind of pair.

    python bench/stain_shift.py

Synthetic fields (``tests/helpers_stain_shift.py``: six cells of 192x192 px, each with one
nucleus) whose Hoechst stain is imaged ``OFFSET`` pixels off. Per field the stain is thresholded
as fluorescence ground truth is (the default parameters) and compared with the true nuclei:

- ``shift_gt_dice_before`` / ``_after``: mean Dice of the ground truth with the true nuclei over
  ``FIELDS`` fields, unshifted and after confirming the opposite shift (``min`` beside);
- ``shift_estimate_<pair>_error_px``: mean Euclidean distance of the estimate from the true
  shift, over every field and offset of ``OFFSETS``; ``_exact``: fraction exactly right;
  ``_flagged``: fraction the estimate marks unreliable; ``_flagged_by_signal``: the same from
  the measured signals alone (peak ratio, sign of the correlation, size), the RI modality's own
  warning set aside; ``_peak_ratio``: median peak ratio.
  ``phase``: a phase-like image (nucleus brighter than the cytoplasm) with Hoechst;
  ``phase_contrast``: a phase-contrast field as the microscope shows it (dark cells with bright
  halos, a darker nucleus) with an unevenly lit Hoechst, every fourth with a saturated nucleus
  (``phase_contrast_field``); ``ri``: an
  RI-like section (nucleus darker than the cytoplasm, bright nucleoli and lipid droplets) with
  the same stain, estimated as an RI modality as the product does; ``demo_ri``: the middle section of the demo's RI cells (``annotations/demo``,
  every third with a dark nucleus) with their DAPI moved by the offset, estimated as an RI
  modality (always flagged, by design).
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO_ROOT, figure

sys.path.insert(0, str(REPO_ROOT))

import numpy as np
from scipy import ndimage as ndi

from annotations.demo import make_cell
from inference.ml.metrics import dice
from inference.ml.stain_shift import estimate_stain_shift
from tests.helpers_stain_shift import aligned_truth, phase_contrast_field, synthetic_field

FIELDS = 20
OFFSET = (2, 3)
OFFSETS = [(2, 3), (-4, 1), (0, 5), (6, -6)]


def dice_figures() -> None:
    before, after = [], []
    for seed in range(FIELDS):
        field = synthetic_field(offset=OFFSET, seed=seed)
        before.append(dice(aligned_truth(field.stain, (0, 0)), field.nuclei))
        after.append(dice(aligned_truth(field.stain, (-OFFSET[0], -OFFSET[1])), field.nuclei))
    figure("shift_gt_dice_before", statistics.mean(before), f"mean of {FIELDS} fields")
    figure("shift_gt_dice_before_min", min(before), "")
    figure("shift_gt_dice_after", statistics.mean(after), f"mean of {FIELDS} fields")
    figure("shift_gt_dice_after_min", min(after), "")


def report(name: str, trials: list[tuple[tuple[int, int], object]]) -> None:
    errors = [float(np.hypot(e.dy - t[0], e.dx - t[1])) for t, e in trials]
    n = len(trials)
    figure(f"shift_estimate_{name}_error_px", statistics.mean(errors), f"mean of {n}")
    figure(f"shift_estimate_{name}_error_max_px", max(errors), "")
    figure(f"shift_estimate_{name}_exact", sum(x == 0 for x in errors) / n, "fraction")
    figure(f"shift_estimate_{name}_flagged", sum(not e.reliable for _, e in trials) / n, "fraction")
    measured = sum(any(not w.startswith("RI tomogram") for w in e.warnings) for _, e in trials)
    figure(f"shift_estimate_{name}_flagged_by_signal", measured / n, "fraction")
    figure(
        f"shift_estimate_{name}_peak_ratio",
        statistics.median(e.peak_ratio for _, e in trials),
        "median",
    )


def estimate_figures() -> None:
    phase, contrast, ri, demo = [], [], [], []
    for offset in OFFSETS:
        truth = (-offset[0], -offset[1])
        for seed in range(FIELDS):
            field = synthetic_field(offset=offset, seed=seed)
            phase.append((truth, estimate_stain_shift(field.phase, field.stain)))
            ri.append((truth, estimate_stain_shift(field.ri, field.stain, inverted_modality=True)))
            image, stain = phase_contrast_field(offset, seed, saturated=seed % 4 == 0)
            contrast.append((truth, estimate_stain_shift(image, stain)))
        for i in range(1, 11):
            cell = make_cell(seed=100 + i, lab="A", dark_nucleus=i % 3 == 0)
            z = cell.ri.shape[0] // 2
            stain = ndi.shift(cell.dapi[z].astype(np.float64), offset, order=0, mode="nearest")
            estimate = estimate_stain_shift(cell.ri[z], stain, inverted_modality=True)
            demo.append((truth, estimate))
    report("phase", phase)
    report("phase_contrast", contrast)
    report("ri", ri)
    report("demo_ri", demo)


if __name__ == "__main__":
    dice_figures()
    estimate_figures()
