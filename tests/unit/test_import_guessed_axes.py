"""A 4D array that names no axes is read as (t, z, y, x), and the import says it guessed so,
with how to read it otherwise; a file that names its axes, or a channel axis given, says
nothing of the kind (docs/imports.md, "A TIFF that names nothing")."""

from __future__ import annotations

import numpy as np
import tifffile

from annotations.imaging import open_image

STACKS = np.full((3, 5, 40, 48), 1000, np.uint16)


def _infos(volumes) -> set[str]:
    return {v.info for v in volumes}


def test_a_plain_4d_tiff_says_it_was_read_as_time_points_of_stacks(tmp_path):
    path = tmp_path / "field.tif"
    tifffile.imwrite(path, STACKS)
    volumes = open_image(path, modality="phase").volumes
    assert [(v.time_index, v.shape[0]) for v in volumes] == [(0, 5), (1, 5), (2, 5)]
    (info,) = _infos(volumes)
    assert "'field.tif' does not say which axis is which" in info
    assert "read as (t, z, y, x), 3 time points of 5 z-sections" in info
    assert "channel axis (0 or 1)" in info


def test_a_plain_4d_npy_says_so_too(tmp_path):
    path = tmp_path / "field.npy"
    np.save(path, STACKS)
    (info,) = _infos(open_image(path, modality="phase").volumes)
    assert "3 time points of 5 z-sections" in info


def test_named_axes_and_a_given_channel_axis_are_not_called_a_guess(tmp_path):
    named = tmp_path / "hyperstack.tif"
    tifffile.imwrite(named, STACKS, imagej=True, metadata={"axes": "TZYX"})
    assert _infos(open_image(named, modality="phase").volumes) == {""}
    plain = tmp_path / "channels.tif"
    tifffile.imwrite(plain, STACKS[:2])
    told = open_image(plain, modality="phase", channel_axis=0, channel_names=["bf", "phase"])
    assert "does not say which axis" not in " ".join(_infos(told.volumes))
