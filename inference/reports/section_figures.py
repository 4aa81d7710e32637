"""Figures drawn over section images: orthogonal views (xy/xz/yz) of one 3D prediction, and the
worst sections' overlays (ground truth red, model yellow, edge-based cyan, as in paper 000); the
predicted nuclei of an instance class stored with their ids are drawn apart, as they were
scored."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure
from scipy import ndimage as ndi

from annotations.services.volumes import first_channel, volume_array
from inference.models import Evaluation, SectionResult, VolumeResult
from inference.services.evaluation.target import target_value

from .labels import method_label
from .masks import (
    display_image,
    ground_truth_masks,
    ground_truth_volume,
    volume_result_mask,
    volume_result_section,
)
from .plotting import EDGE_COLOUR, GT_COLOUR, PRED_COLOUR, FigureLeftOut, new_figure
from .score_figures import figure_classes

__all__ = ["WORST_COUNT", "nucleus_pieces", "orthogonal_figure", "worst_figure", "worst_results"]

WORST_COUNT = 6


def _primary(summary: dict) -> str:
    return summary.get("primary") or "model"


def _prediction_method(summary: dict) -> str:
    """The yellow contour: the model, or Otsu in a baselines-only evaluation."""
    return "model" if "model" in (summary.get("methods") or []) else "otsu"


def _contour(ax, mask: np.ndarray | None, colour: str, width: float) -> None:
    # A contour needs at least 2 x 2 samples and both sides of the 0.5 level.
    if mask is None or min(mask.shape) < 2 or not mask.any():
        return
    ax.contour(mask.astype(float), levels=[0.5], colors=[colour], linewidths=width)


def nucleus_pieces(ids: np.ndarray | None) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """One (x, y, inside) piece per nucleus of stored ids (``masks.volume_result_section``),
    its box with a pixel of margin, for each to be outlined on its own: touching nuclei are
    drawn apart as they were scored (their outlines meet on the line between them). Empty
    without ids: a region class, or a row stored before the ids were."""
    if ids is None:
        return []
    pieces = []
    for number, box in enumerate(ndi.find_objects(ids), start=1):
        if box is None:
            continue
        padded = tuple(slice(max(s.start - 1, 0), s.stop + 1) for s in box)
        inside = (ids[padded] == number).astype(float)
        ys = np.arange(padded[0].start, padded[0].start + inside.shape[0])
        xs = np.arange(padded[1].start, padded[1].start + inside.shape[1])
        pieces.append((xs, ys, inside))
    return pieces


def _predicted_contour(ax, mask: np.ndarray, ids: np.ndarray | None, colour: str) -> None:
    """A predicted section's contour: each stored nucleus on its own, else the mask's."""
    pieces = nucleus_pieces(ids)
    if not pieces:
        _contour(ax, mask, colour, 1.2)
    for xs, ys, inside in pieces:
        if min(inside.shape) >= 2 and inside.any():
            ax.contour(xs, ys, inside, levels=[0.5], colors=[colour], linewidths=1.2)


def _centre(gt: np.ndarray, pred: np.ndarray, present: np.ndarray) -> tuple[int, int, int]:
    zs = np.flatnonzero(gt.any(axis=(1, 2))) if gt.any() else np.flatnonzero(present)
    zc = int(zs[len(zs) // 2]) if zs.size else gt.shape[0] // 2
    if gt[zc].any():
        ys, xs = np.nonzero(gt[zc])
    elif pred[zc].any():
        ys, xs = np.nonzero(pred[zc])
    else:
        ys, xs = np.array([gt.shape[1] // 2]), np.array([gt.shape[2] // 2])
    return zc, int(np.median(ys)), int(np.median(xs))


def orthogonal_figure(evaluation: Evaluation, summary: dict) -> Figure:
    scored = VolumeResult.objects.filter(
        evaluation=evaluation,
        method=_primary(summary),
        gt_sections__gt=0,
        class_value=target_value(evaluation),
    ).exclude(pred_mask="")
    result = (
        scored.filter(volume__size_z__gt=1)
        .select_related("volume", "specimen")
        .order_by("-gt_sections", "specimen__name", "time_index", "volume_id")
        .first()
    )
    if result is None:
        if scored.exists():
            raise FigureLeftOut("2D images (one section per volume) have no xz or yz views.")
        raise FigureLeftOut("No segmented volume with ground truth.")
    volume = result.volume
    pred = volume_result_mask(result)
    gt, present = ground_truth_volume(evaluation, volume)
    image = np.asarray(first_channel(volume_array(volume)), dtype=np.float32)
    zc, yc, xc = _centre(gt, pred, present)
    voxel = result.voxel_size or (1.0, 1.0, 1.0)  # as the evaluation measured it
    views = (
        (f"xy (z = {zc})", np.s_[zc], 1.0),
        (f"xz (y = {yc})", np.s_[:, yc, :], voxel[0] / voxel[2]),
        (f"yz (x = {xc})", np.s_[:, :, xc], voxel[0] / voxel[1]),
    )
    fig = new_figure(10.5, 4.2)
    for index, (title, cut, aspect) in enumerate(views, start=1):
        ax = fig.add_subplot(1, 3, index)
        ax.imshow(
            display_image(volume, image[cut]),
            cmap="gray",
            vmin=0,
            vmax=255,
            aspect=aspect,
            interpolation="nearest",
        )
        _contour(ax, gt[cut], GT_COLOUR, 1.3)
        _contour(ax, pred[cut], PRED_COLOUR, 1.3)
        ax.set_title(title, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    partial = "" if present.all() else f" (ground truth on {int(present.sum())} of {volume.size_z})"
    fig.suptitle(
        f"{result.specimen.name} · t{result.time_index} — ground truth red, "
        f"{method_label(evaluation, result.method)} yellow{partial}",
        fontsize=9,
    )
    return fig


def worst_results(
    evaluation: Evaluation, summary: dict, count: int = WORST_COUNT, value: int | None = None
):
    """The lowest-Dice sections of the primary method for class ``value`` (default: the target
    class) among those whose ground truth holds the class (an empty section says little about
    a contour), else among all."""
    scored = SectionResult.objects.filter(
        evaluation=evaluation,
        method=_primary(summary),
        class_value=target_value(evaluation) if value is None else value,
    )
    with_nucleus = scored.filter(gt_pixels__gt=0)
    chosen = with_nucleus if with_nucleus.exists() else scored
    return list(
        chosen.select_related("specimen", "volume").order_by(
            "dice", "specimen__name", "volume_id", "z"
        )[:count]
    )


def _predicted(evaluation: Evaluation, worst, methods, value: int) -> dict:
    """{(volume id, method): VolumeResult} of class ``value`` for the volumes of ``worst``, in
    one query."""
    volumes = {r.volume_id: r.volume for r in worst}
    found = {}
    for vr in VolumeResult.objects.filter(
        evaluation=evaluation,
        volume_id__in=list(volumes),
        method__in=methods,
        class_value=value,
    ).exclude(pred_mask=""):
        vr.volume = volumes[vr.volume_id]
        found[(vr.volume_id, vr.method)] = vr
    return found


def _worst_panel(ax, evaluation, result, truths, predicted, overlays, name: str) -> None:
    volume = result.volume
    image = np.asarray(first_channel(volume_array(volume))[result.z], dtype=np.float32)
    ax.imshow(display_image(volume, image), cmap="gray", vmin=0, vmax=255, interpolation="nearest")
    _contour(ax, truths.get(result.ground_truth_id), GT_COLOUR, 1.2)
    for method, colour in overlays:
        vr = predicted.get((volume.pk, method))
        if vr is not None:
            _predicted_contour(ax, *volume_result_section(vr, result.z), colour)
    ax.set_title(
        f"{name}{result.specimen.name} t{volume.time_index} z{result.z} · Dice {result.dice:.3f}\n"
        f"ground truth {result.gt_pixels} px · predicted {result.pred_pixels} px",
        fontsize=8,
    )
    ax.set_xticks([])
    ax.set_yticks([])


def worst_figure(evaluation: Evaluation, summary: dict) -> Figure:
    """The worst sections of each class scored (one class: six; several: a row of three per
    class, each panel naming its class), with the class's ground truth and predicted contours."""
    classes = figure_classes(evaluation, summary)
    columns = 3
    count = WORST_COUNT if len(classes) == 1 else columns
    pred_method = _prediction_method(summary)
    overlays = ((pred_method, PRED_COLOUR), ("edge", EDGE_COLOUR))
    panels = []
    for cls in classes:
        value = int(cls["value"])
        worst = worst_results(evaluation, summary, count, value=value)
        if not worst:
            continue
        predicted = _predicted(evaluation, worst, [m for m, _ in overlays], value)
        truths = ground_truth_masks(
            evaluation,
            [r.ground_truth_id for r in worst],
            {r.ground_truth_id: (r.volume.size_y, r.volume.size_x) for r in worst},
            value,
        )
        name = f"{cls['name']} · " if len(classes) > 1 else ""
        panels.append((worst, predicted, truths, name))
    if not panels:
        raise FigureLeftOut("No section was scored.")
    rows = sum(math.ceil(len(worst) / columns) for worst, *_ in panels)
    fig = new_figure(10.5, 0.4 + 3.6 * rows)
    row = 0
    for worst, predicted, truths, name in panels:
        for index, result in enumerate(worst):
            ax = fig.add_subplot(rows, columns, row * columns + index + 1)
            _worst_panel(ax, evaluation, result, truths, predicted, overlays, name)
        row += math.ceil(len(worst) / columns)
    fig.suptitle(
        f"Ranked by the Dice of {method_label(evaluation, _primary(summary))}. Ground truth red, "
        f"{method_label(evaluation, pred_method)} yellow, edge-based cyan",
        fontsize=9,
    )
    return fig
