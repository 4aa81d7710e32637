"""Transparent contour layers, the section's own size, that pages stack over a section image:
the gallery's ground truth / prediction / edge-based overlays and the fluorescence masks."""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image
from scipy import ndimage as ndi
from skimage.segmentation import find_boundaries

from annotations.imaging.label_values import stored_labels
from annotations.models import GroundTruth, LabelKind, Section
from annotations.selectors.labels import label_classes
from inference.models import Evaluation, SectionResult, VolumeResult
from inference.services.evaluation.labels import (
    ANY_CLASS,
    STORED,
    SectionLabels,
    component_labels,
    version_layout,
)
from inference.services.evaluation.target import target_value

from .masks import ground_truth_masks, volume_result_section

__all__ = ["LAYER_COLOURS", "contour_data_uri", "contour_png", "layer_png", "outline"]

LAYER_COLOURS = {"gt": (255, 45, 45), "pred": (255, 225, 25), "edge": (0, 229, 255)}


def outline(mask: np.ndarray, thickness: int) -> np.ndarray:
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return mask
    inner = ndi.binary_erosion(mask, iterations=thickness, border_value=0)
    return mask & ~inner


def contour_png(
    mask: np.ndarray, colour: tuple[int, int, int], instances: np.ndarray | None = None
) -> bytes:
    """RGBA PNG: the mask's outline in ``colour``, transparent elsewhere, and where
    ``instances`` are given the line between touching ones. The line grows with the image
    (1 px per 224 px of its larger side) so it stays visible when scaled down."""
    mask = np.asarray(mask, dtype=bool)
    line = outline(mask, max(1, round(max(mask.shape) / 224)))
    if instances is not None:
        line |= find_boundaries(instances, mode="inner") & mask
    rgba = np.zeros((*mask.shape, 4), dtype=np.uint8)
    rgba[line, :3] = colour
    rgba[line, 3] = 255
    buffer = io.BytesIO()
    Image.fromarray(rgba, mode="RGBA").save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()


def contour_data_uri(mask: np.ndarray, colour: tuple[int, int, int] = LAYER_COLOURS["gt"]) -> str:
    return "data:image/png;base64," + base64.b64encode(contour_png(mask, colour)).decode("ascii")


def _layer_method(evaluation: Evaluation, layer: str) -> str:
    methods = (evaluation.config or {}).get("methods") or []
    return "edge" if layer == "edge" else ("model" if "model" in methods else "otsu")


def _layer_mask(
    evaluation: Evaluation, section: Section, layer: str, value: int
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The layer's mask of class ``value`` on the section (None where nothing is stored), and
    for a predicted layer the ids of its nuclei stored as they were scored (None where the row
    stores none)."""
    volume = section.volume
    if layer == "gt":
        gt_id = (
            SectionResult.objects.filter(evaluation=evaluation, section=section)
            .values_list("ground_truth_id", flat=True)
            .first()
        )
        masks = ground_truth_masks(evaluation, [gt_id], {gt_id: section.shape}, value)
        return masks.get(gt_id), None
    method = _layer_method(evaluation, layer)
    result = (
        VolumeResult.objects.filter(
            evaluation=evaluation,
            volume=volume,
            method=method,
            class_value=value,
        )
        .exclude(pred_mask="")
        .first()
    )
    if result is None:
        return None, None
    result.volume = volume
    return volume_result_section(result, section.z)


def layer_png(
    *, evaluation: Evaluation, section: Section, layer: str, value: int | None = None
) -> bytes:
    """One contour of a scored section for class ``value`` (default: the evaluation's target
    class): ``gt`` (red), ``pred`` (yellow; the model, or Otsu in a baselines-only evaluation)
    or ``edge`` (cyan; empty for a class the baseline does not score)."""
    if layer not in LAYER_COLOURS:
        raise ValueError(f"unknown layer {layer!r}")
    chosen = target_value(evaluation) if value is None else value
    mask, ids = _layer_mask(evaluation, section, layer, chosen)
    if mask is None:
        mask = np.zeros(section.shape, dtype=bool)
    if layer == "gt":
        instances = _truth_instances(evaluation, section, chosen)
    else:
        instances = _predicted_instances(evaluation, layer, mask, chosen, ids)
    return contour_png(mask, LAYER_COLOURS[layer], instances)


def _predicted_instances(
    evaluation: Evaluation,
    layer: str,
    mask: np.ndarray,
    value: int,
    stored: np.ndarray | None = None,
) -> np.ndarray | None:
    """A section's predicted nuclei of an instance class as the evaluation scored them: the
    ids stored with the result (``stored``: an instance head's nuclei, or connected components,
    separated by the watershed where the evaluation separates touching nuclei), so touching
    ones are outlined apart exactly as they were scored. A result stored before the ids were
    (a 0/255 mask) has them numbered again as ``component_labels`` did, except a model with an
    instance head (its nuclei are not in such a mask: None, one outline). None for a region
    class."""
    kinds = {int(c["value"]): c["kind"] for c in label_classes(evaluation.project)}
    if kinds.get(value) != LabelKind.INSTANCES or not mask.any():
        return None
    if stored is not None:
        return stored
    if _layer_method(evaluation, layer) == "model":
        version = evaluation.model_version
        recorded = version_layout(version.config) if version is not None else None
        if recorded is not None and recorded[0].instance is not None:
            return None
    class_map = np.asarray(mask, dtype=bool).astype(np.uint8) * np.uint8(value)
    numbered = component_labels(class_map, [value], split_touching=evaluation.split_touching)
    return numbered.of_class(value)


def _truth_instances(evaluation: Evaluation, section: Section, value: int) -> np.ndarray | None:
    """The ids stored with a section's ground truth (imported or drawn instances), so touching
    nuclei are outlined apart; None where it holds none (a binary or fluorescence mask)."""
    row = (
        GroundTruth.objects.filter(
            pk__in=SectionResult.objects.filter(evaluation=evaluation, section=section).values(
                "ground_truth_id"
            )
        )
        .only("mask_png")
        .first()
    )
    if row is None:
        return None
    stored = stored_labels(bytes(row.mask_png), ANY_CLASS, [value], section.shape)
    if not stored.stored_instances:
        return None
    labels = SectionLabels(stored.class_map, stored.instances, dict(stored.classes), STORED)
    return labels.of_class(value)
