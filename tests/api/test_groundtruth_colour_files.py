"""Colour files end to end: the image import and the ground-truth upload read an 8-bit RGB TIFF
by one rule (docs/imports.md, "Colour or planes"), so a mask saved in colour fits the section
its image became, a colour-coded label image is stored as instances, and a true colour image is
a 400 that stores nothing."""

from __future__ import annotations

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from annotations.imaging.label_values import stored_labels
from annotations.models import GroundTruth, Volume
from annotations.services.imports import import_file
from tests.unit.test_colour_files import (
    H,
    W,
    as_rgb,
    colour_labels,
    colour_photo,
    grey_mask,
    write,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def one_section(project, tmp_path, media_root):
    """A bright-field image imported from an 8-bit RGB TIFF of separate planes: one section."""
    path = write(tmp_path / "bf.tif", colour_photo(), planar=True)
    result = import_file(path=path, project=project, specimen_name="f1", modality="brightfield")
    assert result.volumes == [("brightfield", "", 0, (1, H, W))]
    return Volume.objects.get()


def upload(tmp_path, name, rgb, *, planar):
    path = write(tmp_path / name, rgb, planar=planar)
    return SimpleUploadedFile(name, path.read_bytes(), content_type="image/tiff")


def post(client, specimen_id, file, **fields):
    return client.post(
        f"/api/specimens/{specimen_id}/ground-truth/", {"file": file, **fields}, format="multipart"
    )


def specimen_id() -> int:
    return Volume.objects.get().specimen_id


def test_a_grey_mask_saved_as_rgb_planes_fits_the_one_section(api, manager, one_section, tmp_path):
    file = upload(tmp_path, "mask.tif", as_rgb(grey_mask()), planar=True)

    response = post(api(manager), specimen_id(), file)

    assert response.status_code == 201, response.content
    assert response.json()["sections"] == 1
    truth = GroundTruth.objects.get(is_current=True)
    assert truth.foreground_pixels == int(np.count_nonzero(grey_mask()))


def test_a_colour_coded_label_image_is_stored_as_instances(api, manager, one_section, tmp_path):
    rgb, ids = colour_labels()

    response = post(
        api(manager),
        specimen_id(),
        upload(tmp_path, "labels.tif", rgb, planar=False),
        instances="true",
    )

    assert response.status_code == 201, response.content
    assert response.json()["instances"] == [3]
    truth = GroundTruth.objects.get(is_current=True)
    assert np.array_equal(stored_labels(bytes(truth.mask_png), [1], [1], (H, W)).instances, ids)


@pytest.mark.parametrize("instances", ["false", "true"])
def test_a_true_colour_image_is_refused_and_nothing_is_stored(
    api, manager, one_section, tmp_path, instances
):
    file = upload(tmp_path, "photo.tif", colour_photo(), planar=True)

    response = post(api(manager), specimen_id(), file, instances=instances)

    assert response.status_code == 400, response.content
    detail = response.json()["detail"]
    assert detail.startswith("photo.tif is a colour TIFF (RGB, in separate planes)")
    assert "Export the mask as a grey image" in detail
    assert not GroundTruth.objects.exists()
