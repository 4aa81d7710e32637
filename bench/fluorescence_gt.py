"""Fluorescence ground truth against the demo's known nuclei: which threshold to use by default.

    python bench/fluorescence_gt.py

The demo's 18 stained volumes (10 KAIST cells, 4 Mannheim cells, the 4 time points of the
time-lapse; ``annotations/demo``) are thresholded by each method and compared with the true
nucleus each was drawn from. Per method it prints:

- ``fl_gt_<method>_volume_dice``: mean over volumes of the 3D Dice with the known nucleus;
- ``fl_gt_<method>_section_dice``: mean per-section Dice over sections with a known nucleus;
- ``fl_gt_<method>_signal_no_mask``: sections whose stain shows signal (the definition in
  ``inference/ml/fluorescence.py``, the same for every method) but whose mask is empty;
- ``fl_gt_<method>_mask_no_signal``: sections with a mask but no stain signal;
- ``fl_gt_<method>_outside_nucleus``: sections with a mask but no known nucleus (the stain's
  axial blur reaches 2-4 sections beyond the nucleus);
- ``fl_gt_<method>_t0_z6_pixels``: mask pixels of the time-lapse's t0 z6 (issue 11);

and ``fl_gt_default_ms``: the default method's time per 24x128x128 volume.

Then widefield phase-contrast + Hoechst fields (1040 × 1392 px, ``annotations/demo/widefield.py``:
uneven background, out-of-focus haze, mitotic nuclei 20-40 times brighter, hot pixels), among
them crowded fields whose mitotic nuclei saturate the camera. Per field, the default method
before (``rules_before``: a crowded section's noise read from the spread of its darkest pixels,
the nuclei's haze between them; beside a plateau, the threshold alone against the noise floor)
and after (at most the camera's noise, ``stain_signal.camera_noise``; the threshold's upper
class and a nucleus of its own, ``stain_otsu._beside_plateau``), in the same process: ``fl_gt_field_<field>_dice_before`` / ``_after`` (Dice with the nuclei the border
does not cut), ``_found_before`` / ``_after`` (nuclei in the mask, split as evaluations split
them) and ``_known``, ``_flagged_before`` / ``_after`` (1 where the section is flagged) and
``_saturated_pixels``.

    python bench/fluorescence_gt.py --fields   # the widefield fields only
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO_ROOT, figure

sys.path.insert(0, str(REPO_ROOT))

import numpy as np
from skimage.filters import threshold_otsu

import inference.ml.stain_otsu as stain_otsu
from annotations.demo import make_cell, make_time_series
from annotations.demo.widefield import widefield_field
from inference.ml.fluorescence import FluorescenceGTParams, fluorescence_ground_truth
from inference.ml.objects import label_instances

Volume = tuple[str, np.ndarray, np.ndarray]  # name, stain, known nucleus
OLD = {"small_objects": "section", "local_fill": False}


def demo_volumes() -> list[Volume]:
    volumes: list[Volume] = []
    for i in range(1, 11):
        cell = make_cell(seed=100 + i, lab="A", dark_nucleus=i % 3 == 0)
        volumes.append((f"KAIST-{i:02d}", cell.dapi, cell.nucleus))
    for i in range(1, 5):
        cell = make_cell(seed=200 + i, lab="B")
        volumes.append((f"Mannheim-{i:02d}", cell.dapi, cell.nucleus))
    for t, cell in enumerate(make_time_series(seed=300, n_time_points=4)):
        volumes.append((f"timelapse-t{t}", cell.dapi, cell.nucleus))
    return volumes


def _series_threshold(volumes: list[Volume]) -> float:
    """Otsu of the time-lapse's four stacks pooled (the whole series, one threshold)."""
    from scipy import ndimage as ndi

    pooled = [
        ndi.gaussian_filter(section.astype(np.float64), 1.0).ravel()
        for name, stain, _ in volumes
        if name.startswith("timelapse")
        for section in stain
    ]
    return float(threshold_otsu(np.concatenate(pooled)))


def methods(volumes: list[Volume]) -> dict[str, Callable[[str, np.ndarray], np.ndarray]]:
    series = _series_threshold(volumes)

    def run(params: FluorescenceGTParams, transform=None):
        def call(name: str, stain: np.ndarray) -> np.ndarray:
            data = transform(stain) if transform else stain
            return fluorescence_ground_truth(data, params)[0]

        return call

    def series_call(name: str, stain: np.ndarray) -> np.ndarray:
        if not name.startswith("timelapse"):
            return fluorescence_ground_truth(stain, FluorescenceGTParams(**OLD))[0]
        params = FluorescenceGTParams(method="fixed", value=series, **OLD)
        return fluorescence_ground_truth(stain, params)[0]

    def log_above_background(stain: np.ndarray) -> np.ndarray:
        return np.log1p(np.clip(stain - np.median(stain), 0.0, None))

    def percentiles(stain: np.ndarray) -> np.ndarray:
        low, high = np.percentile(stain, [1.0, 99.9])
        return np.clip((stain - low) / (high - low), 0.0, 1.0)

    return {
        "volume_otsu": run(FluorescenceGTParams(**OLD)),
        "series_otsu": series_call,
        "log_otsu": run(FluorescenceGTParams(**OLD), log_above_background),
        "percentile_otsu": run(FluorescenceGTParams(**OLD), percentiles),
        "section_otsu": run(FluorescenceGTParams(scope="section", **OLD)),
        "volume_otsu_3d": run(FluorescenceGTParams(local_fill=False)),
        "default": run(FluorescenceGTParams()),
    }


SATURATED = {"crowded": True, "mitotic_gain": 40.0}  # 40 × 150 counts: past 4095
FIELDS: dict[str, dict] = {
    "gradient_haze_mitotic": {},
    "no_mitotic": {"mitotic": 0},
    "flat_background": {"gradient": 1.0},
    "n50": {"n_nuclei": 50},
    "n200": {"n_nuclei": 200},
    "crowded": {"crowded": True, "mitotic": 0},
    "crowded_mitotic_16bit": {"crowded": True, "full_scale": 65535.0},
    "no_cells": {"n_nuclei": 0, "mitotic": 0},
    "sparse_saturated": {"mitotic_gain": 40.0},
    "crowded_saturated": SATURATED,
    "crowded_saturated_no_haze": {**SATURATED, "haze": 0.0},
    "crowded_saturated_gradient6": {**SATURATED, "gradient": 6.0},
    "crowded_saturated_16bit": {**SATURATED, "gain": 16.0, "full_scale": 65535.0},
    "crowded_saturated_4000_in_16bit": {**SATURATED, "full_scale": 65535.0, "ceiling": 4000.0},
    "crowded_saturated_debris": {**SATURATED, "debris": 30},
    "all_mitotic_saturated": {**SATURATED, "mitotic": 221},
    "all_bright_crowded_16bit": {
        "crowded": True,
        "mitotic": 221,
        "condensed": False,
        "full_scale": 65535.0,
    },
}


@contextlib.contextmanager
def rules_before() -> Iterator[None]:
    """The method before: a crowded section's noise is the spread of its darkest pixels (its
    nuclei's haze), not bounded by the camera's noise, and the threshold found beside a plateau
    is kept only where it stands the noise floor or more."""
    bound, beside = stain_otsu.camera_noise, stain_otsu._beside_plateau
    stain_otsu.camera_noise = lambda section, sigma=0.0: float("inf")
    stain_otsu._beside_plateau = lambda threshold, upper_mean, floor, others: threshold >= floor
    try:
        yield
    finally:
        stain_otsu.camera_noise, stain_otsu._beside_plateau = bound, beside


def widefield_figures() -> None:
    for key, keywords in FIELDS.items():
        field = widefield_field(**keywords)
        with rules_before():
            before, before_info = fluorescence_ground_truth(field.stain)
        after, info = fluorescence_ground_truth(field.stain)
        for when, mask, found in (("before", before, before_info), ("after", after, info)):
            figure(f"fl_gt_field_{key}_dice_{when}", _dice(mask, field.known), "Dice")
            figure(
                f"fl_gt_field_{key}_found_{when}",
                int(label_instances(mask, split_touching=True).max()),
                "nuclei",
            )
            figure(
                f"fl_gt_field_{key}_flagged_{when}",
                int(found["quality"][0] is not None),
                "sections",
            )
        figure(f"fl_gt_field_{key}_known", len(np.unique(field.nuclei[field.known])), "nuclei")
        figure(f"fl_gt_field_{key}_saturated_pixels", info["saturated_pixels"], "px")


def _dice(a: np.ndarray, b: np.ndarray) -> float:
    total = int(a.sum()) + int(b.sum())
    return 1.0 if total == 0 else 2.0 * int((a & b).sum()) / total


def main() -> None:
    if "--fields" in sys.argv[1:]:
        widefield_figures()
        return
    volumes = demo_volumes()
    signal = {name: fluorescence_ground_truth(stain)[1]["signal"] for name, stain, _ in volumes}
    print(
        f"{len(volumes)} volumes, {sum(len(s) for s in signal.values())} sections, "
        f"{sum(sum(s) for s in signal.values())} with stain signal, "
        f"{sum(int(t.any(axis=(1, 2)).sum()) for _, _, t in volumes)} with a known nucleus"
    )
    for method, call in methods(volumes).items():
        volume_dice, section_dice = [], []
        signal_no_mask = mask_no_signal = outside = 0
        t0_z6 = 0
        for name, stain, truth in volumes:
            masks = call(name, stain)
            volume_dice.append(_dice(masks, truth))
            for z in range(len(masks)):
                has_mask, has_truth, has_signal = masks[z].any(), truth[z].any(), signal[name][z]
                if has_truth:
                    section_dice.append(_dice(masks[z], truth[z]))
                signal_no_mask += bool(has_signal and not has_mask)
                mask_no_signal += bool(has_mask and not has_signal)
                outside += bool(has_mask and not has_truth)
            if name == "timelapse-t0":
                t0_z6 = int(masks[6].sum())
        figure(f"fl_gt_{method}_volume_dice", float(np.mean(volume_dice)), "Dice")
        figure(f"fl_gt_{method}_section_dice", float(np.mean(section_dice)), "Dice")
        figure(f"fl_gt_{method}_signal_no_mask", signal_no_mask, "sections")
        figure(f"fl_gt_{method}_mask_no_signal", mask_no_signal, "sections")
        figure(f"fl_gt_{method}_outside_nucleus", outside, "sections")
        figure(f"fl_gt_{method}_t0_z6_pixels", t0_z6, "px")
    times = []
    for _, stain, _ in volumes:
        start = time.perf_counter()
        fluorescence_ground_truth(stain)
        times.append((time.perf_counter() - start) * 1000.0)
    figure("fl_gt_default_ms", float(np.median(times)), "ms")
    widefield_figures()


if __name__ == "__main__":
    main()
