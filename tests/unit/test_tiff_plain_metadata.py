"""TIFFs written without ImageJ or OME metadata: a plain 4D array is a time-lapse of stacks, and
the baseline resolution tags in centimetres give the pixel size (docs/imports.md)."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile

from annotations.imaging import open_image

SHAPE = (6, 40, 48)


def ri_stacks(times: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    return (1.337 + 0.03 * rng.random((times, *SHAPE))).astype(np.float32)


def test_plain_4d_tiff_is_time_points_of_stacks(tmp_path):
    """``tifffile.imwrite(path, array)`` of a (t, z, y, x) array, as a .npy of it is read."""
    path = tmp_path / "timelapse.tif"
    data = ri_stacks(3)
    tifffile.imwrite(path, np.round(data * 1e4).astype(np.uint16))
    volumes = open_image(path, modality="ri").volumes
    assert [(v.time_index, v.shape) for v in volumes] == [(t, SHAPE) for t in range(3)]
    np.testing.assert_allclose(volumes[2].load(), np.round(data[2] * 1e4) / 1e4, rtol=1e-6)


def test_plain_4d_tiff_with_a_channel_axis_keeps_its_meaning(tmp_path):
    path = tmp_path / "channels.tif"
    tifffile.imwrite(path, np.full((2, 3, 40, 48), 100, np.uint16), photometric="minisblack")
    volumes = open_image(
        path, modality="phase", channel_axis=0, channel_names=["bf", "phase"]
    ).volumes
    assert {(v.channel, v.time_index, v.shape) for v in volumes} == {
        ("bf", 0, (3, 40, 48)),
        ("phase", 0, (3, 40, 48)),
    }


def test_pixel_size_from_baseline_resolution_in_centimetres(tmp_path):
    """A time-lapse of phase fields whose pixel size (0.65 µm) is only in the TIFF tags."""
    path = tmp_path / "phase.tif"
    frames = np.full((5, 40, 48), 1000, np.uint16)
    per_cm = 1 / 0.65e-4
    tifffile.imwrite(
        path,
        frames,
        resolution=(per_cm, per_cm),
        resolutionunit="CENTIMETER",
        photometric="minisblack",
        metadata={"axes": "TYX"},
    )
    volumes = open_image(path, modality="phase").volumes
    assert len(volumes) == 5
    assert volumes[0].voxel_size[1:] == (0.65, 0.65)  # as written, not 0.6499999999999999


@pytest.mark.parametrize("unit", ["INCH", "NONE"])
def test_resolution_in_inches_or_without_unit_is_no_pixel_size(tmp_path, unit):
    """72 dots per inch is a screen's default, not a microscope's pixel."""
    path = tmp_path / "field.tif"
    tifffile.imwrite(
        path, np.full((40, 48), 1000, np.uint16), resolution=(72, 72), resolutionunit=unit
    )
    assert open_image(path, modality="phase").volumes[0].voxel_size is None
