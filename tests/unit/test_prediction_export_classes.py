"""The nuclei CSV names each nucleus's class: a version with several classes gives the class it
predicted for each one (``instance_classes``), a binary version its one target class."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from annotations.models import Specimen
from annotations.services.labels.presets import preset_classes
from inference.models import Prediction, PredictionResult
from inference.services.prediction.export import nuclei_csv
from tests.helpers_evaluation import tiny_model_version


def _result(project, make_volume, version, nuclei, instance_classes=None):
    specimen = Specimen.objects.create(project=project, name=f"cell-{len(nuclei)}")
    volume = make_volume(specimen, np.full((1, 8, 8), 1.34, np.float32))
    prediction = Prediction.objects.create(project=project, model_version=version)
    return PredictionResult.objects.create(
        prediction=prediction,
        model_version=version,
        volume=volume,
        specimen=specimen,
        nuclei=[{"id": n, "voxel_count": 10} for n in nuclei],
        instance_classes=instance_classes or {},
    )


def _table(results) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(nuclei_csv(results))))


@pytest.mark.django_db
def test_each_nucleus_row_names_the_class_the_version_predicted(project, make_volume):
    project.label_classes = [
        *preset_classes("nucleus-cytoplasm"),
        {
            "value": 3,
            "name": "nucleolus",
            "colour": "#ffcc00",
            "shortcut": "3",
            "kind": "instances",
        },
    ]
    project.save(update_fields=["label_classes"])
    version = tiny_model_version(project)
    version.config = {
        **version.config,
        "head_layout": {"n_classes": 3, "instance": "distance"},
        "classes": [
            {"value": 1, "name": "nucleus", "kind": "instances"},
            {"value": 3, "name": "nucleolus", "kind": "instances"},
        ],
    }
    version.save()
    result = _result(project, make_volume, version, [1, 2, 5], {"1": 1, "2": 3, "5": 1})
    rows = _table([result])
    assert [(r["nucleus"], r["class_value"], r["class_name"]) for r in rows] == [
        ("1", "1", "nucleus"),
        ("2", "3", "nucleolus"),
        ("5", "1", "nucleus"),
    ]


@pytest.mark.django_db
def test_a_binary_version_names_its_target_class(project, make_volume):
    project.label_classes = preset_classes("nucleus-cytoplasm")
    project.save(update_fields=["label_classes"])
    version = tiny_model_version(project)
    version.config = {**version.config, "target_value": 2}
    version.save()
    rows = _table([_result(project, make_volume, version, [1, 2])])
    assert {(r["class_value"], r["class_name"]) for r in rows} == {("2", "cytoplasm")}
    before_label_sets = tiny_model_version(project, name="old")  # no target recorded: nucleus
    rows = _table([_result(project, make_volume, before_label_sets, [4])])
    assert [(r["class_value"], r["class_name"]) for r in rows] == [("1", "nucleus")]
