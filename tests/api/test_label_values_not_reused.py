"""A deleted class's label value is never given to a new class: models, evaluations, predictions
and exports made before still hold it with its old meaning. The editor and the labels export
work with the gaps this leaves (values 1, 2, 4)."""

from __future__ import annotations

import base64
import csv
import importlib
import io
import zipfile

import numpy as np
import pytest
import tifffile
from django.apps import apps

from annotations.imaging.labels import encode_class_map
from annotations.models import Project, Section
from annotations.selectors.editor import editor_label_set
from annotations.selectors.labels import label_class
from annotations.services.labels import label_class_add, label_class_delete
from annotations.services.labels.presets import preset_classes
from inference.class_target import ClassTarget
from inference.models import ModelVersion
from inference.services.evaluation.labels import scored_classes

SHAPE = (24, 32)
OLD_VERSION_CLASSES = [
    {"value": 1, "name": "nucleus", "kind": "instances"},
    {"value": 2, "name": "cytoplasm", "kind": "region"},
    {"value": 3, "name": "nucleolus", "kind": "instances"},
]


@pytest.fixture
def project_with_3(project) -> Project:
    project.label_classes = preset_classes("nucleus-cytoplasm")
    project.save(update_fields=["label_classes"])
    label_class_add(project=project, name="nucleolus", colour="#ff3d7f", kind="instances")
    project.refresh_from_db()
    return project


def _add(api, manager, project, name: str, **body):
    return api(manager).post(
        f"/api/projects/{project.slug}/labels/",
        {"name": name, "colour": "#4caf50", **body},
        format="json",
    )


def test_deleting_class_3_and_adding_one_gives_4(api, manager, project_with_3):
    project = project_with_3
    assert [c["value"] for c in project.label_classes] == [1, 2, 3]
    response = api(manager).delete(f"/api/projects/{project.slug}/labels/3/")
    assert response.status_code == 204, response.content

    added = _add(api, manager, project, "vesicle", kind="instances")

    assert added.status_code == 201, added.content
    assert added.json()["value"] == 4
    listed = api(manager).get(f"/api/projects/{project.slug}/labels/").json()
    assert [(c["value"], c["name"]) for c in listed["classes"]] == [
        (1, "nucleus"),
        (2, "cytoplasm"),
        (4, "vesicle"),
    ]
    # Deleting the newest class does not give its value back either.
    assert api(manager).delete(f"/api/projects/{project.slug}/labels/4/").status_code == 204
    assert _add(api, manager, project, "droplet").json()["value"] == 5


def test_a_trained_versions_class_list_still_names_the_deleted_class(manager, project_with_3):
    project = project_with_3
    version = ModelVersion.objects.create(
        project=project,
        name="three classes",
        arch="unet16",
        kind="final",
        config={
            "head_layout": {"n_classes": 4, "instance": None},
            "classes": OLD_VERSION_CLASSES,
        },
    )
    label_class_delete(project=project, value=3)
    new = label_class_add(project=project, name="vesicle", colour="#4caf50", kind="region")
    project.refresh_from_db()
    version.refresh_from_db()

    assert new["value"] == 4
    assert label_class(project, value=3) is None  # 3 means nothing in the project now
    scored = scored_classes(
        project.label_classes, version.config, ClassTarget(1, "nucleus", (1, 2, 4))
    )
    assert [(c["value"], c["name"], c["kind"]) for c in scored] == [
        (1, "nucleus", "instances"),
        (2, "cytoplasm", "region"),
        (3, "nucleolus", "instances"),
    ]


def test_the_editor_and_the_labels_export_carry_values_with_a_gap(
    api, manager, annotator, project_with_3, specimen, make_volume
):
    project = project_with_3
    label_class_delete(project=project, value=3)
    label_class_add(project=project, name="vesicle", colour="#4caf50", kind="region")
    project.refresh_from_db()
    section = Section.objects.get(volume=make_volume(specimen, shape=(1, *SHAPE)))

    config = editor_label_set(project)
    assert [c["value"] for c in config["classes"]] == [1, 2, 4]
    assert config["version"] == project.label_set_version

    class_map = np.zeros(SHAPE, np.uint8)
    class_map[2:10, 2:10] = 4
    class_map[12:20, 14:24] = 2
    body = {
        "base_revision": None,
        "mask_png": base64.b64encode(encode_class_map(class_map, [1, 2, 4])).decode(),
        "action": "submit",
    }
    url = f"/api/sections/{section.pk}/annotations/mine/"
    assert api(annotator).put(url, body, format="json").status_code == 200
    stale = class_map.copy()
    stale[20:22, 2:4] = 3  # the deleted class's value
    body["mask_png"] = base64.b64encode(encode_class_map(stale, [1, 2, 3, 4])).decode()
    refused = api(annotator).put(url, {**body, "base_revision": 1}, format="json")
    assert refused.status_code == 400 and "value(s) 3" in refused.json()["detail"]

    response = api(manager).get(f"/api/projects/{project.slug}/export/?format=labels")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    [name] = [n for n in archive.namelist() if n.endswith("_classes.tif")]
    exported = tifffile.imread(io.BytesIO(archive.read(name)))
    assert np.array_equal(exported.reshape(SHAPE), class_map)
    rows = list(csv.DictReader(io.StringIO(archive.read("instances.csv").decode())))
    assert rows == []  # two region classes: no instances


def test_the_last_label_value_is_given_once_then_adding_is_a_409(api, manager, project):
    project.label_value_high = 254
    project.save(update_fields=["label_value_high"])

    assert _add(api, manager, project, "last").json()["value"] == 255
    api(manager).delete(f"/api/projects/{project.slug}/labels/255/")
    spent = _add(api, manager, project, "one more")

    assert spent.status_code == 409, spent.content
    assert spent.json()["code"] == "label_values_spent"
    assert "1 to 255" in spent.json()["detail"]
    project.refresh_from_db()
    assert [c["value"] for c in project.label_classes] == [1]


def test_the_migration_takes_the_mark_from_versions_and_evaluations_of_deleted_classes(
    manager, project
):
    """A class deleted before the mark existed lives on only in the records that hold it."""
    ModelVersion.objects.create(
        project=project, name="old", arch="unet16", config={"classes": OLD_VERSION_CLASSES}
    )
    ModelVersion.objects.create(
        project=project, name="binary", arch="unet16", config={"target_value": 6}
    )
    other = Project.objects.create(slug="other", name="Other")
    migration = importlib.import_module("inference.migrations.0007_label_value_high_from_records")

    migration.forwards(apps, None)

    project.refresh_from_db()
    other.refresh_from_db()
    assert (project.label_value_high, other.label_value_high) == (6, 1)
    assert label_class_add(project=project, name="new", colour="#4caf50")["value"] == 7
