"""A version with several classes and a distance head, evaluated end to end: one row per class,
per-class Dice equal to scikit-learn's on the stored predicted class maps, objects from the
instance head for the nucleus, none for the region class, per-cell quantities per class."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import tifffile
import torch
from sklearn.metrics import f1_score

from annotations.imaging.label_values import stored_labels
from annotations.models import GroundTruth
from annotations.services.groundtruth_import import ground_truth_import
from annotations.services.labels import label_class_add
from annotations.services.volumes import volume_create
from inference.ml.heads import HeadLayout, attach_heads
from inference.ml.nets import create_model
from inference.models import SectionResult, VolumeResult
from inference.reports.csv_rows import results_csv_rows
from inference.services.evaluation import evaluation_launch, evaluation_run
from inference.services.model_versions import model_version_create, weights_payload
from tests.helpers_evaluation import VOXEL

pytestmark = pytest.mark.usefixtures("single_thread_torch", "media_root")

CLASSES = [
    {"value": 1, "name": "nucleus", "kind": "instances"},
    {"value": 2, "name": "cytoplasm", "kind": "region"},
]


def cell_field(size: int = 32, z: int = 3) -> np.ndarray:
    """Class maps: a cytoplasm disk around a nucleus disk, in every section."""
    yy, xx = np.mgrid[:size, :size]
    distance = np.hypot(yy - size / 2, xx - size / 2)
    section = np.where(distance < 6, 1, np.where(distance < 12, 2, 0)).astype(np.uint8)
    return np.stack([section] * z)


def multiclass_version(
    project, layout=None, classes=CLASSES, name="nucleus + cytoplasm", class_bias=None
):
    """A tiny version with heads (default: nucleus + cytoplasm and a distance head); with
    ``class_bias`` (one logit per class channel) it answers the same class for every pixel."""
    torch.manual_seed(0)
    layout = layout or HeadLayout(n_classes=3, instance="distance")
    model = attach_heads(create_model("unet16"), layout)
    if class_bias is not None:
        with torch.no_grad():
            model.head.classes.weight.zero_()
            model.head.classes.bias.copy_(torch.tensor(class_bias))
    return model_version_create(
        project=project,
        name=name,
        arch="unet16",
        weights=weights_payload(model, arch="unet16", input_size=32),
        kind="final",
        config={
            "arch": "unet16",
            "input_size": 32,
            "head_layout": layout.to_dict(),
            "classes": classes,
        },
    )


def imported_volume(specimen, maps: np.ndarray):
    """An RI volume of the class maps ``maps`` (each class a little brighter), with ``maps``
    imported as its ground truth under the project's current classes."""
    specimen.project.refresh_from_db()
    ri = (1.337 + 0.01 * (maps == 2) + 0.03 * (maps == 1)).astype(np.float32)
    volume = volume_create(specimen=specimen, data=ri, modality="ri", voxel_size=VOXEL)
    ground_truth_import(volume=volume, masks=maps)
    return volume


@pytest.fixture
def evaluated(project, manager, specimen):
    label_class_add(project=project, name="cytoplasm", colour="#ffb000", kind="region")
    maps = cell_field()
    volume = imported_volume(specimen, maps)
    version = multiclass_version(project)
    evaluation = evaluation_launch(
        project=project,
        user=manager,
        model_version_id=version.pk,
        set_kind="specimens",
        set_params={"specimen_ids": [specimen.pk]},
        gt_source="imported",
        queue=False,
    )
    done = evaluation_run(evaluation_id=evaluation.pk, device="cpu")
    assert done.status == "succeeded", (done.error, done.log[-1:])
    return done, volume, maps


def stored_prediction(evaluation, volume) -> np.ndarray:
    """The model's class map, rebuilt from its stored per-class masks."""
    class_map = np.zeros(volume.shape, np.uint8)
    for row in VolumeResult.objects.filter(evaluation=evaluation, method="model"):
        with row.pred_mask.open("rb") as fh:
            class_map[tifffile.imread(io.BytesIO(fh.read())) > 0] = row.class_value
    return class_map


def test_one_row_per_class_and_dice_as_scikit_learn(evaluated):
    evaluation, volume, maps = evaluated
    scored = SectionResult.objects.filter(evaluation=evaluation)
    assert set(scored.filter(method="model").values_list("class_value", flat=True)) == {1, 2}
    assert set(scored.filter(method="edge").values_list("class_value", flat=True)) == {1}
    predicted = stored_prediction(evaluation, volume)
    for row in scored.filter(method="model"):
        expected = f1_score(
            maps[row.z].ravel(),
            predicted[row.z].ravel(),
            labels=[row.class_value],
            average=None,
            zero_division=1,
        )[0]
        assert row.dice == pytest.approx(expected)


def test_objects_come_from_the_instance_head_and_regions_have_none(evaluated):
    evaluation, volume, _ = evaluated
    nucleus = VolumeResult.objects.get(evaluation=evaluation, method="model", class_value=1)
    cytoplasm = VolumeResult.objects.get(evaluation=evaluation, method="model", class_value=2)
    assert nucleus.object_metrics["pred_instances"] == "instance head (distance)"
    assert nucleus.object_metrics["gt_instances"] == "connected components"  # a class map
    assert nucleus.object_metrics["n_gt"] == 3
    assert cytoplasm.object_metrics == {}
    summary = evaluation.summary
    assert [c["name"] for c in summary["classes"]] == ["nucleus", "cytoplasm"]
    assert summary["class"]["name"] == "nucleus"
    truth = GroundTruth.objects.filter(is_current=True).first()
    assert set(stored_labels(bytes(truth.mask_png), [1, 2], [1], (32, 32)).classes.values()) == {1}


def test_quantities_and_csv_are_per_class(evaluated):
    evaluation, _, _ = evaluated
    rows = list(results_csv_rows(evaluation))
    header, body = rows[0], rows[1:]
    values = {(r[0], r[1], r[2]) for r in body}
    assert ("volume", "cytoplasm", 2) in values and ("volume", "nucleus", 1) in values
    for row in VolumeResult.objects.filter(evaluation=evaluation, method="model"):
        assert all(q["class"] == row.class_value for q in row.quantities)
    cells = [r for r in body if r[0] == "cell"]
    assert len(cells) == sum(
        len(v.quantities) for v in VolumeResult.objects.filter(evaluation=evaluation)
    )
    assert header.index("cell_class_concentration_pg_per_um3") > header.index("cell")


def test_the_set_figures_have_a_panel_per_class(evaluated):
    from inference.reports.figures import draw_figures
    from inference.reports.score_figures import dice_figure, pr_figure
    from inference.reports.section_figures import worst_figure
    from inference.reports.set_figures import volume_figure

    evaluation, _, _ = evaluated
    summary = evaluation.summary
    pr_titles = [ax.get_title() for ax in pr_figure(evaluation, summary).axes]
    assert pr_titles == ["Class nucleus", "Class cytoplasm"]
    box_titles = [ax.get_title() for ax in dice_figure(evaluation, summary).axes if ax.axison]
    assert box_titles[0].startswith("Class nucleus: all sections")
    assert any(t.startswith("Class cytoplasm: ") for t in box_titles)
    volume_titles = [ax.get_title() for ax in volume_figure(evaluation, summary).axes]
    assert "Class nucleus" in volume_titles and "Class cytoplasm" in volume_titles
    worst_titles = [ax.get_title() for ax in worst_figure(evaluation, summary).axes]
    assert {t.split(" · ")[0] for t in worst_titles} == {"nucleus", "cytoplasm"}
    assert len(worst_titles) == 6  # three sections of each class
    drawn = draw_figures(evaluation)
    out = Path("test-artifacts")
    out.mkdir(exist_ok=True)
    for name in ("pr_curves", "dice_boxplot", "volume_agreement", "worst"):
        assert name in drawn.images, drawn.notes
        (out / f"evaluation_{name}_per_class.png").write_bytes(drawn.images[name])


def test_the_comparison_has_a_row_per_class(evaluated, manager):
    from django.test import Client

    evaluation, _, _ = evaluated
    client = Client()
    client.force_login(manager)
    page = client.get(f"/evaluations/compare/?a={evaluation.pk}&b={evaluation.pk}")
    assert page.status_code == 200
    rows = page.context["comparison"]["classes"]
    assert [(r["value"], r["name"]) for r in rows] == [(1, "nucleus"), (2, "cytoplasm")]
    for row in rows:
        scored = SectionResult.objects.filter(
            evaluation=evaluation, method="model", class_value=row["value"]
        )
        assert row["a"]["mean"] == pytest.approx(np.mean([r.dice for r in scored]))
        assert row["paired"] == scored.count() == 3 and row["better_in_b"] == 0
    assert 'data-class="2"' in page.content.decode()
