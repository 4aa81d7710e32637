"""Per-class quantities of every cell of a predicted RI volume (paper 001), for the report.

A **cell** is a 26-connected component of the predicted volume's labelled voxels, every class
together (membrane, nucleus, nucleolus, lipid droplets of one cell touch one another), of at
least ``MIN_CELL_VOXELS`` voxels. Every class gets one row per cell
(``ml.class_quantities``): volume, object count, mean object volume, mean RI and concentration
with the class's RII (0.135 mL/g for a class whose name says lipid, 0.19 otherwise).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from skimage.measure import label as connected_label

from annotations.models import Volume
from inference.ml.class_quantities import LIPID_RII, PROTEIN_RII, QuantityClass, class_quantities
from inference.ml.metrics import finite_or_none

MIN_CELL_VOXELS = 27
MAX_CELLS = 50


def class_rii(name: str) -> float:
    """Paper 001's refractive index increment of a class, in mL/g."""
    return LIPID_RII if "lipid" in name.casefold() else PROTEIN_RII


def cell_quantities(
    class_map: np.ndarray, ri: np.ndarray | None, volume: Volume, classes: list[dict]
) -> dict[int, list[dict[str, Any]]]:
    """{class value: rows, one per cell} for an RI volume with a voxel size; {} otherwise."""
    if ri is None or volume.voxel_size is None or not classes:
        return {}
    cells = connected_label(class_map > 0, connectivity=3)
    sizes = np.bincount(cells.ravel())
    sizes[0] = 0
    kept = [c for c in np.argsort(sizes)[::-1][:MAX_CELLS] if sizes[c] >= MIN_CELL_VOXELS]
    cells = np.where(np.isin(cells, kept), cells, 0)
    measured = [QuantityClass(c["value"], c["name"], class_rii(c["name"])) for c in classes]
    rows = class_quantities(class_map, ri, volume.voxel_size, measured, cells=cells)
    by_class: dict[int, list[dict[str, Any]]] = {c["value"]: [] for c in classes}
    for row in rows:
        by_class[row["class"]].append(
            {key: finite_or_none(v) if isinstance(v, float) else v for key, v in row.items()}
        )
    return by_class
