"""Per-class quantities per cell: volume, object counts, mean RI and concentration by RII."""

from __future__ import annotations

import numpy as np
import pytest

from inference.ml.class_quantities import LIPID_RII, QuantityClass, class_quantities

VOXEL = (0.2, 0.1, 0.1)  # µm; 0.002 µm³ per voxel
NUCLEOLUS, DROPLET = 3, 4
CLASSES = [
    QuantityClass(1, "nucleus"),
    QuantityClass(NUCLEOLUS, "nucleolus"),
    QuantityClass(DROPLET, "lipid droplet", rii=LIPID_RII),
]


def _two_cells():
    """Cell 1 has a nucleus with two nucleoli; cell 2 has two lipid droplets that touch."""
    classes = np.zeros((4, 20, 40), dtype=np.uint8)
    cells = np.zeros(classes.shape, dtype=np.int32)
    cells[:, :, :20], cells[:, :, 20:] = 1, 2
    classes[:, 2:12, 2:12] = 1
    classes[:, 3:5, 3:5] = NUCLEOLUS
    classes[:, 8:10, 8:10] = NUCLEOLUS
    classes[:, 5:9, 24:28] = DROPLET
    classes[:, 5:9, 28:32] = DROPLET  # touching the first droplet
    instances = np.zeros(classes.shape, dtype=np.int32)
    instances[:, 5:9, 24:28], instances[:, 5:9, 28:32] = 7, 8
    ri = np.full(classes.shape, 1.3337)
    ri[classes == 1] = 1.36
    ri[classes == NUCLEOLUS] = 1.38
    ri[classes == DROPLET] = 1.40
    return classes, cells, instances, ri


def _row(rows, cell, value):
    return next(r for r in rows if r["cell"] == cell and r["class"] == value)


def test_volumes_counts_and_concentrations_per_cell_and_class():
    classes, cells, _, ri = _two_cells()
    rows = class_quantities(classes, ri, VOXEL, CLASSES, cells=cells)
    assert len(rows) == 6  # 2 cells x 3 classes, absent ones included
    nucleus = _row(rows, 1, 1)
    assert nucleus["voxel_count"] == 4 * (100 - 8)
    assert nucleus["volume_um3"] == pytest.approx(4 * 92 * 0.002)
    assert nucleus["concentration_pg_per_um3"] == pytest.approx((1.36 - 1.3337) / 0.19)
    nucleoli = _row(rows, 1, NUCLEOLUS)
    assert nucleoli["count"] == 2 and nucleoli["voxel_count"] == 32
    assert nucleoli["mean_object_volume_um3"] == pytest.approx(16 * 0.002)
    droplets = _row(rows, 2, DROPLET)
    assert droplets["count"] == 1  # touching droplets are one component
    assert droplets["concentration_pg_per_um3"] == pytest.approx((1.40 - 1.3337) / 0.135)
    absent = _row(rows, 2, NUCLEOLUS)
    assert absent["count"] == 0 and absent["volume_um3"] == 0.0 and absent["mean_ri"] is None


def test_an_instance_map_counts_touching_droplets_apart():
    classes, cells, instances, ri = _two_cells()
    rows = class_quantities(classes, ri, VOXEL, CLASSES, cells=cells, instances=instances)
    assert _row(rows, 2, DROPLET)["count"] == 2
    assert _row(rows, 2, DROPLET)["mean_object_volume_um3"] == pytest.approx(64 * 0.002)


def test_without_cells_the_whole_volume_is_one_cell():
    classes, _, _, ri = _two_cells()
    rows = class_quantities(classes, ri, VOXEL, CLASSES)
    assert [r["cell"] for r in rows] == [None, None, None]
    assert _row(rows, None, NUCLEOLUS)["count"] == 2


def test_voxels_outside_every_cell_are_not_counted():
    classes, cells, _, ri = _two_cells()
    cells[:, :, 24:28] = 0  # the first droplet lies outside any cell
    rows = class_quantities(classes, ri, VOXEL, CLASSES, cells=cells)
    assert _row(rows, 2, DROPLET)["voxel_count"] == 64


def test_bad_input_is_refused():
    classes, cells, _, ri = _two_cells()
    with pytest.raises(ValueError, match="floats"):
        class_quantities(classes, (ri * 1e4).astype(np.uint16), VOXEL, CLASSES)
    with pytest.raises(ValueError, match="cells shape"):
        class_quantities(classes, ri, VOXEL, CLASSES, cells=cells[:2])
    with pytest.raises(ValueError, match="three positive"):
        class_quantities(classes, ri, (0.1, 0.1), CLASSES)
    with pytest.raises(ValueError, match="RII"):
        QuantityClass(2, "membrane", rii=0.0)
