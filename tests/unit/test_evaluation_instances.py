"""An evaluation's object metrics on real instances, end to end: touching nuclei imported as an
instance label image count as five, fluorescence ground truth is split by watershed, and the
results say where their instances came from. The per-class report rows and CSV name the class."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from annotations.models import GroundTruth
from annotations.services.groundtruth_import import ground_truth_import_instances
from inference.models import SectionResult, VolumeResult
from inference.reports.csv_rows import results_csv_rows
from inference.services.evaluation import evaluation_launch, evaluation_run
from inference.services.evaluation.labels import COMPONENTS, STORED, WATERSHED
from tests.helpers_training import current_gt
from tests.unit.test_mask_stacks import touching_disks

pytestmark = pytest.mark.usefixtures("single_thread_torch", "media_root")


@pytest.fixture
def field(make_volume, specimen):
    """A bright-field stack of 2 sections with 5 touching nuclei, and their instance labels."""
    disks = touching_disks()
    labels = np.stack([disks, disks]).astype(np.uint16)
    rng = np.random.default_rng(0)
    image = (100 + 900 * (labels > 0) + rng.normal(0, 10, labels.shape)).astype(np.float32)
    volume = make_volume(specimen, image, modality="brightfield")
    return volume, labels


def evaluate(project, user, source: str, specimen, **options):
    evaluation = evaluation_launch(
        project=project,
        user=user,
        model_version_id=None,
        set_kind="specimens",
        set_params={"specimen_ids": [specimen.pk]},
        gt_source=source,
        queue=False,
        **options,
    )
    done = evaluation_run(evaluation_id=evaluation.pk, device="cpu")
    assert done.status == "succeeded", (done.error, done.log[-1:])
    return done


def test_imported_instances_are_the_objects_scored(project, manager, specimen, field):
    volume, labels = field
    ground_truth_import_instances(volume=volume, labels=labels)
    # Touching predicted nuclei left as connected components: the prediction merges them.
    done = evaluate(project, manager, "imported", specimen, split_touching=False)
    row = VolumeResult.objects.get(evaluation=done, method="otsu")
    metrics = row.object_metrics
    assert metrics["gt_instances"] == STORED
    assert metrics["pred_instances"] == COMPONENTS
    assert metrics["n_gt"] == 10  # 5 nuclei in each of 2 sections, not 1 blob per section
    assert metrics["n_pred"] <= 2 * 2  # Otsu's foreground: the touching row is one component
    assert metrics["merge"] >= 2
    assert row.class_value == 1
    summary = done.summary
    assert [c["name"] for c in summary["classes"]] == ["nucleus"]
    assert summary["objects"]["otsu"]["gt_instances"] == STORED


def test_fluorescence_ground_truth_is_split_by_watershed(project, manager, specimen, field):
    volume, labels = field
    for section in volume.sections.order_by("z"):
        current_gt(section, labels[section.z] > 0, "fluorescence")
    done = evaluate(project, manager, "fluorescence", specimen)
    row = VolumeResult.objects.get(evaluation=done, method="edge")
    assert row.object_metrics["gt_instances"] == WATERSHED
    assert row.object_metrics["n_gt"] == 10


def test_every_result_row_and_csv_row_names_its_class(project, manager, specimen, field):
    volume, labels = field
    ground_truth_import_instances(volume=volume, labels=labels)
    done = evaluate(project, manager, "imported", specimen)
    assert set(
        SectionResult.objects.filter(evaluation=done).values_list("class_value", flat=True)
    ) == {1}
    rows = list(results_csv_rows(done))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["level", "class", "class_value"]
    assert body and {(r[1], r[2]) for r in body} == {("nucleus", 1)}
    gt_sources = header.index("objects_gt_instances")
    assert {r[gt_sources] for r in body if r[0] == "volume"} == {STORED}
    assert GroundTruth.objects.filter(is_current=True).count() == 2


def test_the_report_draws_the_per_class_figure(project, manager, specimen, field, tmp_path):
    from inference.reports.figures import draw_figures

    volume, labels = field
    ground_truth_import_instances(volume=volume, labels=labels)
    done = evaluate(project, manager, "imported", specimen)
    drawn = draw_figures(done)
    assert "classes" in drawn.images, drawn.notes
    (tmp_path / "classes.png").write_bytes(drawn.images["classes"])
    out = Path("test-artifacts")
    out.mkdir(exist_ok=True)
    (out / "evaluation_classes_figure.png").write_bytes(drawn.images["classes"])
