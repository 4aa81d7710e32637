"""An evaluation's object precision, recall and F1: per volume, pooled over its sections; in the
summary, pooled over volumes; in the CSV, the page, the report and ``manage.py evaluate``, each
equal to a computation written here from the stored predicted mask (``test_object_f1``)."""

from __future__ import annotations

from io import StringIO

import numpy as np
import pytest
import tifffile
from django.core.management import call_command

from annotations.services.groundtruth_import import ground_truth_import_instances
from inference.models import Evaluation, VolumeResult
from inference.reports import report_html, results_csv_rows
from tests.conftest import signed_in
from tests.unit.test_evaluation_instances import evaluate
from tests.unit.test_evaluation_split_touching import skimage_watershed
from tests.unit.test_mask_stacks import touching_disks
from tests.unit.test_object_f1 import KEYS, reference

pytestmark = pytest.mark.usefixtures("single_thread_torch", "media_root")


@pytest.fixture
def fields(make_volume, specimen):
    """Four bright-field sections and their imported instances: five touching nuclei seen where
    they are; the same seen 3 px higher; nuclei in the truth with nothing to see (all missed);
    nothing on either side (an empty field)."""
    disks = touching_disks().astype(np.uint16)
    flat = np.zeros_like(disks)
    seen = np.stack([disks, np.roll(disks, -3, axis=0), flat, flat])
    truth = np.stack([disks, disks, disks, flat])
    rng = np.random.default_rng(0)
    image = (
        100
        + 900 * (seen > 0)
        + rng.normal(0, 10, seen.shape) * (seen.any(axis=(1, 2)))[:, None, None]
    )
    volume = make_volume(specimen, image.astype(np.float32), modality="brightfield")
    ground_truth_import_instances(volume=volume, labels=truth)
    return truth


def _expected(row: VolumeResult, truth: np.ndarray) -> dict:
    predicted = tifffile.imread(row.pred_mask.path) > 0
    split = [skimage_watershed(p) if p.any() else np.zeros(p.shape, int) for p in predicted]
    return reference(list(zip(split, truth.astype(int))))


def test_object_f1_is_pooled_over_sections_and_shown_everywhere(project, manager, specimen, fields):
    done = evaluate(project, manager, "imported", specimen)
    row = VolumeResult.objects.get(evaluation=done, method="otsu")
    numbers = row.object_metrics
    expected = _expected(row, fields)
    assert numbers["n_gt"] == 15 and numbers["n_pred"] == 10 and numbers["fields"] == 4
    assert {k: numbers[k] for k in KEYS} == pytest.approx(expected)
    assert numbers["recall_iou50"] == pytest.approx(10 / 15)  # every seen nucleus, none unseen
    assert numbers["f1_iou70"] < numbers["f1_iou50"]  # the shifted ones pair only at IoU > 0.5

    # One volume: the summary's pooled numbers are the volume's.
    block = done.summary["objects"]["otsu"]
    assert {k: block[k] for k in KEYS} == pytest.approx(expected)
    assert block["tp_iou50"] == numbers["tp_iou50"]
    served = signed_in(manager).get(f"/api/evaluations/{done.pk}/").json()["summary"]
    assert {k: served["objects"]["otsu"][k] for k in KEYS} == pytest.approx(expected)

    rows = list(results_csv_rows(done))
    header = rows[0]
    volume_rows = [r for r in rows[1:] if r[0] == "volume" and r[header.index("method")] == "otsu"]
    for key in KEYS:
        assert float(volume_rows[0][header.index(f"objects_{key}")]) == pytest.approx(expected[key])

    shown = f'data-key="f1_iou50">{expected["f1_iou50"]:.3f}</td>'
    page = signed_in(manager).get(f"/evaluations/{done.pk}/").content.decode()
    for html in (report_html(done), page):
        assert "Object F1 (IoU &gt; 0.5)" in html and "Object F1 (IoU ≥ 0.7)" in html
        assert shown in html
        assert "counts summed over every section of every volume, then divided" in html


def test_volumes_without_pairs_at_half_give_no_pooled_f1_there(project, manager, specimen, fields):
    """Volumes scored before the pairs at IoU 0.5 were stored: no number rather than a wrong
    one; F1 at IoU ≥ 0.7 still comes from the stored correct detections."""
    from inference.services.evaluation.summary import summarize

    done = evaluate(project, manager, "imported", specimen)
    row = VolumeResult.objects.get(evaluation=done, method="otsu")
    row.object_metrics = {k: v for k, v in row.object_metrics.items() if k != "tp_iou50"}
    row.save(update_fields=["object_metrics"])
    block = summarize(done)["objects"]["otsu"]
    assert block["f1_iou50"] is None and block["precision_iou50"] is None
    assert block["f1_iou70"] == pytest.approx(2 * block["correct"] / (15 + block["n_pred"]))


def test_the_evaluate_command_prints_object_f1(project, specimen, fields):
    out = StringIO()
    options = f"--set specimens --specimen {specimen.pk} --gt-source imported --wait --device cpu"
    call_command("evaluate", "--project", project.slug, *options.split(), stdout=out)
    evaluation = Evaluation.objects.get()
    block = evaluation.summary["objects"]["otsu"]
    objects = out.getvalue().split("Objects (nuclei, ")[1]
    header = next(line for line in objects.splitlines() if line.startswith("method"))
    otsu = next(line for line in objects.splitlines() if line.startswith("Otsu"))
    assert "F1 IoU>0.5" in header and "F1 IoU≥0.7" in header
    cells = otsu.split()
    wanted = [f"{block[k]:.3f}" for k in ("precision_iou50", "recall_iou50", "f1_iou50")]
    assert cells[9:12] == wanted and cells[12] == f"{block['f1_iou70']:.3f}"
    assert "counts summed over every section, then divided" in objects
    # The paper-003 columns beside them say what they count, as the page's notes do.
    assert "correct: nuclei paired one-to-one at IoU ≥ 0.7" in objects
    assert "F.N. rate: ground-truth nuclei their best prediction covers less than 70 %" in objects
