"""A Tomocube stain stack with its own z step, section count, xy sampling and z offset lands on
the tomogram's grid: section z of the stored stain is the stain at the height of tomogram
section z, not the stain's own section z."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from annotations.imaging.readers import open_image
from annotations.models import Section, Volume
from annotations.services.imports import ImportOptions, import_file
from annotations.services.volumes import volume_array

RI_SHAPE, RI_VOXEL = (12, 32, 32), (0.2, 0.1, 0.1)


def _stain(z_um, y_um, x_um):
    """A stain that varies linearly in space: linear interpolation reproduces it exactly."""
    return 100.0 + 40.0 * z_um + 3.0 * y_um + 5.0 * x_um


def _write(path, fl_shape, fl_voxel, offset_z=None):
    """A TCF as the instrument writes it: RI x 10,000 as uint16, the stain on its own grid."""
    with h5py.File(path, "w") as f:
        group = f.create_group("Data/3D")
        ri = np.full(RI_SHAPE, 13370, np.uint16)
        group.create_dataset("000000", data=ri)
        for axis, size, res in zip("ZYX", RI_SHAPE, RI_VOXEL, strict=True):
            group.attrs[f"Size{axis}"] = np.array([size])
            group.attrs[f"Resolution{axis}"] = np.array([res])
        fl = f.create_group("Data/3DFL")
        for axis, size, res in zip("ZYX", fl_shape, fl_voxel, strict=True):
            fl.attrs[f"Size{axis}"] = np.array([size])
            fl.attrs[f"Resolution{axis}"] = np.array([res])
        if offset_z is not None:
            fl.attrs["OffsetZ"] = np.array([offset_z])
            fl.attrs["OffsetZCompensation"] = np.array([0.0])
        # The stain stack's centre is offset_z above the tomogram's first plane (or the
        # tomogram's centre): its voxel centres in the tomogram's µm.
        centre = RI_SHAPE[0] * RI_VOXEL[0] / 2 if offset_z is None else offset_z
        z = centre + (np.arange(fl_shape[0]) + 0.5 - fl_shape[0] / 2) * fl_voxel[0]
        field_y, field_x = RI_SHAPE[1] * RI_VOXEL[1], RI_SHAPE[2] * RI_VOXEL[2]
        y = field_y / 2 + (np.arange(fl_shape[1]) + 0.5 - fl_shape[1] / 2) * fl_voxel[1]
        x = field_x / 2 + (np.arange(fl_shape[2]) + 0.5 - fl_shape[2] / 2) * fl_voxel[2]
        zz, yy, xx = np.meshgrid(z, y, x, indexing="ij")
        fl.create_dataset("CH0/000000", data=np.round(_stain(zz, yy, xx)).astype(np.uint16))
    return path


def _expected_on_ri_grid():
    z, y, x = ((np.arange(n) + 0.5) * v for n, v in zip(RI_SHAPE, RI_VOXEL, strict=True))
    zz, yy, xx = np.meshgrid(z, y, x, indexing="ij")
    return _stain(zz, yy, xx)


def test_stain_with_same_shape_but_another_z_step_is_not_paired_section_by_section(tmp_path):
    # Same 12×32×32 voxels, but 0.3 µm sections centred 1.5 µm up: stain section k is not at
    # tomogram section k (before, it was stored as if it were).
    path = _write(tmp_path / "cell.TCF", RI_SHAPE, (0.3, 0.1, 0.1), offset_z=1.5)

    fl = open_image(path, modality="ri").fluorescence[0]
    stain = fl.load()

    assert fl.shape == RI_SHAPE and fl.voxel_size == pytest.approx(RI_VOXEL)
    expected = _expected_on_ri_grid()
    # Tomogram sections 0-1 lie below the stain stack (it starts at 1.5 - 1.8 = -0.3 µm, the
    # first stain centre at -0.15 µm): from section 0 on every centre is inside it.
    assert np.allclose(stain, expected, atol=1.0)


def test_stain_with_fewer_coarser_sections_and_coarser_pixels_is_resampled(tmp_path):
    # 5 sections of 0.4 µm centred on the tomogram, pixels twice as large.
    path = _write(tmp_path / "cell.TCF", (5, 16, 16), (0.4, 0.2, 0.2))

    fl = open_image(path, modality="ri").fluorescence[0]
    stain = fl.load()

    assert stain.shape == RI_SHAPE
    expected = _expected_on_ri_grid()
    # Inside the stain's field of view (away from the outer half pixel) the values are exact.
    # Tomogram sections 0 and 11 lie outside the stain stack (0.2-2.2 µm); sections 1 and 10
    # are inside it but beyond its outer section centres.
    assert np.allclose(stain[2:-2, 1:-1, 1:-1], expected[2:-2, 1:-1, 1:-1], atol=1.0)
    assert "resampled onto the tomogram's grid" in fl.note
    assert "covers sections 1–10 only" in fl.note


def test_sections_the_stain_does_not_reach_are_named(tmp_path):
    # 4 sections of 0.2 µm centred 0.6 µm up: tomogram sections 1-4 only (of 0-11).
    path = _write(tmp_path / "cell.TCF", (4, 32, 32), (0.2, 0.1, 0.1), offset_z=0.6)

    fl = open_image(path, modality="ri").fluorescence[0]
    stain = fl.load()

    assert "covers sections 1–4 only" in fl.note
    expected = _expected_on_ri_grid()
    assert np.allclose(stain[1:5], expected[1:5], atol=1.0)
    # Outside: one flat value (the stain's background), no invented stain image.
    assert np.ptp(stain[0]) == 0 and np.ptp(stain[5:]) == 0
    assert stain[0, 0, 0] == stain[11, 0, 0]


def test_matching_stain_is_read_as_it_is(tmp_path):
    path = _write(tmp_path / "cell.TCF", RI_SHAPE, RI_VOXEL, offset_z=1.2)

    fl = open_image(path, modality="ri").fluorescence[0]

    assert fl.note == ""
    assert np.array_equal(fl.load(), np.round(_expected_on_ri_grid()).astype(np.float32))


@pytest.mark.django_db
def test_import_stores_the_resampled_stain_paired_with_the_tomogram(project, tmp_path, media_root):
    # Before, a stain of another section count refused the whole file (tomogram included).
    path = _write(tmp_path / "cell.TCF", (5, 16, 16), (0.4, 0.2, 0.2), offset_z=1.2)

    result = import_file(
        path=path,
        project=project,
        specimen_name="cell",
        options=ImportOptions(modality="ri", channel="Hoechst"),
    )

    fl = Volume.objects.get(modality="fluorescence")
    ri = Volume.objects.get(modality="ri")
    assert fl.shape == ri.shape == RI_SHAPE
    assert fl.voxel_size == pytest.approx(RI_VOXEL)
    assert fl.paired_with == ri
    assert Section.objects.get(volume=ri, z=6).fluorescence.z == 6
    stored = volume_array(fl)
    assert np.allclose(stored[2:-2, 1:-1, 1:-1], _expected_on_ri_grid()[2:-2, 1:-1, 1:-1], atol=1.0)
    assert any("resampled onto the tomogram's grid" in w for w in result.warnings)
