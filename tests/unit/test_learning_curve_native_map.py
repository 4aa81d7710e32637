"""A learning curve scores its held-out mAP at each section's native resolution, as an
evaluation does: the prediction at the input size is resized back before its nuclei are
numbered, so a small input no longer shrinks the watershed's neck below a nucleus's size. The
curve records where it scored (curves from before: ``test_learning_curve_split.py``)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from annotations.demo.nuclei import nuclei_disks, paint_disks
from cellweb.jobs import job_execute
from inference.ml.data import resize_masks
from inference.ml.objects import mean_average_precision
from inference.ml.objects.precision import average_precision
from inference.models import LearningCurve
from inference.services.learning_curve import LearningCurveConfig, learning_curve_launch
from inference.services.learning_curve.instances import predicted_nuclei
from tests.api.test_learning_curve_pages import browser
from tests.helpers_training import add_specimens
from tests.unit.test_evaluation_split_touching import skimage_watershed
from tests.unit.test_learning_curve_service import TINY, _fixed_scores

NATIVE = 448


@pytest.fixture(scope="module")
def crowded() -> np.ndarray:
    """40 nuclei on 448 × 448, most leaning on a neighbour, each its own id (bench's field)."""
    return paint_disks(nuclei_disks(3, n_nuclei=40, touching=0.9), NATIVE).astype(np.int32)


def _at_input(ids: np.ndarray, size: int) -> np.ndarray:
    """The truth's binary mask resized to the input as the curve's held-out masks are."""
    resized = resize_masks(torch.from_numpy(ids.astype(np.float32))[None, None], size)
    return (resized > 0).numpy().astype(np.float32)


@pytest.mark.parametrize("size", [448, 128])
def test_a_perfect_prediction_of_crowded_nuclei_finds_every_nucleus_at_any_input(crowded, size):
    mask = _at_input(crowded, size)  # the network predicts its held-out mask exactly
    scores = _fixed_scores(mask, mask, batch_size=1, truths=[crowded], split_touching=True)
    # Independently: bilinear resize of the probability to 448, threshold, scikit-image's split.
    probability = F.interpolate(
        torch.sigmoid(torch.from_numpy(mask) - 0.5), size=(NATIVE, NATIVE), mode="bilinear",
        antialias=True, align_corners=False,
    )  # fmt: skip
    independent = skimage_watershed(probability[0, 0].numpy() > 0.5)
    assert scores["map"] == pytest.approx(mean_average_precision(independent, crowded))
    if size == NATIVE:
        assert scores["map"] == 1.0
    else:  # input-size scoring gave 0.09; only the boundary's 3.5 px steps still cost IoU
        assert scores["map"] > 0.8
        probability = torch.sigmoid(torch.from_numpy(mask[0, 0]) - 0.5).numpy()
        nuclei = predicted_nuclei(probability, crowded.shape, threshold=0.5, split_touching=True)
        assert nuclei.max() == crowded.max() == 40
        assert np.all(average_precision(nuclei, crowded, [0.5, 0.6, 0.7, 0.75]) == 1.0)


def test_sections_of_different_native_sizes_are_each_scored_on_their_own_grid():
    small, large = np.zeros((24, 24), np.int32), np.zeros((48, 48), np.int32)
    small[4:12, 4:12] = 1
    large[8:24, 8:24], large[30:44, 10:40] = 1, 2
    guess = np.stack([_at_input(small, 24)[0], _at_input(large, 24)[0]])
    assert _fixed_scores(guess, guess, truths=[small, large])["map"] == 1.0


@pytest.mark.django_db
def test_a_curve_records_native_scoring_and_its_page_api_and_report_say_so(
    project, manager, make_volume, single_thread_torch
):
    add_specimens(project, make_volume, 3, sections=2)
    config = LearningCurveConfig(**TINY, sizes=[1])
    curve = learning_curve_launch(project=project, user=manager, config=config, queue=False)
    assert curve.config["map_scored_at"] == "native"
    # A curve queued before launches recorded it is scored natively and records that it was.
    LearningCurve.objects.filter(pk=curve.pk).update(
        config={k: v for k, v in curve.config.items() if k != "map_scored_at"}
    )
    assert job_execute("learning_curve", curve.pk, worker="test") == "succeeded"
    curve.refresh_from_db()
    assert curve.config["map_scored_at"] == "native"
    client = browser(manager)
    assert client.get(f"/api/learning-curves/{curve.pk}/").json()["map_scored_at"] == "native"
    page = client.get(f"/learning-curves/{curve.pk}/").content.decode()
    report = b"".join(client.get(f"/learning-curves/{curve.pk}/report.html").streaming_content)
    for html in (page, report.decode()):
        assert 'data-role="map-grid">scored at each section&#x27;s native resolution' in html
        assert "h = 1 px, wide necks merged of each section&#x27;s native grid" in html
