"""The evaluation service: the stored numbers against independent computations, baselines beside
the model, cross-validation folds, 3D and time-lapse (launch rules: test_evaluation_launch_rules.py;
events, cancel and the command: test_evaluation_lifecycle.py)."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
import tifffile
from scipy import ndimage as ndi
from sklearn.metrics import average_precision_score, precision_score, recall_score

from annotations.imaging.masks import decode_mask
from annotations.models import GroundTruth
from annotations.services.volumes import volume_array
from inference.ml.baselines import edge_based, otsu
from inference.ml.device import pick_device
from inference.ml.infer import predict_volume
from inference.ml.metrics import section_metrics, volume_metrics
from inference.ml.objects import match_instances
from inference.models import Evaluation, SectionResult, VolumeResult
from inference.services.evaluation import (
    evaluation_launch,
    evaluation_run,
)
from inference.services.model_versions import model_version_load
from tests.helpers_evaluation import (
    cross_validation_job,
    launch_evaluation,
    make_specimens,
    tiny_model_version,
)

pytestmark = pytest.mark.usefixtures("single_thread_torch")


def launch(project, manager, **kwargs):
    kwargs.setdefault("model_version_id", None)
    kwargs.setdefault("set_kind", "specimens")
    return evaluation_launch(project=project, user=manager, queue=False, **kwargs)


def run(evaluation) -> Evaluation:
    result = evaluation_run(evaluation_id=evaluation.pk, device="cpu")
    assert result.status == "succeeded", (result.error, result.log[-1:])
    return result


def gt_mask(result: SectionResult) -> np.ndarray:
    truth = GroundTruth.objects.get(pk=result.ground_truth_id)
    return decode_mask(bytes(truth.mask_png), result.section.shape)


# ---------------------------------------------------------------------------------------------
# Stored numbers against independent computations


def test_stored_section_numbers_equal_section_metrics_on_the_same_arrays(
    project, manager, make_volume
):
    made = make_specimens(project, make_volume, 2, z=4, size=32)
    version = tiny_model_version(project)
    specimens = [s for s, _ in made]
    evaluation = run(launch_evaluation(project, manager, specimens=specimens, version=version))

    model, _ = model_version_load(version, device=pick_device("cpu"))
    checked = 0
    for _, volumes in made:
        volume, _ = volumes[0]
        probs = predict_volume(
            model,
            np.array(volume_array(volume)),
            input_size=32,
            batch_size=8,
            device=pick_device("cpu"),
        )
        for row in SectionResult.objects.filter(
            evaluation=evaluation, volume=volume, method="model"
        ):
            expected = section_metrics(probs[row.z], gt_mask(row), threshold=0.5)
            for key in ("dice", "jaccard", "f05", "precision", "recall"):
                assert getattr(row, key) == pytest.approx(expected[key], abs=1e-12), key
            assert (row.gt_pixels, row.pred_pixels, row.tp) == (
                expected["gt_pixels"],
                expected["pred_pixels"],
                expected["tp"],
            )
            if math.isnan(expected["auc_pr"]):
                assert row.auc_pr is None
            else:
                assert row.auc_pr == pytest.approx(expected["auc_pr"], abs=1e-3)
            checked += 1
    assert checked == 8


def test_one_section_agrees_with_scikit_learn(project, manager, make_volume):
    made = make_specimens(project, make_volume, 1, z=4, size=32)
    version = tiny_model_version(project, seed=3)
    evaluation = run(
        launch(
            project,
            manager,
            model_version_id=version.pk,
            set_params={"specimen_ids": [made[0][0].pk]},
        )
    )
    volume, nucleus = made[0][1][0]
    row = SectionResult.objects.get(evaluation=evaluation, volume=volume, method="model", z=2)
    model, _ = model_version_load(version, device=pick_device("cpu"))
    probs = predict_volume(
        model, np.array(volume_array(volume)), input_size=32, device=pick_device("cpu")
    )[2]
    truth = nucleus[2].ravel()

    assert row.precision == pytest.approx(
        precision_score(truth, probs.ravel() > 0.5, zero_division=0)
    )
    assert row.recall == pytest.approx(recall_score(truth, probs.ravel() > 0.5))
    assert row.auc_pr == pytest.approx(average_precision_score(truth, probs.ravel()), abs=1e-3)


def test_the_baselines_run_beside_the_model_on_every_section(project, manager, make_volume):
    made = make_specimens(project, make_volume, 2, z=4, size=48)
    version = tiny_model_version(project)
    specimens = [s for s, _ in made]
    evaluation = run(launch_evaluation(project, manager, specimens=specimens, version=version))

    methods = SectionResult.objects.filter(evaluation=evaluation).values_list("method", flat=True)
    assert sorted(set(methods)) == ["edge", "model", "otsu"]
    assert all(
        SectionResult.objects.filter(evaluation=evaluation, method=m).count() == 8
        for m in ("edge", "model", "otsu")
    )
    volume, nucleus = made[0][1][0]
    image = np.asarray(volume_array(volume)[2])
    edge_row = SectionResult.objects.get(evaluation=evaluation, volume=volume, z=2, method="edge")
    otsu_row = SectionResult.objects.get(evaluation=evaluation, volume=volume, z=2, method="otsu")
    expected_edge = section_metrics(edge_based(image).astype(np.float32), nucleus[2])
    expected_otsu = section_metrics(otsu(image).astype(np.float32), nucleus[2])
    assert edge_row.dice == pytest.approx(expected_edge["dice"])
    assert otsu_row.dice == pytest.approx(expected_otsu["dice"])
    # A binary score's AUC-PR is R·P + (1 − R)·prevalence.
    p, r = expected_edge["precision"], expected_edge["recall"]
    prevalence = nucleus[2].sum() / nucleus[2].size
    assert edge_row.auc_pr == pytest.approx(r * p + (1 - r) * prevalence, abs=1e-6)
    assert otsu_row.dice > 0.8, "a bright nucleus on a flat medium is Otsu's best case"


def test_volumes_get_3d_numbers_objects_nuclei_and_a_tiff_mask(project, manager, make_volume):
    made = make_specimens(project, make_volume, 1, z=6, size=48)
    evaluation = run(
        launch(
            project,
            manager,
            set_params={"specimen_ids": [made[0][0].pk]},
            split_touching=False,  # touching predicted nuclei kept as connected components
        )
    )
    volume, nucleus = made[0][1][0]
    row = VolumeResult.objects.get(evaluation=evaluation, volume=volume, method="otsu")

    with row.pred_mask.open("rb") as fh:
        stored = tifffile.imread(io.BytesIO(fh.read())) > 0
    image = np.array(volume_array(volume))
    assert np.array_equal(stored, np.stack([otsu(s) for s in image]))
    expected = volume_metrics(stored, nucleus, volume.voxel_size)
    assert row.dice_3d == pytest.approx(expected["dice_3d"])
    assert row.intersection_ratio == pytest.approx(expected["volume_intersection_ratio"])
    assert row.pred_volume_um3 == pytest.approx(expected["pred_volume_um3"])
    assert row.gt_sections == row.total_sections == 6
    # Objects section by section (a binary nucleus mask has no stored ids: 4-connected
    # components on both sides), counts summed over the sections.
    four = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]])
    pairs = [(ndi.label(p, four)[0], ndi.label(t, four)[0]) for p, t in zip(stored, nucleus)]
    matches = [match_instances(p, t, 0.7) for p, t in pairs]
    assert (
        row.object_metrics["n_gt"]
        == sum(m.n_gt for m in matches)
        == np.any(nucleus, axis=(1, 2)).sum()
    )
    assert row.object_metrics["n_pred"] == sum(m.n_pred for m in matches)
    assert row.object_metrics["correct"] == sum(m.correct_detections for m in matches)
    assert row.object_metrics["gt_instances"] == "connected components"
    assert row.object_metrics["pred_instances"] == "connected components"
    assert 0.0 <= row.object_metrics["map"] <= 1.0
    assert row.gt_nuclei and row.gt_nuclei[0]["volume_um3"] == pytest.approx(
        nucleus.sum() * 0.4 * 0.2 * 0.2
    )
    assert row.gt_nuclei[0]["mean_ri"] > 1.36, "the nucleus is 0.03 above the medium"
    top = row.nuclei[0]
    assert top["volume_um3"] > 0 and top["surface_area_um2"] > 0
    assert top["concentration_pg_per_um3"] == pytest.approx((top["mean_ri"] - 1.3337) / 0.19)


def test_3d_numbers_use_only_the_sections_with_ground_truth(project, manager, make_volume):
    from tests.helpers_evaluation import add_gt

    made = make_specimens(project, make_volume, 1, z=6, size=48, gt=None)
    volume, nucleus = made[0][1][0]
    add_gt(volume, nucleus, every=2)
    evaluation = run(launch(project, manager, set_params={"specimen_ids": [made[0][0].pk]}))

    row = VolumeResult.objects.get(evaluation=evaluation, volume=volume, method="otsu")
    assert (row.gt_sections, row.total_sections) == (3, 6)
    assert row.gt_nuclei == [], "incomplete ground truth has no whole nucleus to measure"
    assert SectionResult.objects.filter(evaluation=evaluation, method="otsu").count() == 3


def test_each_fold_model_scores_its_own_held_out_specimens(project, manager, make_volume):
    made = make_specimens(project, make_volume, 4, z=3, size=32)
    specimens = [s for s, _ in made]
    _, versions = cross_validation_job(project, specimens, folds=2)

    evaluation = run(
        launch(project, manager, model_version_id=versions[1].pk, set_kind="cross_validation")
    )

    assert [u["model_version"] for u in evaluation.config["units"]] == [v.pk for v in versions]
    for fold, version in enumerate(versions):
        held_out = {s["id"] for s in version.val_specimens}
        scored = set(
            SectionResult.objects.filter(evaluation=evaluation, fold_index=fold).values_list(
                "specimen_id", flat=True
            )
        )
        assert scored == held_out
    fold_means = evaluation.summary["by_method"]["model"]["fold_means"]["dice"]
    assert len(fold_means["per_fold"]) == 2
    assert evaluation.summary["metrics"]["dice"]["per_fold"] == fold_means["per_fold"]


def test_cross_lab_scores_the_labs_the_model_never_saw(project, manager, make_volume):
    home = [s for s, _ in make_specimens(project, make_volume, 2, lab="Home", z=3)]
    away = [s for s, _ in make_specimens(project, make_volume, 1, lab="Away", z=3, prefix="away")]
    version = tiny_model_version(project, train=home)

    evaluation = launch(project, manager, model_version_id=version.pk, set_kind="cross_lab")

    assert [s["id"] for s in evaluation.config["units"][0]["specimens"]] == [away[0].pk]


def test_cross_modality_uses_the_fluorescence_ground_truth(project, manager, make_volume):
    make_specimens(project, make_volume, 2, z=3, gt="fluorescence", stain=True)
    evaluation = launch(project, manager, set_kind="cross_modality")
    assert evaluation.gt_source == "fluorescence" and evaluation.sections == 6


def test_the_summary_aggregates_per_set_lab_and_volume(project, manager, make_volume):
    a = make_specimens(project, make_volume, 2, z=4, size=48, lab="A")
    b = make_specimens(project, make_volume, 1, z=4, size=48, lab="B", prefix="b")
    ids = [s.pk for s, _ in a + b]
    evaluation = run(launch(project, manager, set_params={"specimen_ids": ids}))

    summary = evaluation.summary
    dices = list(
        SectionResult.objects.filter(evaluation=evaluation, method="edge").values_list(
            "dice", flat=True
        )
    )
    block = summary["by_method"]["edge"]
    assert block["set"]["dice"]["mean"] == pytest.approx(np.mean(dices))
    assert block["set"]["dice"]["std"] == pytest.approx(np.std(dices, ddof=1))
    assert block["set"]["sections"] == 12
    assert sorted(block["labs"]) == ["A", "B"] and block["labs"]["B"]["sections"] == 4
    assert summary["volumes"]["otsu"]["volumes"] == 3
    # one nucleus per section that holds it (objects are matched section by section), pooled
    otsu_rows = VolumeResult.objects.filter(evaluation=evaluation, method="otsu")
    per_volume = [row.object_metrics["n_gt"] for row in otsu_rows]
    assert summary["objects"]["otsu"]["n_gt"] == sum(per_volume) and min(per_volume) >= 1
    assert summary["classes"][0]["name"] == "nucleus"
    assert summary["classes"][0]["objects"] == summary["objects"]
    curve = summary["pr_curves"]["edge"]
    assert len(curve["precision"]) == 101 and curve["positives"] > 0
    assert summary["primary"] == "edge" and summary["metrics"]["dice"]["mean"] == pytest.approx(
        np.mean(dices)
    )


def test_a_time_lapse_gets_nucleus_curves_over_time(project, manager, make_volume):
    made = make_specimens(project, make_volume, 1, z=6, size=48, time_points=3)
    evaluation = run(launch(project, manager, set_params={"specimen_ids": [made[0][0].pk]}))

    (series,) = evaluation.summary["timelapse"]
    assert [p["time_index"] for p in series["points"]] == [0, 1, 2]
    assert all(p["volume_um3"] and p["mean_ri"] for p in series["points"])
    assert len(series["gt_points"]) == 3
