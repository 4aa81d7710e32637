"""Real tomograms as they are stored: float RI x 10,000, NaN or 0 margins around the image."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from annotations.imaging import ImageReadError, open_image
from annotations.models import Volume
from annotations.services.imports import ImportOptions, import_file
from tests.data_files import ri_stack, write_npy, write_tiff

MEDIUM = 1.3337


def _cell(shape=(6, 40, 48)) -> np.ndarray:
    """Medium around a cell whose nucleus is darker than its cytoplasm (HL60)."""
    ri = np.full(shape, MEDIUM, np.float32)
    ri[:, 8:32, 10:38] = 1.372
    ri[:, 14:26, 18:30] = 1.356
    return ri


def _padded(inner: np.ndarray, fill: float, margin=(1, 7, 9)) -> np.ndarray:
    z, y, x = margin
    out = np.full(tuple(n + 2 * m for n, m in zip(inner.shape, margin)), fill, inner.dtype)
    out[z:-z, y:-y, x:-x] = inner
    return out


@pytest.mark.parametrize("writer", [write_npy, write_tiff])
def test_float_ri_stored_times_ten_thousand_loads_as_ri(tmp_path, writer):
    ri = _cell()
    path = writer(tmp_path / f"x1e4{'.npy' if writer is write_npy else '.tif'}", ri * 1e4)

    loaded = open_image(path, modality="ri").volumes[0].load()

    np.testing.assert_allclose(loaded, ri, atol=1e-6)


def test_float_ri_stored_times_ten_thousand_in_a_tcf_loads_as_ri(tmp_path):
    ri = _cell()
    with h5py.File(tmp_path / "float.TCF", "w") as f:
        f.create_dataset("Data/3D/000000", data=ri * 1e4)

    loaded = open_image(tmp_path / "float.TCF", modality="ri").volumes[0].load()

    np.testing.assert_allclose(loaded, ri, atol=1e-6)


def test_nan_margin_around_a_tomogram_is_filled_with_the_medium(tmp_path):
    ri = _cell()
    path = write_npy(tmp_path / "nan-margin.npy", _padded(ri, np.nan))

    loaded = open_image(path, modality="ri").volumes[0].load()

    assert np.isfinite(loaded).all()
    np.testing.assert_array_equal(loaded[1:-1, 7:-7, 9:-9], ri)
    assert loaded[0, 0, 0] == pytest.approx(MEDIUM) and loaded[3, 20, 2] == pytest.approx(MEDIUM)


def test_zero_margin_of_an_integer_tcf_tomogram_is_filled_with_the_medium(tmp_path):
    ri = _cell()
    stored = _padded(np.round(ri * 1e4).astype(np.uint16), 0)
    with h5py.File(tmp_path / "zero-margin.TCF", "w") as f:
        f.create_dataset("Data/3D/000000", data=stored)

    loaded = open_image(tmp_path / "zero-margin.TCF", modality="ri").volumes[0].load()

    assert loaded.min() == pytest.approx(MEDIUM, abs=1e-4)
    assert loaded[3, 7 + 20, 9 + 24] == pytest.approx(1.356, abs=1e-4)  # the nucleus


def test_nan_inside_the_image_is_still_refused(tmp_path):
    padded = _padded(_cell(), np.nan)
    padded[3, 20, 24] = np.nan
    path = write_npy(tmp_path / "hole.npy", padded)

    with pytest.raises(ImageReadError, match="1 invalid value"):
        open_image(path, modality="ri").volumes[0].load()


def test_a_stain_keeps_its_zeros_but_loses_its_nan_margin(tmp_path):
    stain = np.zeros((6, 40, 48), np.float32)
    stain[:, 14:26, 18:30] = 900.0
    path = write_npy(tmp_path / "stain.npy", _padded(stain, np.nan))

    loaded = open_image(path, modality="fluorescence").volumes[0].load()

    assert loaded.min() == 0.0 and np.isfinite(loaded).all()


@pytest.mark.django_db
def test_nan_padded_tomogram_imports_with_its_window_on_the_cell(project, tmp_path, media_root):
    path = write_npy(tmp_path / "padded.npy", _padded(ri_stack((4, 32, 32)), np.nan))
    options, _ = ImportOptions.take({"modality": "ri"})

    result = import_file(path=path, project=project, specimen_name="cell-01", options=options)

    stats = Volume.objects.get().stats
    assert 1.33 < stats["p0_5"] < stats["p99_5"] < 1.39
    assert any("margin of NaN or 0" in note for note in result.notes), result.notes


@pytest.mark.django_db
def test_float_ri_times_ten_thousand_imports_as_ri_and_says_so(project, tmp_path, media_root):
    path = write_npy(tmp_path / "x1e4.npy", np.stack([_cell(), _cell()]) * 1e4)  # 2 time points
    options, _ = ImportOptions.take({"modality": "ri"})

    result = import_file(path=path, project=project, specimen_name="cell-01", options=options)

    assert {round(v.stats["max"], 3) for v in Volume.objects.all()} == {1.372}
    assert [n for n in result.notes if "RI × 10,000" in n] == [
        "'x1e4.npy' stores RI × 10,000 as decimals; it was read as RI."
    ]
    assert not any("far from refractive indices" in w for w in result.warnings)


def test_ri_minus_medium_keeps_its_zeros(tmp_path):
    delta = _cell() - np.float32(MEDIUM)  # the medium is exactly 0 here, and it is data
    path = write_npy(tmp_path / "delta.npy", delta)

    loaded = open_image(path, modality="ri").volumes[0].load()

    np.testing.assert_array_equal(loaded, delta)
