"""Saving class maps and instance maps through the annotator's API, and the refusals (400,
nothing stored) of masks that do not fit the project's label set (docs/labels.md, "Drawing")."""

from __future__ import annotations

import base64
import io
import zipfile

import numpy as np
import pytest
import tifffile

from annotations.imaging.label_values import stored_labels
from annotations.imaging.labels import encode_class_map, encode_instance_map
from annotations.imaging.masks import encode_mask
from annotations.models import AnnotationRevision, Section
from annotations.services.labels.changes import (
    label_class_add,
    label_class_delete,
    label_class_update,
)
from annotations.services.labels.presets import preset_classes
from tests.api.test_annotation_bad_masks import png_bytes

SHAPE = (40, 60)  # height, width
VALUES = (1, 2)


@pytest.fixture
def section(project, specimen, make_volume):
    project.label_classes = preset_classes("nucleus-cytoplasm")
    project.save(update_fields=["label_classes"])
    return Section.objects.get(volume=make_volume(specimen, shape=(1, *SHAPE)))


def drawing() -> tuple[np.ndarray, dict[int, int]]:
    """Cytoplasm around two touching nuclei (ids 1 and 2), as the editor saves it (id 3: the
    cytoplasm's area)."""
    instances = np.zeros(SHAPE, np.uint16)
    instances[5:35, 5:55] = 3
    instances[10:30, 10:30] = 1
    instances[10:30, 30:50] = 2
    return instances, {1: 1, 2: 1, 3: 2}


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def put(api, user, section, **body):
    body.setdefault("base_revision", None)
    return api(user).put(f"/api/sections/{section.pk}/annotations/mine/", body, format="json")


def put_class_map(api, user, section, class_map: np.ndarray, instances=None):
    """Save ``class_map`` (or a grey binary mask) as a plain PNG, with the PNG of ``instances``
    beside it when given."""
    body = {"mask_png": b64(png_bytes(class_map))}
    if instances is not None:
        body["instances_png"] = b64(png_bytes(instances))
    return put(api, user, section, **body)


def stored(section) -> AnnotationRevision:
    return AnnotationRevision.objects.filter(annotation__section=section).latest("number")


def decoded(section, revision=None):
    revision = revision or stored(section)
    return stored_labels(bytes(revision.mask_png), VALUES, (1,), section.shape)


def database(section) -> list:
    return list(
        AnnotationRevision.objects.filter(annotation__section=section)
        .order_by("pk")
        .values_list("pk", "number", "mask_png")
    )


def test_an_instance_map_is_stored_with_its_instances(api, annotator, section):
    instances, classes = drawing()
    response = put(
        api, annotator, section, mask_png=b64(encode_instance_map(instances, classes, VALUES))
    )
    assert response.status_code == 200, response.content
    labels = decoded(section)
    assert labels.stored_instances
    nuclei = sorted(i for i, v in labels.classes.items() if v == 1)
    assert len(nuclei) == 2
    assert {int(np.count_nonzero(labels.instances == i)) for i in nuclei} == {400}
    assert int(np.count_nonzero(labels.class_map == 2)) == 50 * 30 - 800
    assert stored(section).foreground_pixels == 50 * 30
    # The editor gets the same bytes back, so a reload shows the same two nuclei.
    mine = api(annotator).get(f"/api/sections/{section.pk}/annotations/mine/").json()
    assert base64.b64decode(mine["mask_png"]) == bytes(stored(section).mask_png)


def test_a_class_map_with_instances_beside_it_is_stored_as_an_instance_map(api, annotator, section):
    instances, classes = drawing()
    class_map = np.zeros(SHAPE, np.uint8)
    class_map[instances == 3] = 2
    class_map[(instances == 1) | (instances == 2)] = 1
    nuclei = np.where(class_map == 1, instances, 0).astype(np.uint16)
    response = put_class_map(api, annotator, section, class_map, instances=nuclei)
    assert response.status_code == 200, response.content
    labels = decoded(section)
    assert np.array_equal(labels.class_map, class_map)
    assert sorted(v for v in labels.classes.values() if v == 1) == [1, 1]


def test_a_class_map_is_stored_as_a_class_map(api, annotator, section):
    class_map = np.zeros(SHAPE, np.uint8)
    class_map[5:35, 5:55] = 2
    class_map[10:30, 10:30] = 1
    response = put_class_map(api, annotator, section, class_map)
    assert response.status_code == 200, response.content
    assert bytes(stored(section).mask_png) == encode_class_map(class_map, VALUES)
    assert np.array_equal(decoded(section).class_map, class_map)


def test_a_nucleus_project_keeps_binary_bytes_until_nuclei_touch(
    api, annotator, project, specimen, make_volume
):
    section = Section.objects.get(volume=make_volume(specimen, shape=(1, *SHAPE)))
    apart = np.zeros(SHAPE, np.uint16)
    apart[5:15, 5:15], apart[20:30, 20:30] = 1, 2
    response = put(
        api, annotator, section, mask_png=b64(encode_instance_map(apart, {1: 1, 2: 1}, [1]))
    )
    assert response.status_code == 200, response.content
    assert bytes(stored(section).mask_png) == encode_mask(apart > 0)
    touching = apart.copy()
    touching[5:15, 15:25] = 2  # a second nucleus cut from the first along x = 15
    response = put(
        api,
        annotator,
        section,
        base_revision=1,
        mask_png=b64(encode_instance_map(touching, {1: 1, 2: 1}, [1])),
    )
    assert response.status_code == 200, response.content
    labels = stored_labels(bytes(stored(section).mask_png), [1], [1], SHAPE)
    assert labels.stored_instances and len(labels.classes) == 2


def test_revisions_and_the_stale_save_work_with_instance_maps(api, annotator, section):
    instances, classes = drawing()
    first = b64(encode_instance_map(instances, classes, VALUES))
    assert put(api, annotator, section, mask_png=first).status_code == 200
    merged = np.where(instances == 2, 1, instances).astype(np.uint16)
    second = b64(encode_instance_map(merged, {1: 1, 3: 2}, VALUES))
    assert put(api, annotator, section, base_revision=1, mask_png=second).status_code == 200
    # The same save again (its answer lost): no new revision.
    assert put(api, annotator, section, base_revision=1, mask_png=second).json()["revision"] == 2
    before = database(section)
    stale = put(api, annotator, section, base_revision=1, mask_png=first)
    assert stale.status_code == 409 and stale.json()["code"] == "stale_revision"
    assert database(section) == before
    history = (
        api(annotator)
        .get(f"/api/annotations/{stored(section).annotation_id}/revisions/?include_masks=1")
        .json()
    )
    counts = [
        sum(
            v == 1
            for v in stored_labels(
                base64.b64decode(r["mask_png"]), VALUES, (1,), SHAPE
            ).classes.values()
        )
        for r in sorted(history, key=lambda r: r["number"])
    ]
    assert counts == [2, 1]


def _overlapping() -> dict:
    class_map = np.zeros(SHAPE, np.uint8)
    class_map[5:35, 5:30], class_map[5:35, 30:55] = 1, 2
    ids = np.zeros(SHAPE, np.uint16)
    ids[10:30, 20:40] = 1  # spans the nucleus and the cytoplasm
    return {"mask_png": b64(png_bytes(class_map)), "instances_png": b64(png_bytes(ids))}


def _unknown_value() -> dict:
    class_map = np.zeros(SHAPE, np.uint8)
    class_map[5:10, 5:10] = 7
    return {"mask_png": b64(png_bytes(class_map))}


def _unknown_in_table() -> dict:
    instances, _ = drawing()
    return {"mask_png": b64(encode_instance_map(instances, {1: 1, 2: 1, 3: 9}, [1, 2, 9]))}


REFUSED = {
    "a value not in the label set": (_unknown_value, "label value(s) 7, which are not classes"),
    "a class table naming an unknown class": (_unknown_in_table, "label value(s) 9"),
    "an instance over two classes": (_overlapping, "Instance 1 covers class 1 and class 2"),
}


@pytest.mark.parametrize("case", list(REFUSED), ids=list(REFUSED))
def test_masks_that_do_not_fit_the_label_set_are_refused(api, annotator, section, case):
    make, says = REFUSED[case]
    instances, classes = drawing()
    assert (
        put(
            api, annotator, section, mask_png=b64(encode_instance_map(instances, classes, VALUES))
        ).status_code
        == 200
    )
    before = database(section)
    response = put(api, annotator, section, base_revision=1, **make())
    assert response.status_code == 400, response.content
    assert says in response.json()["detail"]
    assert database(section) == before


def _old_drawing(section) -> dict:
    instances, classes = drawing()
    return {
        "mask_png": b64(encode_instance_map(instances, classes, VALUES)),
        "label_set_version": 1,
    }


def test_a_mask_drawn_under_a_deleted_class_is_refused_with_reload(api, annotator, section):
    label_class_delete(project=section.project, value=2)
    response = put(api, annotator, section, **_old_drawing(section))
    assert response.status_code == 400, response.content
    detail = response.json()["detail"]
    assert "classes changed since this mask was drawn" in detail and "Reload" in detail
    assert "value(s) 2" in detail
    assert database(section) == []


def test_a_mask_holding_a_class_whose_kind_changed_is_refused(api, annotator, section):
    label_class_update(project=section.project, value=2, kind="instances")
    response = put(api, annotator, section, **_old_drawing(section))
    assert response.status_code == 400 and "Reload" in response.json()["detail"]
    assert database(section) == []


def test_a_new_class_that_leaves_the_mask_valid_still_saves(api, annotator, section):
    label_class_add(project=section.project, name="membrane", colour="#ff00ff")
    section.project.refresh_from_db()
    assert section.project.label_set_version == 2
    response = put(api, annotator, section, **_old_drawing(section))
    assert response.status_code == 200, response.content
    assert len(database(section)) == 1


def test_the_label_set_version_counts_meaning_changes_only(section, manager):
    project = section.project
    label_class_update(project=project, value=2, name="cell body")
    project.refresh_from_db()
    assert project.label_set_version == 1
    label_class_add(project=project, name="nucleolus", colour="#ff00ff", kind="instances")
    label_class_update(project=project, value=3, kind="region")
    label_class_delete(project=project, value=3)
    project.refresh_from_db()
    assert project.label_set_version == 4
    assert project.label_class_since == {}


def test_over_65535_instances_are_refused(api, annotator, project, specimen, make_volume):
    """A cytoplasm drawn as a checkerboard: 80,000 separate areas, each stored under an id."""
    project.label_classes = preset_classes("nucleus-cytoplasm")
    project.save(update_fields=["label_classes"])
    section = Section.objects.get(volume=make_volume(specimen, shape=(1, 400, 400)))
    yy, xx = np.indices((400, 400))
    class_map = np.where((yy + xx) % 2 == 0, 2, 0).astype(np.uint8)
    none = np.zeros((400, 400), np.uint16)
    response = put_class_map(api, annotator, section, class_map, instances=none)
    assert response.status_code == 400, response.content
    assert (
        "holds 80,000 instances; a 16-bit label image holds at most 65,535"
        in response.json()["detail"]
    )
    assert database(section) == []


def test_the_tiff_export_shows_an_instance_maps_foreground(api, annotator, section):
    instances, classes = drawing()
    encoded = b64(encode_instance_map(instances, classes, VALUES))
    assert put(api, annotator, section, mask_png=encoded, action="submit").status_code == 200
    response = api(annotator).get(f"/api/projects/{section.project.slug}/export/?format=tiff")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    [name] = [n for n in archive.namelist() if n.endswith(".tif")]
    page = tifffile.imread(io.BytesIO(archive.read(name)))
    assert np.array_equal(page.reshape(SHAPE) > 0, instances > 0)


def test_a_binary_mask_is_class_1_in_a_project_of_several_classes(api, annotator, section):
    binary = np.zeros(SHAPE, np.uint8)
    binary[5:15, 5:15] = 255
    response = put_class_map(api, annotator, section, binary)
    assert response.status_code == 200, response.content
    assert bytes(stored(section).mask_png) == encode_mask(binary > 0)
