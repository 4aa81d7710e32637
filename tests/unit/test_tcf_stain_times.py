"""A Tomocube time-lapse whose stain is taken less often than its tomogram: each stain time
point pairs with the tomogram taken at the same time, not with the tomogram of the same number."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from annotations.imaging.readers import open_image
from annotations.models import Section, Volume
from annotations.services.imports import ImportOptions, import_file
from annotations.services.volumes import volume_array

SHAPE = (3, 16, 16)


def _write(path, ri_times, fl_times, *, time_attrs=True):
    """Tomograms at ``ri_times`` and stains at ``fl_times`` (seconds); each stain's pixels hold
    its acquisition time, so the pairing can be read back from the values."""
    with h5py.File(path, "w") as f:
        ri = f.create_group("Data/3D")
        fl = f.create_group("Data/3DFL")
        for group in (ri, fl):
            for axis, size in zip("ZYX", SHAPE, strict=True):
                group.attrs[f"Size{axis}"] = np.array([size])
                group.attrs[f"Resolution{axis}"] = np.array([0.2 if axis == "Z" else 0.1])
        ri.attrs["TimeInterval"] = np.array(
            [float(np.diff(ri_times)[0]) if len(ri_times) > 1 else 0.0]
        )
        for number, t in enumerate(ri_times):
            ds = ri.create_dataset(f"{number:06d}", data=np.full(SHAPE, 13370, np.uint16))
            if time_attrs:
                ds.attrs["Time"] = np.array([float(t)])
        for number, t in enumerate(fl_times):
            ds = fl.create_dataset(f"CH0/{number:06d}", data=np.full(SHAPE, 1000 + t, np.uint16))
            if time_attrs:
                ds.attrs["Time"] = np.array([float(t)])
    return path


def _stains(path):
    return {
        h.time_index: float(h.load()[0, 0, 0]) for h in open_image(path, modality="ri").fluorescence
    }


def test_stain_every_second_tomogram_pairs_by_time(tmp_path):
    path = _write(tmp_path / "lapse.TCF", [0, 60, 120, 180], [0, 120])

    # Before: stain 000001 (taken at 120 s) was stored at time point 1 (the 60 s tomogram).
    assert _stains(path) == {0: 1000.0, 2: 1120.0}
    note = open_image(path, modality="ri").fluorescence[1].note
    assert "000001 → time point 2" in note


def test_stain_without_a_tomogram_near_it_is_left_out_and_named(tmp_path):
    path = _write(tmp_path / "lapse.TCF", [0, 60, 120], [0, 300])

    assert _stains(path) == {0: 1000.0}
    note = open_image(path, modality="ri").fluorescence[0].note
    assert "left out, no tomogram within 30 s: 000001 (300 s)" in note


def test_stain_at_every_tomogram_keeps_its_numbers(tmp_path):
    path = _write(tmp_path / "lapse.TCF", [0, 60, 120], [0, 60, 120])

    assert _stains(path) == {0: 1000.0, 1: 1060.0, 2: 1120.0}
    assert all(h.note == "" for h in open_image(path, modality="ri").fluorescence)


def test_without_times_the_stain_pairs_by_number(tmp_path):
    path = _write(tmp_path / "lapse.TCF", [0, 60], [0, 60], time_attrs=False)
    with h5py.File(path, "a") as f:
        del f["Data/3D"].attrs["TimeInterval"]

    assert _stains(path) == {0: 1000.0, 1: 1060.0}


@pytest.mark.django_db
def test_import_pairs_the_stain_with_the_tomogram_of_its_time(project, tmp_path, media_root):
    path = _write(tmp_path / "lapse.TCF", [0, 60, 120, 180], [0, 120])

    result = import_file(
        path=path, project=project, specimen_name="lapse", options=ImportOptions(modality="ri")
    )

    stain = Volume.objects.get(modality="fluorescence", time_index=2)
    assert float(volume_array(stain)[0, 0, 0]) == 1120.0
    assert stain.paired_with == Volume.objects.get(modality="ri", time_index=2)
    assert not Volume.objects.filter(modality="fluorescence", time_index=1).exists()
    assert not Section.objects.filter(volume__time_index=1, fluorescence__isnull=False).exists()
    assert any("by acquisition time" in w for w in result.warnings)
