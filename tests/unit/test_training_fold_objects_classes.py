"""A fold of a project with two instance classes scores each class's held-out nuclei on their own,
named by the class, as an evaluation scores each class value; the job summary, its page and
``manage.py train`` give each class's numbers; one instance class keeps its numbers as they were."""

from __future__ import annotations

import io

import numpy as np
import pytest
from django.core.management import call_command

from inference.services.training import TrainingConfig, training_job_launch
from inference.services.training.fold_objects import fold_objects
from inference.services.training.summary import cross_validation_summary
from tests.helpers_classes import instance_gt
from tests.helpers_training import numbered_specimens, tiny_config, tiny_job_launch

pytestmark = pytest.mark.usefixtures("single_thread_torch")

SIZE = 40
TWO_INSTANCE_CLASSES = [
    {"value": 1, "name": "nucleus", "colour": "#00e5ff", "shortcut": "1", "kind": "instances"},
    {"value": 2, "name": "micronucleus", "colour": "#ffb000", "shortcut": "2", "kind": "instances"},
]


def two_class_section() -> tuple[np.ndarray, dict[int, int]]:
    """Instance map: two nuclei (ids 1, 2; class 1) and one micronucleus (id 3; class 2)."""
    yy, xx = np.mgrid[:SIZE, :SIZE]
    instances = np.zeros((SIZE, SIZE), np.uint16)
    instances[(yy - 10) ** 2 + (xx - 10) ** 2 < 25] = 1
    instances[(yy - 10) ** 2 + (xx - 28) ** 2 < 25] = 2
    instances[(yy - 30) ** 2 + (xx - 20) ** 2 < 9] = 3
    return instances, {1: 1, 2: 1, 3: 2}


@pytest.fixture
def two_classes(project, make_volume):
    project.label_classes = TWO_INSTANCE_CLASSES
    project.save(update_fields=["label_classes"])
    instances, classes = two_class_section()
    image = (1.337 + 0.03 * (instances > 0)).astype(np.float32)
    for specimen in numbered_specimens(project, 4, prefix="two-class"):
        volume = make_volume(specimen, np.stack([image, image]))
        for section in volume.sections.all():
            instance_gt(section, instances, classes, (1, 2))


def softmax_output(instances: np.ndarray, classes: dict[int, int], keep: set[int]) -> np.ndarray:
    """A certain prediction (background, class 1, class 2) of the instances of ``keep`` classes."""
    class_map = np.zeros(instances.shape, np.int64)
    for instance, value in classes.items():
        if value in keep:
            class_map[instances == instance] = value
    return np.eye(3, dtype=np.float32)[class_map].transpose(2, 0, 1)


def test_two_instance_classes_are_scored_each_on_its_own_and_named(project, manager, two_classes):
    config = tiny_config(classes="all")
    job = training_job_launch(project=project, user=manager, config=config, queue=False)
    fold = job.folds.filter(kind="cv").order_by("index").first()
    cfg = TrainingConfig.from_dict(job.config)
    instances, classes = two_class_section()
    # The nuclei found exactly, the micronucleus missed on every held-out section.
    output = softmax_output(instances, classes, keep={1})
    objects = fold_objects([output] * fold.val_sections, fold, cfg)

    by_name = {c["name"]: c for c in objects["per_class"]}
    assert [c["value"] for c in objects["per_class"]] == [1, 2]
    nucleus, micronucleus = by_name["nucleus"], by_name["micronucleus"]
    held = fold.val_sections
    assert nucleus["n_gt"] == nucleus["n_pred"] == nucleus["tp_iou50"] == 2 * held
    assert nucleus["f1_iou50"] == nucleus["recall_iou50"] == nucleus["precision_iou50"] == 1.0
    assert (micronucleus["n_gt"], micronucleus["n_pred"]) == (held, 0)
    assert micronucleus["recall_iou50"] == 0.0 and micronucleus["f1_iou50"] == 0.0
    assert micronucleus["precision_iou50"] is None  # nothing predicted: undefined, not 0
    # Headline numbers: the mean over the classes (where defined), said so; counts are totals.
    assert objects["f1_iou50"] == pytest.approx(0.5)
    assert objects["recall_iou50"] == pytest.approx(0.5)
    assert objects["precision_iou50"] == 1.0
    assert objects["n_gt"] == 3 * held and objects["tp_iou50"] == 2 * held
    assert "per instance class" in objects["aggregation"]
    assert "mean over the instance classes" in objects["aggregation"]

    # The job's summary: each class's numbers over folds, named.
    fold_metrics = [{"dice": 0.8, "objects": objects}, {"dice": 0.7, "objects": objects}]
    summary = cross_validation_summary(fold_metrics)["objects"]
    per_class = {c["name"]: c for c in summary["per_class"]}
    assert per_class["micronucleus"]["metrics"]["recall_iou50"]["per_fold"] == [0.0, 0.0]
    assert per_class["nucleus"]["metrics"]["f1_iou50"]["mean"] == 1.0
    assert per_class["nucleus"]["nuclei"] == [2 * held, 2 * held]
    assert summary["metrics"]["f1_iou50"]["mean"] == pytest.approx(0.5)


def test_one_instance_class_keeps_its_numbers(project, manager, two_classes):
    """Learning the nucleus class alone: its own numbers, no per-class block."""
    job = tiny_job_launch(project, manager, target_class="nucleus")
    fold = job.folds.filter(kind="cv").order_by("index").first()
    instances, classes = two_class_section()
    perfect = (np.isin(instances, (1, 2))).astype(np.float32)[None]
    objects = fold_objects(
        [perfect] * fold.val_sections, fold, TrainingConfig.from_dict(job.config)
    )
    assert "per_class" not in objects
    assert (objects["n_gt"], objects["n_pred"]) == (2 * fold.val_sections, 2 * fold.val_sections)
    assert objects["f1_iou50"] == 1.0
    assert "per instance class" not in objects["aggregation"]


def test_the_job_page_names_each_class(client, manager, project, two_classes):
    from inference.models import FoldRun

    job = tiny_job_launch(project, manager, classes="all")
    cfg = TrainingConfig.from_dict(job.config)
    instances, classes = two_class_section()
    output = softmax_output(instances, classes, keep={1})
    for fold in job.folds.all():
        objects = fold_objects([output] * fold.val_sections, fold, cfg)
        metrics = {"dice": 0.8, "section_mean": {"dice": 0.7}, "objects": objects}
        FoldRun.objects.filter(pk=fold.pk).update(status="succeeded", metrics=metrics)
    from inference.services.training import training_job_gather

    training_job_gather(job.pk)
    client.force_login(manager)
    page = client.get(f"/training-jobs/{job.pk}/").content.decode()
    assert "Nuclei of class nucleus" in page and "Nuclei of class micronucleus" in page
    assert 'data-subset="objects-micronucleus"' in page


def test_train_prints_each_instance_class_nuclei(project, two_classes):
    out = io.StringIO()
    call_command(
        "train",
        *("--project", project.slug, "--arch", "unet16", "--folds", "2", "--epochs", "1"),
        *("--batch-size", "4", "--input-size", "32", "--no-elastic", "--classes", "all"),
        "--wait",
        stdout=out,
    )
    text = out.getvalue()
    assert "Nuclei of class nucleus:" in text and "Nuclei of class micronucleus:" in text
    assert "mean over the instance classes" in text
