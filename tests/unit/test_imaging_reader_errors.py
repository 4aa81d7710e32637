"""open_image's refusals: damaged, mislabelled or impossible files get a message a biologist can act
on; planar 3- and 4-plane TIFFs are read as planes, not colours."""

from __future__ import annotations

import hashlib
from pathlib import Path

import h5py
import numpy as np
import pytest
import tifffile
from PIL import Image

from annotations.demo import make_cell, write_tcf
from annotations.imaging import ImageReadError, ImagingError, open_image, sha256_file
from tests.unit.test_imaging_readers import SHAPE, VOXEL, ramp


@pytest.fixture(scope="module")
def cells():
    return [make_cell(seed=7, shape=SHAPE, time_point=t, growth=0.03 * t) for t in range(2)]


# --------------------------------------------------------------------------- errors


def _write_bad_file(tmp_path: Path, case: str, cells) -> tuple[Path, dict]:
    path = tmp_path / case
    kwargs: dict = {"modality": "ri"}
    if case == "truncated.TCF":
        full = tmp_path / "full.TCF"
        write_tcf(full, [c.ri for c in cells], None, VOXEL)
        data = full.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif case == "random.tif":
        path.write_bytes(np.random.default_rng(0).bytes(4096))
    elif case == "empty.npy":
        path.write_bytes(b"")
    elif case == "truncated.tif":
        tifffile.imwrite(tmp_path / "full.tif", ramp(SHAPE))
        data = (tmp_path / "full.tif").read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif case == "truncated.npy":
        np.save(tmp_path / "full.npy", ramp(SHAPE))
        data = (tmp_path / "full.npy").read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif case == "truncated.png":
        Image.fromarray(ramp((64, 64), np.uint8, 0, 255)).save(tmp_path / "full.png")
        data = (tmp_path / "full.png").read_bytes()
        path.write_bytes(data[: len(data) // 2])
        kwargs["modality"] = "brightfield"
    elif case == "line.npy":
        np.save(path, ramp((100,)))
    elif case == "5d.npy":
        np.save(path, ramp((2, 2, 3, 20, 20)))
    elif case == "zero.npy":
        np.save(path, np.zeros((0, 20, 20), np.float32))
    elif case == "tiny.npy":
        np.save(path, ramp((5, 10, 40)))
    elif case == "complex.npy":
        np.save(path, np.zeros((4, 20, 20), np.complex64))
    elif case == "2d_ri.tif":
        tifffile.imwrite(path, ramp((40, 40)))
    elif case == "2d_ri.png":
        Image.fromarray(ramp((40, 40), np.uint8, 0, 255)).save(path)
    elif case == "no_dataset.h5":
        with h5py.File(path, "w") as f:
            f["a"] = ramp(SHAPE)
    elif case == "no_3d.TCF":
        with h5py.File(path, "w") as f:
            f["Data/2DMIP/000000"] = ramp((40, 40))
    elif case == "missing.tif":
        pass
    elif case == "modality.npy":
        np.save(path, ramp(SHAPE))
        kwargs["modality"] = "xray"
    return path, kwargs


BAD_FILES = {
    "truncated.TCF": "incomplete",
    "random.tif": "not a supported image file.*'.tif'",
    "empty.npy": "empty",
    "truncated.tif": "incomplete",
    "truncated.npy": "corrupt or incomplete",
    "truncated.png": "corrupt or incomplete",
    "line.npy": "1-dimensional",
    "5d.npy": "5-dimensional",
    "zero.npy": "no pixels",
    "tiny.npy": "at least 16×16",
    "complex.npy": "complex numbers",
    "2d_ri.tif": "refractive-index .* 3D",
    "2d_ri.png": "refractive-index .* 3D",
    "no_dataset.h5": "which dataset",
    "no_3d.TCF": "no /Data/3D",
    "missing.tif": "does not exist",
    "modality.npy": "Unknown imaging modality",
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_input_raises_helpful_error(tmp_path, cells, case):
    path, kwargs = _write_bad_file(tmp_path, case, cells)
    with pytest.raises(ImageReadError, match=BAD_FILES[case]) as info:
        open_image(path, **kwargs)
    assert isinstance(info.value, ImagingError) and isinstance(info.value, ValueError)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_values_detected_on_load(tmp_path, bad):
    data = ramp(SHAPE)
    data[0, 0, 0] = bad
    np.save(tmp_path / "bad.npy", data)
    handle = open_image(tmp_path / "bad.npy", modality="ri").volumes[0]
    with pytest.raises(ImageReadError, match="NaN or infinity"):
        handle.load()


@pytest.mark.parametrize("voxel_size", [(0, 0.1, 0.1), (0.1, -1, 0.1), (0.1,), (np.nan, 0.1, 0.1)])
def test_invalid_voxel_size(tmp_path, voxel_size):
    np.save(tmp_path / "ok.npy", ramp(SHAPE))
    with pytest.raises(ImageReadError, match="Voxel size"):
        open_image(tmp_path / "ok.npy", modality="ri", voxel_size=voxel_size)


def test_sha256_file_matches_hashlib(tmp_path):
    path = tmp_path / "blob.bin"
    payload = np.random.default_rng(1).bytes(100_003)
    path.write_bytes(payload)
    assert sha256_file(path, chunk=4096) == hashlib.sha256(payload).hexdigest()
    assert sha256_file(path) == hashlib.sha256(payload).hexdigest()


@pytest.mark.parametrize(
    ("planes", "dtype", "modality"),
    [
        (4, np.float32, "ri"),
        (3, np.uint16, "ri"),
        (3, np.uint16, "phase"),
        (4, np.float32, "dic"),
        (3, np.uint8, "brightfield"),  # 8-bit too: interleaved RGB is the colour picture
    ],
)
def test_a_3_or_4_plane_stack_saved_by_tifffile_is_read_as_planes(
    tmp_path, planes, dtype, modality
):
    # tifffile.imwrite stores a (3, y, x) or (4, y, x) array as one page of separate colour
    # planes unless told otherwise (written so here explicitly): the planes stay planes, not a
    # colour picture's luminance.
    stack = (ramp((planes, 32, 40)) * (1e4 if dtype != np.float32 else 1)).astype(dtype)
    path = tmp_path / "stack.tif"
    tifffile.imwrite(path, stack, photometric="rgb", planarconfig="separate")
    assert tifffile.TiffFile(path).series[0].axes == "SYX"

    handle = open_image(path, modality=modality).volumes[0]
    loaded = handle.load()

    assert loaded.shape == stack.shape
    expected = stack.astype(np.float64) / (1e4 if modality == "ri" and dtype != np.float32 else 1)
    np.testing.assert_allclose(loaded, expected, rtol=1e-6)
