"""A 3D label-free stack stored without a voxel size is said at import: its nuclei can be
counted and scored but not measured in µm³, and the warning says how to mend it (set the size
on the specimen, docs/imports.md), once per file (not once per time point). A file whose ImageJ spacing has no unit is such a file."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile

from annotations.models import Volume
from annotations.services.imports import ImportOptions, import_file
from tests.data_files import ri_stack, write_npy

pytestmark = pytest.mark.django_db


def _import(path, project, **kwargs):
    params = {"specimen_name": "cell-01", "modality": "ri"} | kwargs
    options, rest = ImportOptions.take(params)
    return import_file(path=path, project=project, options=options, **rest)


def _imagej(path, data, **metadata):
    metadata = {"axes": "ZYX"} | metadata
    tifffile.imwrite(path, data, imagej=True, resolution=(10.0, 10.0), metadata=metadata)
    return path


def _voxel_warnings(result) -> list[str]:
    return [w for w in result.warnings if "no voxel size" in w]


def test_an_imagej_spacing_without_a_unit_stores_no_voxel_size_and_says_so(
    project, tmp_path, media_root
):
    result = _import(_imagej(tmp_path / "ri.tif", ri_stack(), spacing=0.2), project)

    assert Volume.objects.get().voxel_size_z is None
    [warning] = _voxel_warnings(result)
    assert "counted and scored, but not measured in µm³" in warning
    # The cure keeps the specimen and its annotations: the voxel size is set where it stands.
    specimen = Volume.objects.get().specimen_id
    assert "set the voxel size z,y,x in micrometres on the specimen's page" in warning
    assert f"(/specimens/{specimen}/), with PATCH /api/specimens/{specimen}/" in warning
    assert "manage.py set_voxel_size" in warning and "delete" not in warning


def test_a_stack_with_its_voxel_size_gets_no_warning(project, tmp_path, media_root):
    with_unit = _imagej(tmp_path / "ri.tif", ri_stack(), spacing=0.2, unit="um")
    assert _voxel_warnings(_import(with_unit, project)) == []
    assert Volume.objects.get().voxel_size == pytest.approx((0.2, 0.1, 0.1))

    given = write_npy(tmp_path / "b.npy", ri_stack(seed=3))
    result = _import(given, project, specimen_name="cell-02", voxel_size=(0.2, 0.1, 0.1))
    assert _voxel_warnings(result) == []


def test_a_time_lapse_without_a_voxel_size_is_warned_of_once(project, tmp_path, media_root):
    frames = np.stack([ri_stack(seed=s) for s in range(3)])  # (t, z, y, x)
    path = tmp_path / "t.tif"
    tifffile.imwrite(path, frames, imagej=True, metadata={"axes": "TZYX"})
    result = _import(path, project)

    assert Volume.objects.count() == 3
    assert len(_voxel_warnings(result)) == 1


def test_a_single_plane_field_needs_no_z_and_gets_no_warning(project, tmp_path, media_root):
    field = write_npy(tmp_path / "bf.npy", ri_stack(shape=(1, 32, 32))[0])
    assert _voxel_warnings(_import(field, project, modality="brightfield")) == []
