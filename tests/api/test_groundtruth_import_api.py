"""POST /api/specimens/<id>/ground-truth/: the REST form of import_masks. Instance label images
are stored as instance maps (their ids kept); refusals are 400/409 and change nothing."""

from __future__ import annotations

import io

import numpy as np
import pytest
import tifffile
from django.core.files.uploadedfile import SimpleUploadedFile

from annotations.imaging.label_values import stored_labels
from annotations.models import GroundTruth
from annotations.services.labels import label_class_add
from tests.unit.test_mask_stacks import touching_disks

SHAPE = (64, 96)


def tiff(array: np.ndarray, name: str = "labels.tif") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    tifffile.imwrite(buffer, array, photometric="minisblack")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/tiff")


def post(client, specimen, **fields):
    return client.post(f"/api/specimens/{specimen.pk}/ground-truth/", fields, format="multipart")


def stored() -> list[tuple]:
    return list(
        GroundTruth.objects.order_by("id").values_list("section__z", "version", "is_current")
    )


@pytest.fixture
def volume(make_volume, specimen, media_root):
    return make_volume(specimen, shape=(2, *SHAPE))


def labels_stack() -> np.ndarray:
    disks = touching_disks()
    second = disks.copy()
    second[second == 5] = 0
    return np.stack([disks, second]).astype(np.uint16)


def test_an_instance_image_is_stored_with_its_ids(api, manager, specimen, volume):
    labels = labels_stack()
    response = post(api(manager), specimen, file=tiff(labels), instances="true")
    assert response.status_code == 201, response.content
    assert response.json() == {
        "volume": volume.pk,
        "time": 0,
        "sections": 2,
        "stored_as": "instance maps",
        "instances": [5, 4],
        "instances_in_volume": 5,
        "merged": None,
        "stored_sections": [0, 1],
        "summary": None,
    }
    for truth in GroundTruth.objects.filter(is_current=True).select_related("section"):
        decoded = stored_labels(bytes(truth.mask_png), [1], [1], SHAPE)
        assert decoded.stored_instances  # the export's numbered_by = stored
        assert np.array_equal(decoded.instances, labels[truth.section.z])
        assert set(decoded.classes.values()) == {1}
        assert truth.params["instances"] == len(np.unique(labels[truth.section.z])) - 1


def test_touching_instances_stay_apart(api, manager, specimen, volume):
    post(api(manager), specimen, file=tiff(labels_stack()), instances="true")
    truth = GroundTruth.objects.get(section__z=0, is_current=True)
    decoded = stored_labels(bytes(truth.mask_png), [1], [1], SHAPE)
    assert len(np.unique(decoded.instances[decoded.instances > 0])) == 5  # not 1 component


def test_ids_over_65535_are_renumbered_once_for_the_whole_stack(api, manager, specimen, volume):
    labels = labels_stack().astype(np.int32)
    labels[labels > 0] += 70_000
    response = post(api(manager), specimen, file=tiff(labels), instances="true")
    assert response.status_code == 201, response.content
    decoded = {
        t.section.z: stored_labels(bytes(t.mask_png), [1], [1], SHAPE).instances
        for t in GroundTruth.objects.select_related("section")
    }
    # disk 1 keeps one id in both sections
    assert decoded[0][32, 14] == decoded[1][32, 14] == 1


def test_a_class_map_is_imported_in_a_multi_class_project(api, manager, project, specimen, volume):
    label_class_add(project=project, name="cytoplasm", colour="#ffb000", kind="region")
    class_map = np.zeros((2, *SHAPE), np.uint8)
    class_map[:, 5:20, 5:30] = 2
    class_map[:, 8:12, 8:12] = 1
    response = post(api(manager), specimen, file=tiff(class_map, "classes.tif"))
    assert response.status_code == 201, response.content
    assert response.json()["stored_as"] == "class maps"
    truth = GroundTruth.objects.get(section__z=1)
    assert np.array_equal(
        stored_labels(bytes(truth.mask_png), [1, 2], [1], SHAPE).class_map, class_map[1]
    )


def test_the_class_option_names_the_class(api, manager, project, specimen, volume):
    label_class_add(project=project, name="nucleolus", colour="#ffb000", kind="instances")
    response = post(
        api(manager),
        specimen,
        file=tiff(labels_stack()),
        instances="true",
        **{"class": "Nucleolus"},
    )
    assert response.status_code == 201, response.content
    truth = GroundTruth.objects.get(section__z=0)
    assert set(stored_labels(bytes(truth.mask_png), [1, 2], [1, 2], SHAPE).classes.values()) == {2}


def refused(response, status: int) -> dict:
    assert response.status_code == status, response.content
    return response.json()


def test_refusals_change_nothing(api, manager, project, specimen, volume):
    client = api(manager)
    post(client, specimen, file=tiff((labels_stack() > 0).astype(np.uint8)))
    before = stored()
    assert before == [(0, 1, True), (1, 1, True)]

    body = refused(post(client, specimen, file=tiff(labels_stack())), 400)
    assert "6 distinct values" in body["detail"]
    assert "import_masks --instances" in body["detail"]  # the command's own message
    negative = np.full((2, *SHAPE), -1, np.int32)
    body = refused(post(client, specimen, file=tiff(negative), instances="true"), 400)
    assert "negative values" in body["detail"]
    body = refused(post(client, specimen, file=tiff(labels_stack()[:1]), instances="true"), 400)
    assert "must match section by section" in body["detail"]
    binary = tiff((labels_stack() > 0).astype(np.uint8))
    body = refused(post(client, specimen, file=binary, **{"class": "membrane"}), 400)
    assert "has no class “membrane”" in body["detail"]
    bad = SimpleUploadedFile("notes.txt", b"hello", content_type="text/plain")
    body = refused(post(client, specimen, file=bad), 400)
    assert "is not a .npy, TIFF, HDF5 or PNG file" in body["detail"]
    body = refused(post(client, specimen, file=tiff(labels_stack()), time="3"), 400)
    assert "no label-free volume at time point 3" in body["detail"]
    assert stored() == before


def test_a_project_without_instance_class_is_a_409(api, manager, project, specimen, volume):
    project.label_classes = [
        {"value": 2, "name": "membrane", "colour": "#ff0000", "shortcut": "", "kind": "region"}
    ]
    project.save(update_fields=["label_classes"])
    body = refused(post(api(manager), specimen, file=tiff(labels_stack()), instances="true"), 409)
    assert body["code"] == "no_instance_class"
    assert "has no instance class" in body["detail"]
    assert not GroundTruth.objects.exists()


@pytest.mark.parametrize("role", ["annotator", "reviewer"])
def test_only_managers_import(api, request, specimen, volume, role):
    user = request.getfixturevalue(role)
    refused(post(api(user), specimen, file=tiff(labels_stack()), instances="true"), 403)
    assert not GroundTruth.objects.exists()


def test_outsiders_get_a_404(api, outsider, specimen, volume):
    refused(post(api(outsider), specimen, file=tiff(labels_stack())), 404)
