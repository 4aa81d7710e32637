"""An ImageJ hyperstack that keeps one IFD (as ImageJ saves stacks over 4 GB) is read one volume
at a time from the file, never whole."""

from __future__ import annotations

import struct

import numpy as np
import pytest
import tifffile

from annotations.imaging import open_image


def _imagej_one_ifd(path, data, byteorder="<"):
    tifffile.imwrite(
        path, data, imagej=True, byteorder=byteorder, metadata={"axes": "TZYX", "unit": "micron"}
    )
    fmt = "<" if byteorder == "<" else ">"
    with open(path, "r+b") as f:
        first = struct.unpack(fmt + "I", f.read(8)[4:8])[0]
        f.seek(first)
        (entries,) = struct.unpack(fmt + "H", f.read(2))
        f.seek(first + 2 + 12 * entries)
        f.write(struct.pack(fmt + "I", 0))  # the chain of IFDs ends at the first
    return path


@pytest.mark.parametrize("byteorder", ["<", ">"])
def test_one_ifd_hyperstack_reads_one_time_point_from_the_file(tmp_path, monkeypatch, byteorder):
    lapse = np.stack([np.full((5, 20, 24), 1.33 + 0.01 * t, np.float32) for t in range(4)])
    lapse[2, 3, 4, 5] = 1.399
    path = _imagej_one_ifd(tmp_path / "lapse.tif", lapse, byteorder)
    with tifffile.TiffFile(path) as tif:
        assert len(tif.pages) == 1 and tif.series[0].shape == lapse.shape
    source = open_image(path, modality="ri")

    def whole_file(*args, **kwargs):
        raise AssertionError("the whole series was read for one volume")

    monkeypatch.setattr(tifffile.TiffPageSeries, "asarray", whole_file)
    loaded = source.volumes[2].load()

    assert len(source.volumes) == 4
    np.testing.assert_array_equal(loaded, lapse[2])
