"""TCF files as writers lay them out: resolution on another group, time on each volume."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from annotations.imaging import open_image
from annotations.imaging.readers.frame_interval import tcf_frame_interval
from tests.data_files import ri_stack

RESOLUTION = {"ResolutionZ": 0.195, "ResolutionY": 0.098, "ResolutionX": 0.098}


def _tcf(path, *, resolution_on: str, times=None):
    with h5py.File(path, "w") as f:
        group = f.create_group("Data/3D")
        for t in range(2 if times else 1):
            ds = group.create_dataset(f"{t:06d}", data=np.round(ri_stack() * 1e4).astype("u2"))
            if times:
                ds.attrs["Time"] = np.array([times[t]])
        where = f[resolution_on] if resolution_on != "first volume" else group["000000"]
        for key, value in RESOLUTION.items():
            where.attrs[key] = np.array([value])  # TCF scalars are one-element arrays
    return path


@pytest.mark.parametrize("resolution_on", ["Data", "/", "first volume"])
def test_tcf_voxel_size_found_on_the_group_that_holds_it(tmp_path, resolution_on):
    path = _tcf(tmp_path / "cell.TCF", resolution_on=resolution_on)

    (volume,) = open_image(path, modality="ri").volumes

    assert volume.voxel_size == (0.195, 0.098, 0.098)


def test_tcf_frame_interval_from_each_volumes_time(tmp_path):
    path = _tcf(tmp_path / "lapse.TCF", resolution_on="Data/3D", times=[12.0, 612.0])

    assert tcf_frame_interval(path) == 10.0
    assert open_image(path, modality="ri").frame_interval_min == 10.0


def test_tcf_stain_with_its_resolution_on_its_volume_is_placed_on_the_tomogram(tmp_path):
    path = _tcf(tmp_path / "stain.TCF", resolution_on="Data/3D")
    with h5py.File(path, "a") as f:
        stain = f.create_dataset("Data/3DFL/CH0/000000", data=np.ones((2, 16, 16), "u2"))
        for key, value in RESOLUTION.items():
            stain.attrs[key] = np.array([value * 2])  # half the tomogram's sampling

    stain_handle = open_image(path, modality="ri").fluorescence[0]

    assert stain_handle.shape == (4, 32, 32)
    assert stain_handle.voxel_size == (0.195, 0.098, 0.098)
