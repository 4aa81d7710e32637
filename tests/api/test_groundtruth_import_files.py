"""Label files as other tools save them. Instance label PNGs that are not plain grey: an indexed
PNG (a label LUT) is read by its palette indices, a colour PNG whose LUT repeats its colours is
refused with a 400 instead of being turned into grey values, which merges nuclei whose colours
have the same brightness (docs/imports.md, "Colour or planes"). A
damaged TIFF is refused as one; an HDF5 file's refusals name the upload's own field. A label image
saved with a trailing axis of one sample (y, x, 1), as the image beside it imports, is one section."""

from __future__ import annotations

import io

import h5py
import numpy as np
import pytest
import tifffile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from annotations.imaging.label_values import stored_labels
from annotations.models import GroundTruth
from tests.unit.test_mask_stacks import touching_disks

SHAPE = (64, 96)
# Red and a mid green have the same grey value (ITU-R 601 luma, PIL's "L": 76).
PALETTE = [0, 0, 0, 255, 0, 0, 0, 130, 0, 255, 0, 0, 0, 130, 0, 255, 0, 0]


def png(image: Image.Image) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return SimpleUploadedFile("labels.png", buffer.getvalue(), content_type="image/png")


def indexed(labels: np.ndarray) -> Image.Image:
    image = Image.fromarray(labels.astype(np.uint8), mode="P")
    image.putpalette(PALETTE + [0, 0, 0] * (256 - len(PALETTE) // 3))
    return image


@pytest.fixture
def one_section(make_volume, specimen, media_root):
    return make_volume(specimen, shape=(1, *SHAPE))


def post(client, specimen, upload):
    return client.post(
        f"/api/specimens/{specimen.pk}/ground-truth/",
        {"file": upload, "instances": "true"},
        format="multipart",
    )


def test_an_indexed_label_png_keeps_its_indices_as_ids(api, manager, specimen, one_section):
    labels = touching_disks()
    assert len(np.unique(labels)) - 1 == 5
    grey = np.asarray(indexed(labels).convert("L"))
    assert grey[32, 14] == grey[32, 30]  # neighbours 1 and 2 are one grey value

    response = post(api(manager), specimen, png(indexed(labels)))

    assert response.status_code == 201, response.content
    assert response.json()["instances"] == [5]
    truth = GroundTruth.objects.get(is_current=True)
    decoded = stored_labels(bytes(truth.mask_png), [1], [1], SHAPE).instances
    assert np.array_equal(decoded, labels)


def test_a_colour_label_png_is_refused_and_nothing_is_stored(api, manager, specimen, one_section):
    colours = np.asarray(indexed(touching_disks()).convert("RGB"))

    response = post(api(manager), specimen, png(Image.fromarray(colours, mode="RGB")))

    assert response.status_code == 400, response.content
    detail = response.json()["detail"]
    assert "labels.png is a colour PNG (mode RGB)" in detail
    assert "16-bit grey PNG or TIFF" in detail
    assert not GroundTruth.objects.exists()


def test_a_damaged_tiff_is_refused_as_damaged(api, manager, specimen, one_section):
    damaged = SimpleUploadedFile("labels.tif", b"II*\x00garbage!", content_type="image/tiff")

    response = post(api(manager), specimen, damaged)

    assert response.status_code == 400, response.content
    assert "labels.tif could not be read as a mask stack" in response.json()["detail"]
    assert not GroundTruth.objects.exists()


def test_an_hdf5_upload_says_which_field_names_its_dataset(
    api, manager, specimen, one_section, tmp_path
):
    path = tmp_path / "labels.h5"
    with h5py.File(path, "w") as f:
        f["group/labels"] = touching_disks()[np.newaxis]
    client = api(manager)

    def upload(**fields):
        file = SimpleUploadedFile("labels.h5", path.read_bytes())
        return client.post(
            f"/api/specimens/{specimen.pk}/ground-truth/",
            {"file": file, "instances": "true", **fields},
            format="multipart",
        )

    detail = upload().json()["detail"]
    assert "the field dataset of the upload" in detail and "/group/labels" in detail
    detail = upload(dataset="group").json()["detail"]
    assert "'group' in labels.h5 is a group, not a dataset" in detail
    assert not GroundTruth.objects.exists()
    assert upload(dataset="group/labels").status_code == 201


def test_a_cellpose_seg_npy_is_refused_unread_with_what_to_save_instead(
    api, manager, specimen, one_section
):
    buffer = io.BytesIO()
    np.save(buffer, {"masks": touching_disks(), "outlines": None}, allow_pickle=True)
    seg = SimpleUploadedFile("field_seg.npy", buffer.getvalue())

    response = post(api(manager), specimen, seg)

    assert response.status_code == 400, response.content
    detail = response.json()["detail"]
    assert "field_seg.npy holds Python objects, not an array" in detail
    assert "Save the masks as a 16-bit label TIFF or PNG" in detail
    assert not GroundTruth.objects.exists()


@pytest.mark.parametrize("kind", ["tif", "npy"])
def test_a_label_image_with_a_trailing_sample_axis_is_one_section(
    api, manager, specimen, one_section, kind
):
    labels = (touching_disks().astype(np.uint16) * 300)[..., None]  # (y, x, 1), ids above 255
    buffer = io.BytesIO()
    if kind == "tif":
        tifffile.imwrite(buffer, labels)
    else:
        np.save(buffer, labels)
    upload = SimpleUploadedFile(f"labels.{kind}", buffer.getvalue())

    response = post(api(manager), specimen, upload)

    assert response.status_code == 201, response.content
    assert response.json()["instances"] == [5]
    truth = GroundTruth.objects.get(is_current=True)
    stored = stored_labels(bytes(truth.mask_png), [1], [1], SHAPE).instances
    assert np.array_equal(stored, labels[..., 0])
