"""open_image: format detection, lazy handles and metadata (refusals: test_imaging_reader_errors.py)."""

from __future__ import annotations

from pathlib import Path

import h5py
import hdf5plugin
import numpy as np
import pytest
import tifffile
from PIL import Image

from annotations.demo import make_cell, write_tcf
from annotations.imaging import (
    ImageReadError,
    open_image,
)

SHAPE = (12, 48, 56)
VOXEL = (0.195, 0.098, 0.098)


@pytest.fixture(scope="module")
def cells():
    return [make_cell(seed=7, shape=SHAPE, time_point=t, growth=0.03 * t) for t in range(2)]


@pytest.fixture
def tcf(tmp_path, cells) -> Path:
    path = tmp_path / "cell.TCF"
    write_tcf(path, [c.ri for c in cells], {"CH0": [cells[0].dapi]}, VOXEL)
    return path


def ramp(shape, dtype=np.float32, start=1.33, stop=1.40) -> np.ndarray:
    return (
        np.linspace(start, stop, int(np.prod(shape)), dtype=np.float64).reshape(shape).astype(dtype)
    )


# --------------------------------------------------------------------------- TCF


def test_tcf_with_two_time_points_and_fluorescence_gives_three_handles(tcf, cells):
    source = open_image(tcf, modality="ri")

    assert source.format == "tcf"
    assert [(v.kind, v.channel, v.time_index) for v in source.volumes] == [
        ("label_free", "", 0),
        ("label_free", "", 1),
        ("fluorescence", "CH0", 0),
    ]
    assert all(v.shape == SHAPE for v in source.volumes)
    assert all(v.voxel_size == pytest.approx(VOXEL) for v in source.volumes)
    assert [v.units for v in source.volumes] == ["ri", "ri", "intensity"]
    for handle, cell in zip(source.volumes[:2], cells):
        volume = handle.load()
        assert volume.dtype == np.float32 and volume.shape == SHAPE
        np.testing.assert_allclose(volume, cell.ri, atol=0.51e-4)
    np.testing.assert_allclose(source.volumes[2].load(), np.rint(cells[0].dapi), atol=0)
    assert source.nbytes == 3 * int(np.prod(SHAPE)) * 2


def test_tcf_uint16_ri_is_divided_by_ten_thousand(tmp_path):
    path = tmp_path / "raw.tcf"
    raw = np.full(SHAPE, 13370, dtype=np.uint16)
    with h5py.File(path, "w") as f:
        f.create_dataset("Data/3D/000000", data=raw)
    volume = open_image(path, modality="ri").volumes[0].load()
    assert volume.dtype == np.float32
    np.testing.assert_allclose(volume, 1.337, rtol=1e-6)


def test_old_float_tcf_keeps_ri_and_reads_scalar_attributes(tmp_path):
    path = tmp_path / "old.TCF"
    ri = ramp(SHAPE)
    with h5py.File(path, "w") as f:
        group = f.create_group("Data/3D")
        group.attrs.update({"ResolutionX": 0.1, "ResolutionY": 0.11, "ResolutionZ": 0.2})
        group.create_dataset("000000", data=ri)
        fl = f.create_group("Data/3DFL")
        fl.attrs.update({"ResolutionX": 0.2, "ResolutionY": 0.2, "ResolutionZ": 0.4})
        fl.create_dataset("CH1/000000", data=np.ones((6, 24, 28), np.uint16))
    source = open_image(path, modality="ri")
    ri_handle, fl_handle = source.volumes
    np.testing.assert_array_equal(ri_handle.load(), ri)
    assert ri_handle.voxel_size == pytest.approx((0.2, 0.11, 0.1))
    # The stain has its own grid: it is read onto the tomogram's (tests/unit/test_tcf_fluorescence_grid.py).
    assert (fl_handle.channel, fl_handle.shape) == ("CH1", SHAPE)
    assert fl_handle.voxel_size == pytest.approx((0.2, 0.11, 0.1))
    assert "resampled onto the tomogram's grid" in fl_handle.note


def test_format_version_below_1_3_is_written_as_float(tmp_path, cells):
    path = tmp_path / "v12.tcf"
    write_tcf(path, [cells[0].ri], None, VOXEL, format_version="1.2")
    with h5py.File(path) as f:
        assert f["Data/3D/000000"].dtype == np.float32
        assert f["Data/3D"].attrs["DataCount"][0] == 1
    np.testing.assert_array_equal(open_image(path, modality="ri").volumes[0].load(), cells[0].ri)


@pytest.mark.parametrize("compression", ["zstd", "lz4", "blosc", "gzip"])
def test_compressed_tcf_reads(tmp_path, cells, compression):
    path = tmp_path / f"{compression}.TCF"
    write_tcf(path, [cells[0].ri], {"CH0": [cells[0].dapi]}, VOXEL, compression=compression)
    with h5py.File(path) as f:
        assert f["Data/3D/000000"].chunks is not None
    source = open_image(path, modality="ri")
    np.testing.assert_allclose(source.volumes[0].load(), cells[0].ri, atol=0.51e-4)


def test_hand_written_zstd_tcf_reads(tmp_path):
    path = tmp_path / "zstd.TCF"
    raw = (ramp(SHAPE) * 1e4).astype(np.uint16)
    with h5py.File(path, "w") as f:
        f.create_dataset("Data/3D/000000", data=raw, chunks=(4, 16, 16), **hdf5plugin.Zstd())
    volume = open_image(path, modality="ri").volumes[0].load()
    np.testing.assert_allclose(volume, raw / 1e4, rtol=1e-6)


def test_time_index_keeps_one_time_point(tcf, cells):
    source = open_image(tcf, modality="ri", time_index=1)
    assert [(v.kind, v.time_index) for v in source.volumes] == [("label_free", 1)]
    np.testing.assert_allclose(source.volumes[0].load(), cells[1].ri, atol=0.51e-4)


def test_missing_time_point_lists_available_ones(tcf):
    with pytest.raises(ImageReadError, match=r"Time point 5 .* 2 time point\(s\): 0, 1"):
        open_image(tcf, modality="ri", time_index=5)


def test_fluorescence_modality_on_tcf_returns_only_fluorescence(tcf):
    source = open_image(tcf, modality="fluorescence")
    assert [(v.kind, v.channel) for v in source.volumes] == [("fluorescence", "CH0")]


def test_tcf_channel_selection(tcf):
    with pytest.raises(ImageReadError, match="channel 'CH3'.*CH0"):
        open_image(tcf, modality="fluorescence", channel="CH3")


def test_tcf_refuses_2d_modalities(tcf):
    with pytest.raises(ImageReadError, match="choose the modality 'ri'"):
        open_image(tcf, modality="brightfield")


def test_open_is_lazy_and_load_reads_one_volume(tmp_path):
    path = tmp_path / "nan.TCF"
    good, bad = ramp(SHAPE), ramp(SHAPE)
    bad[3, 4, 5] = np.nan
    with h5py.File(path, "w") as f:
        f.create_dataset("Data/3D/000000", data=good)
        f.create_dataset("Data/3D/000001", data=bad)
    source = open_image(path, modality="ri")
    assert len(source.volumes) == 2
    np.testing.assert_array_equal(source.volumes[0].load(), good)
    with pytest.raises(ImageReadError, match="time point 1 .* 1 invalid value"):
        source.volumes[1].load()


def test_content_not_extension_decides_tcf(tmp_path, cells):
    path = tmp_path / "download.bin"
    write_tcf(path, [cells[0].ri], None, VOXEL)
    assert open_image(path, modality="ri").format == "tcf"


# --------------------------------------------------------------------------- generic HDF5


def test_generic_hdf5_requires_dataset_and_lists_available(tmp_path):
    path = tmp_path / "stack.h5"
    with h5py.File(path, "w") as f:
        f["group/volume"] = ramp(SHAPE)
        f["other"] = np.zeros((3, 3))
    with pytest.raises(ImageReadError, match=r"/group/volume \(12, 48, 56\)"):
        open_image(path, modality="ri")
    with pytest.raises(ImageReadError, match="Dataset 'missing' does not exist.*/other"):
        open_image(path, modality="ri", dataset="missing")
    with pytest.raises(ImageReadError, match="is a group"):
        open_image(path, modality="ri", dataset="group")


def test_generic_hdf5_4d_gives_time_points_and_voxel_size(tmp_path):
    path = tmp_path / "series.hdf5"
    data = np.stack([ramp(SHAPE), ramp(SHAPE) + 0.01])
    with h5py.File(path, "w") as f:
        ds = f.create_dataset("ri", data=data)
        ds.attrs["element_size_um"] = [0.2, 0.1, 0.1]
    source = open_image(path, modality="ri", dataset="ri")
    assert source.format == "hdf5"
    assert [v.time_index for v in source.volumes] == [0, 1]
    assert source.volumes[0].voxel_size == pytest.approx((0.2, 0.1, 0.1))
    np.testing.assert_array_equal(source.volumes[1].load(), data[1])


def test_generic_hdf5_2d_phase_becomes_single_section(tmp_path):
    path = tmp_path / "phase.h5"
    with h5py.File(path, "w") as f:
        f["phase"] = ramp((40, 50), start=0, stop=3)
    handle = open_image(path, modality="phase", dataset="phase", voxel_size=(0.1, 0.1)).volumes[0]
    assert handle.shape == (1, 40, 50)
    assert handle.voxel_size == pytest.approx((0.1, 0.1, 0.1))
    assert handle.load().shape == (1, 40, 50)


# --------------------------------------------------------------------------- TIFF


def test_imagej_tiff_stack_with_voxel_size_and_integer_ri(tmp_path):
    path = tmp_path / "stack.tif"
    raw = (ramp(SHAPE) * 1e4).astype(np.uint16)
    tifffile.imwrite(
        path,
        raw,
        imagej=True,
        resolution=(1 / 0.098, 1 / 0.098),
        metadata={"spacing": 0.195, "unit": "um", "axes": "ZYX"},
    )
    handle = open_image(path, modality="ri").volumes[0]
    assert handle.shape == SHAPE
    assert handle.voxel_size == pytest.approx(VOXEL)
    np.testing.assert_allclose(handle.load(), raw / 1e4, rtol=1e-6)


def test_ome_tiff_time_series(tmp_path):
    path = tmp_path / "series.ome.tif"
    data = np.stack([ramp(SHAPE), ramp(SHAPE) + 0.02])
    tifffile.imwrite(
        path,
        data,
        metadata={
            "axes": "TZYX",
            "PhysicalSizeX": 0.1,
            "PhysicalSizeY": 0.1,
            "PhysicalSizeZ": 0.25,
        },
    )
    source = open_image(path, modality="ri")
    assert [(v.time_index, v.shape) for v in source.volumes] == [(0, SHAPE), (1, SHAPE)]
    assert source.volumes[0].voxel_size == pytest.approx((0.25, 0.1, 0.1))
    np.testing.assert_array_equal(source.volumes[1].load(), data[1])


def test_plain_multipage_tiff_is_a_z_stack(tmp_path):
    path = tmp_path / "pages.tiff"
    data = ramp(SHAPE)
    with tifffile.TiffWriter(path) as writer:
        for plane in data:
            writer.write(plane)
    handle = open_image(path, modality="ri").volumes[0]
    assert handle.shape == SHAPE and handle.voxel_size is None
    np.testing.assert_array_equal(handle.load(), data)


def test_pillow_multipage_tiff_is_a_z_stack(tmp_path):
    path = tmp_path / "pillow.tif"
    planes = [ramp((32, 40), np.uint8, i, 200 + i) for i in range(4)]
    frames = [Image.fromarray(p) for p in planes]
    frames[0].save(path, save_all=True, append_images=frames[1:])
    handle = open_image(path, modality="brightfield").volumes[0]
    assert handle.shape == (4, 32, 40)
    np.testing.assert_array_equal(handle.load(), np.stack(planes))


def test_8bit_ri_is_refused(tmp_path):
    tifffile.imwrite(tmp_path / "ri8.tif", ramp(SHAPE, np.uint8, 0, 255))
    with pytest.raises(ImageReadError, match="8-bit"):
        open_image(tmp_path / "ri8.tif", modality="ri")


def test_multichannel_fluorescence_tiff(tmp_path):
    path = tmp_path / "fl.tif"
    data = np.random.default_rng(0).integers(0, 4000, (5, 2, 32, 40), dtype=np.uint16)
    tifffile.imwrite(path, data, imagej=True, metadata={"axes": "ZCYX"})
    source = open_image(path, modality="fluorescence")
    assert [v.channel for v in source.volumes] == ["CH0", "CH1"]
    np.testing.assert_array_equal(source.volumes[1].load(), data[:, 1])
    with pytest.raises(ImageReadError, match="2 channels"):
        open_image(path, modality="brightfield")


def test_rgb_tiff_brightfield_becomes_luminance(tmp_path):
    path = tmp_path / "bf.tif"
    rgb = np.zeros((32, 40, 3), np.uint8)
    rgb[..., 1] = 100
    tifffile.imwrite(path, rgb)
    handle = open_image(path, modality="brightfield").volumes[0]
    assert handle.shape == (1, 32, 40)
    np.testing.assert_allclose(handle.load(), 71.54, rtol=1e-4)


def test_single_channel_fluorescence_gets_user_channel_name(tmp_path):
    path = tmp_path / "dapi.tif"
    tifffile.imwrite(path, ramp((32, 32), start=0, stop=100))
    (handle,) = open_image(path, modality="fluorescence", channel="DAPI").volumes
    assert (handle.kind, handle.channel, handle.units) == ("fluorescence", "DAPI", "intensity")


# --------------------------------------------------------------------------- NPY and PNG


def test_npy_stack_with_given_voxel_size(tmp_path):
    path = tmp_path / "stack.npy"
    data = np.stack([ramp(SHAPE), ramp(SHAPE)])
    np.save(path, data)
    source = open_image(path, modality="ri", voxel_size=(0.2, 0.1, 0.1))
    assert source.format == "npy"
    assert [v.time_index for v in source.volumes] == [0, 1]
    assert source.volumes[0].voxel_size == (0.2, 0.1, 0.1)
    np.testing.assert_array_equal(source.volumes[1].load(), data[1])


def test_png_grey_and_rgb(tmp_path):
    grey = (ramp((30, 40), start=0, stop=255)).astype(np.uint8)
    Image.fromarray(grey).save(tmp_path / "grey.png")
    rgb = np.zeros((30, 40, 3), np.uint8)
    rgb[..., 0] = 200
    Image.fromarray(rgb).save(tmp_path / "rgb.png")

    handle = open_image(tmp_path / "grey.png", modality="phase").volumes[0]
    assert handle.shape == (1, 30, 40)
    np.testing.assert_array_equal(handle.load()[0], grey)
    rgb_handle = open_image(tmp_path / "rgb.png", modality="dic").volumes[0]
    np.testing.assert_allclose(rgb_handle.load(), 200 * 0.2125, rtol=1e-4)


def test_format_detected_by_content(tmp_path):
    tiff_path, npy_path = tmp_path / "image.dat", tmp_path / "stack.bin"
    tifffile.imwrite(tiff_path, ramp(SHAPE))
    with open(npy_path, "wb") as fh:
        np.save(fh, ramp(SHAPE))
    assert open_image(tiff_path, modality="ri").format == "tiff"
    assert open_image(npy_path, modality="ri").format == "npy"
