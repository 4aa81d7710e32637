"""Synthetic tomograms (annotations.demo) look and behave like the real thing."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from annotations.demo import (
    LAB_PROFILES,
    MEDIUM_RI,
    make_brightfield,
    make_cell,
    make_time_series,
    write_tcf,
)
from annotations.imaging import open_image

SHAPE = (24, 128, 128)


@pytest.fixture(scope="module")
def cell():
    return make_cell(seed=11)


@pytest.fixture(scope="module")
def dark_cell():
    return make_cell(seed=11, dark_nucleus=True)


def cytoplasm(c) -> np.ndarray:
    return c.cell & ~c.nucleus


def test_types_shapes_and_voxel_size(cell):
    assert cell.ri.dtype == np.float32 and cell.ri.shape == SHAPE
    assert cell.dapi.dtype == np.float32 and cell.dapi.shape == SHAPE
    assert cell.nucleus.dtype == bool and cell.nucleus.shape == SHAPE
    assert cell.cell.dtype == bool
    assert cell.voxel_size == pytest.approx((0.195, 0.098, 0.098))
    assert (cell.lab, cell.dark_nucleus) == ("A", False)


def test_ri_values_are_physical(cell):
    outside = cell.ri[~cell.cell]
    assert np.median(outside) == pytest.approx(MEDIUM_RI, abs=0.0015)
    assert np.isfinite(cell.ri).all()
    assert cell.ri.min() > 1.30 and cell.ri.max() < 1.47
    # Lipid droplets are the most refractive structures.
    assert cell.ri.max() > 1.39
    inside = cell.ri[cell.cell]
    assert 1.34 < np.median(inside) < 1.40


def test_nucleus_is_inside_the_cell_with_realistic_size(cell):
    assert not (cell.nucleus & ~cell.cell).any()
    mid = SHAPE[0] // 2
    fraction = cell.nucleus[mid].sum() / cell.cell[mid].sum()
    assert 0.10 <= fraction <= 0.30


@pytest.mark.parametrize("seed", range(6))
def test_top_and_bottom_sections_have_no_nucleus(seed):
    c = make_cell(seed=seed)
    per_section = c.nucleus.sum(axis=(1, 2))
    assert per_section[:3].sum() == 0 and per_section[-3:].sum() == 0
    assert per_section[SHAPE[0] // 2] > 0


def test_normal_nucleus_is_brighter_than_cytoplasm(cell):
    assert cell.ri[cell.nucleus].mean() > cell.ri[cytoplasm(cell)].mean()


def test_dark_nucleus_is_darker_than_cytoplasm(dark_cell, cell):
    assert dark_cell.dark_nucleus
    assert dark_cell.ri[dark_cell.nucleus].mean() < dark_cell.ri[cytoplasm(dark_cell)].mean()
    # Same geometry, only the contrast is inverted.
    np.testing.assert_array_equal(dark_cell.nucleus, cell.nucleus)


def test_dapi_is_high_inside_the_nucleus(cell):
    inside = cell.dapi[cell.nucleus].mean()
    outside = cell.dapi[~cell.nucleus].mean()
    assert inside > 5 * outside
    threshold = 0.5 * (inside + outside)
    thresholded = cell.dapi > threshold
    overlap = (thresholded & cell.nucleus).sum() / (thresholded | cell.nucleus).sum()
    assert overlap > 0.6


def test_labs_differ_in_ri_distribution():
    a, b = make_cell(seed=3, lab="A"), make_cell(seed=3, lab="B")
    assert b.lab == "B"
    medium_a, medium_b = np.median(a.ri[~a.cell]), np.median(b.ri[~b.cell])
    assert abs(medium_a - medium_b) > 0.002
    contrast_a = a.ri[a.cell].mean() - medium_a
    contrast_b = b.ri[b.cell].mean() - medium_b
    assert contrast_b < 0.85 * contrast_a
    assert LAB_PROFILES["A"] != LAB_PROFILES["B"]


def test_same_seed_same_cell_and_different_seed_different_cell():
    first, again, other = make_cell(seed=5), make_cell(seed=5), make_cell(seed=6)
    np.testing.assert_array_equal(first.ri, again.ri)
    np.testing.assert_array_equal(first.dapi, again.dapi)
    np.testing.assert_array_equal(first.nucleus, again.nucleus)
    assert not np.array_equal(first.nucleus, other.nucleus)


@pytest.mark.parametrize("n", [2, 3])
def test_several_nuclei_are_separate(n):
    from scipy import ndimage as ndi

    c = make_cell(seed=8, n_nuclei=n)
    _, count = ndi.label(c.nucleus)
    assert count == n


def test_time_series_nucleus_grows_and_moves_in_the_same_cell():
    series = make_time_series(seed=4, n_time_points=4)
    volumes = [c.nucleus.sum() for c in series]
    assert volumes == sorted(volumes) and volumes[-1] > 1.1 * volumes[0]
    centroids = [np.argwhere(c.nucleus).mean(axis=0) for c in series]
    assert np.linalg.norm(centroids[-1] - centroids[0]) > 1.0
    np.testing.assert_array_equal(series[0].cell, series[-1].cell)
    assert not np.array_equal(series[0].ri, series[1].ri)


def test_other_shapes_keep_a_plausible_physical_scale():
    c = make_cell(seed=2, shape=(32, 96, 160))
    assert c.ri.shape == (32, 96, 160)
    field = np.multiply(c.ri.shape, c.voxel_size)
    assert 10 < field[2] < 15 and 3 < field[0] < 6


@pytest.mark.parametrize(
    "kwargs", [{"shape": (4, 16, 16)}, {"lab": "C"}, {"n_nuclei": 0}, {"shape": (24, 128)}]
)
def test_invalid_arguments(kwargs):
    with pytest.raises(ValueError):
        make_cell(seed=0, **kwargs)


def test_brightfield_image_and_mask():
    image, mask = make_brightfield(seed=1)
    assert image.shape == (256, 256) and image.dtype == np.float32
    assert mask.shape == (256, 256) and mask.dtype == bool
    assert image.min() >= 0.0 and image.max() <= 1.0
    assert 0.01 < mask.mean() < 0.2
    again, _ = make_brightfield(seed=1)
    np.testing.assert_array_equal(image, again)
    # The nuclear outline carries contrast: the image is not flat around the nucleus.
    assert image[mask].std() > 0.01


def test_write_tcf_layout_matches_tomocube(tmp_path, cell):
    path = tmp_path / "cell.TCF"
    write_tcf(path, [cell.ri, cell.ri], {"CH0": [cell.dapi]}, cell.voxel_size, compression="lz4")
    with h5py.File(path) as f:
        assert f.attrs["FormatVersion"] == "1.4"
        group = f["Data/3D"]
        assert group["000000"].dtype == np.uint16
        assert group.attrs["DataCount"][0] == 2
        assert (group.attrs["SizeZ"][0], group.attrs["SizeY"][0], group.attrs["SizeX"][0]) == SHAPE
        assert group.attrs["ResolutionZ"][0] == pytest.approx(0.195)
        assert f["Data/3DFL/CH0/000000"].dtype == np.uint16
        assert f["Data/3DFL"].attrs["ResolutionX"][0] == pytest.approx(0.098)
    source = open_image(path, modality="ri")
    np.testing.assert_allclose(source.volumes[1].load(), cell.ri, atol=0.51e-4)


def test_write_tcf_rejects_bad_input(tmp_path, cell):
    with pytest.raises(ValueError, match="at least one"):
        write_tcf(tmp_path / "a.tcf", [], None, cell.voxel_size)
    with pytest.raises(ValueError, match="same shape"):
        write_tcf(tmp_path / "b.tcf", [cell.ri, cell.ri[:, :64]], None, cell.voxel_size)
    with pytest.raises(ValueError, match="compression"):
        write_tcf(tmp_path / "c.tcf", [cell.ri], None, cell.voxel_size, compression="rar")
