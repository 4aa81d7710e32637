"""Colour files end to end: the image import and the ground-truth upload read an 8-bit RGB TIFF
by one rule (docs/imports.md, "Colour or planes"), so a mask saved in colour fits the section
its image became, a colour-coded label image is stored as instances, a true colour image is a
400 that stores nothing, and a short stack written from NumPy (separate planes) is a stack for
both."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile
from django.core.files.uploadedfile import SimpleUploadedFile

from annotations.imaging.label_values import stored_labels
from annotations.models import GroundTruth, Volume
from annotations.services.imports import ImportOptions, import_file
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


def import_brightfield(project, path, specimen_name: str, sections: int) -> None:
    """Import ``path`` as a bright-field image, which must become ``sections`` sections."""
    result = import_file(
        path=path,
        project=project,
        specimen_name=specimen_name,
        options=ImportOptions(modality="brightfield"),
    )
    assert result.volumes == [("brightfield", "", 0, (sections, H, W))]


@pytest.fixture
def one_section(project, tmp_path, media_root):
    """A bright-field image imported from an 8-bit RGB TIFF: one section."""
    import_brightfield(project, write(tmp_path / "bf.tif", colour_photo(), planar=False), "f1", 1)
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


def test_a_grey_mask_saved_as_rgb_fits_the_one_section(api, manager, one_section, tmp_path):
    file = upload(tmp_path, "mask.tif", as_rgb(grey_mask()), planar=False)

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
    file = upload(tmp_path, "photo.tif", colour_photo(), planar=False)

    response = post(api(manager), specimen_id(), file, instances=instances)

    assert response.status_code == 400, response.content
    detail = response.json()["detail"]
    assert detail.startswith("photo.tif is a colour TIFF (RGB)")
    assert "Export the mask as a grey image" in detail
    assert not GroundTruth.objects.exists()


def test_a_three_section_stack_and_its_labels_written_from_numpy_are_three_sections(
    api, manager, project, tmp_path, media_root
):
    image = np.random.default_rng(1).integers(0, 256, (3, H, W), dtype=np.uint8)
    labels = np.zeros((3, H, W), np.uint8)
    labels[:, 5:15, 5:15] = 1
    labels[1:, 25:35, 20:40] = 2
    image_path, labels_path = tmp_path / "stack.tif", tmp_path / "stack_labels.tif"
    # As tifffile.imwrite writes (3, y, x) arrays with no options: RGB in separate planes.
    for path, array in ((image_path, image), (labels_path, labels)):
        tifffile.imwrite(path, array, photometric="rgb", planarconfig="separate")
    import_brightfield(project, image_path, "s1", 3)
    file = SimpleUploadedFile("stack_labels.tif", labels_path.read_bytes())

    response = post(api(manager), specimen_id(), file, instances="true")

    assert response.status_code == 201, response.content
    assert response.json()["sections"] == 3
    assert response.json()["instances"] == [1, 2, 2]
