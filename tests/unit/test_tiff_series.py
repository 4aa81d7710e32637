"""A TIFF of several images (OME positions, cells): the first is imported and the import says
which others it left out, where they were dropped without a word."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile

from annotations.imaging import open_image
from annotations.services.imports import ImportOptions, import_file
from tests.data_files import ri_stack

OME = {"axes": "ZYX", "PhysicalSizeX": 0.1, "PhysicalSizeY": 0.1, "PhysicalSizeZ": 0.2}


def _positions(path, *stacks):
    with tifffile.TiffWriter(path, ome=True) as tif:
        for stack in stacks:
            tif.write(stack, metadata=OME if stack.ndim == 3 else {"axes": "YX"})
    return path


def test_tiff_of_several_images_reads_the_first_and_names_the_others(tmp_path):
    first, second = ri_stack((4, 32, 32)), ri_stack((6, 40, 40), seed=1)
    path = _positions(tmp_path / "positions.ome.tif", first, second)

    (volume,) = open_image(path, modality="ri").volumes

    np.testing.assert_array_equal(volume.load(), first)
    assert "holds 2 images (series); only the first (4×32×32)" in volume.note
    assert "not the other 1 (6×40×40)" in volume.note


def test_stack_saved_one_plane_per_series_is_one_stack_without_a_note(tmp_path):
    stack = ri_stack((4, 32, 32))
    path = _positions(tmp_path / "planes.ome.tif", *stack)

    (volume,) = open_image(path, modality="ri").volumes

    assert volume.shape == (4, 32, 32) and volume.note == ""


@pytest.mark.django_db
def test_import_of_several_images_warns_once(project, tmp_path, media_root):
    path = _positions(tmp_path / "cells.ome.tif", ri_stack(), ri_stack(seed=2), ri_stack(seed=3))
    options, _ = ImportOptions.take({"modality": "ri"})

    result = import_file(path=path, project=project, specimen_name="cell-01", options=options)

    assert [w for w in result.warnings if "images (series)" in w] == [
        "'cells.ome.tif' holds 3 images (series); only the first (4×32×32) was read, not the "
        "other 2 (4×32×32, 4×32×32). Export each image as its own file to import it."
    ]
