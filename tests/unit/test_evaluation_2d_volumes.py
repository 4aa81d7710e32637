"""An evaluation of single-section (2D) fields gives no nucleus volume in µm³: a phase field's
"volume" would be its area times a z voxel size that measures nothing. 3D volumes keep theirs."""

from __future__ import annotations

import numpy as np
import pytest

from inference.models import VolumeResult
from inference.services.evaluation.volume_numbers import volume_agreement


def disk(shape: tuple[int, int], radius: float) -> np.ndarray:
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    return (yy - shape[0] / 2) ** 2 + (xx - shape[1] / 2) ** 2 < radius**2


@pytest.mark.parametrize("size_z", [1, 3])
def test_only_3d_volumes_get_volumes_in_cubic_micrometres(make_volume, specimen, size_z):
    volume = make_volume(specimen, shape=(size_z, 32, 32))
    truth = np.stack([disk((32, 32), 8)] * size_z)
    predicted = np.stack([disk((32, 32), 10)] * size_z)
    row = VolumeResult()

    volume_agreement(row, volume, predicted, truth)

    # Independent of the code: pixel counts, Dice and the relative difference by numpy.
    gt_px, pred_px = int(truth.sum()), int(predicted.sum())
    assert row.dice_3d == pytest.approx(2 * (truth & predicted).sum() / (gt_px + pred_px))
    assert row.volume_difference_pct == pytest.approx(100 * (pred_px - gt_px) / gt_px)
    if size_z == 1:
        assert row.pred_volume_um3 is None
        assert row.gt_volume_um3 is None
        assert row.volume_difference_um3 is None
    else:
        voxel = float(np.prod(volume.voxel_size))
        assert row.gt_volume_um3 == pytest.approx(gt_px * voxel)
        assert row.volume_difference_um3 == pytest.approx((pred_px - gt_px) * voxel)
