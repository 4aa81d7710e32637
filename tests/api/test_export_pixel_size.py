"""Exported mask and label TIFFs carry the section's pixel size as ImageJ reads it (pixels per µm,
unit um), so areas measured in Fiji are in µm², not in pixels; a volume imported without a pixel
size is exported without one."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest
import tifffile

from annotations.models import Volume
from tests.api.test_export import annotated, download, sections  # noqa: F401

PIXEL_UM = 0.098  # make_volume's y and x voxel size


def tiffs(archive: zipfile.ZipFile) -> list[tifffile.TiffFile]:
    return [
        tifffile.TiffFile(io.BytesIO(archive.read(name)))
        for name in archive.namelist()
        if name.endswith(".tif")
    ]


def pixels_per_um(tif: tifffile.TiffFile) -> tuple[float, float]:
    tags = tif.pages[0].tags
    (xn, xd), (yn, yd) = tags["XResolution"].value, tags["YResolution"].value
    return xn / xd, yn / yd


@pytest.mark.parametrize("fmt", ["tiff", "labels"])
def test_exported_tiffs_measure_in_micrometres(api, reviewer, project, annotated, fmt):  # noqa: F811
    written = tiffs(download(api, reviewer, project, fmt))

    assert written
    for tif in written:
        assert tif.is_imagej and tif.imagej_metadata["unit"] == "um"
        assert pixels_per_um(tif) == pytest.approx((1 / PIXEL_UM, 1 / PIXEL_UM), rel=1e-6)
        assert tif.asarray().dtype in (np.uint8, np.uint16)


def test_without_a_pixel_size_none_is_claimed(api, reviewer, project, annotated):  # noqa: F811
    Volume.objects.update(voxel_size_y=None, voxel_size_x=None)

    for tif in tiffs(download(api, reviewer, project, "labels")):
        assert "unit" not in (tif.imagej_metadata or {})
        assert pixels_per_um(tif) == (1.0, 1.0)
