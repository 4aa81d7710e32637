"""Nuclei cut by the field's edge, and the per-image means that leave them out.

A nucleus that touches the x/y border of the field (any section of a stack) is cut: only the
part inside the field is measured, so its volume or area is too small and would bias a mean
(a cell leaving the field measured at a third of its size the frame before). Such nuclei keep
their row, flagged ``touches_edge``; means leave them out unless asked to include them, as
CellProfiler and TrackMate users expect.

The first and last sections of a stack are not the field's edge: a refractive-index
tomogram's nucleus often reaches the top or bottom section (the reconstruction's axial extent
is barely larger than a flat adherent cell), and leaving those out would leave out most
nuclei. A nucleus that reaches them is flagged ``touches_z_end`` instead, for a reader who
wants to leave it out too (``None`` for a single section, which has no depth).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["edge_labels", "edge_means", "z_end_labels"]


def _labels_in(*faces: np.ndarray) -> set[int]:
    values = np.unique(np.concatenate([np.asarray(f).ravel() for f in faces]))
    return {int(v) for v in values if v}


def edge_labels(labels: np.ndarray) -> set[int]:
    """The labels of a (z, y, x) label image that touch the x/y border of the field in any
    section."""
    labels = np.asarray(labels)
    return _labels_in(labels[:, 0, :], labels[:, -1, :], labels[:, :, 0], labels[:, :, -1])


def z_end_labels(labels: np.ndarray) -> set[int]:
    """The labels that reach the first or last section of a stack (none of a single section)."""
    labels = np.asarray(labels)
    if labels.shape[0] < 2:
        return set()
    return _labels_in(labels[0], labels[-1])


def _mean(values: list[float]) -> float | None:
    return float(sum(values) / len(values)) if values else None


def edge_means(nuclei: Sequence[dict[str, Any]], *, include_edge: bool = False) -> dict[str, Any]:
    """Of one image's nuclei rows: how many touch the field's edge (None where a row does not
    say: a result stored before the flag), and the mean nucleus volume (µm³) and area (µm²)
    over the nuclei away from the edge (every nucleus with ``include_edge``); a mean is
    ``None`` where no nucleus counted has that quantity."""
    counted = [n for n in nuclei if include_edge or not n.get("touches_edge")]
    unknown = any(n.get("touches_edge") is None for n in nuclei)  # stored before the flag
    return {
        "n_edge_nuclei": None if unknown else sum(1 for n in nuclei if n["touches_edge"]),
        "mean_volume_um3": _mean([n["volume_um3"] for n in counted if n.get("volume_um3")]),
        "mean_area_um2": _mean([n["area_um2"] for n in counted if n.get("area_um2")]),
        "edge_nuclei_included": include_edge,
    }
