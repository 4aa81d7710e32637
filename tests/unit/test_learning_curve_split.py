"""Learning curves number held-out nuclei as evaluations do: touching predicted nuclei separated
by the ground truth's watershed (recorded on the curve, said on its page), fluorescence ground
truth split the same way, each checked against scikit-image's watershed run here."""

from __future__ import annotations

import io

import numpy as np
import pytest
from django.core.management import call_command
from scipy import ndimage as ndi

from annotations.models import GroundTruth, GroundTruthSource, Section
from cellweb.jobs import job_execute
from inference.datasets import entries_for_ground_truths
from inference.ml.objects import mean_average_precision
from inference.models import LearningCurve
from inference.services.learning_curve import LearningCurveConfig, learning_curve_launch, runner
from inference.services.learning_curve.instances import held_out_truths
from tests.api.test_learning_curve_pages import browser
from tests.helpers_training import add_specimens
from tests.unit.test_evaluation_split_touching import skimage_watershed
from tests.unit.test_learning_curve_service import TINY, _fixed_scores
from tests.unit.test_mask_stacks import touching_disks

pytestmark = pytest.mark.django_db


def test_touching_predicted_nuclei_are_split_before_the_held_out_map():
    ids = touching_disks().astype(np.int32)  # five touching nuclei, stored ids
    mask = (ids > 0).astype(np.float32)[None, None]  # predicted exactly, as one binary mask
    split = _fixed_scores(mask, mask, batch_size=1, truths=[ids], split_touching=True)
    merged = _fixed_scores(mask, mask, batch_size=1, truths=[ids], split_touching=False)
    assert split["map"] == pytest.approx(mean_average_precision(skimage_watershed(ids > 0), ids))
    assert split["map"] > 0.95  # the watershed's borders are within a pixel of the stored ones
    assert merged["map"] == mean_average_precision(ndi.label(ids > 0)[0], ids) == 0.0


def test_fluorescence_truth_without_ids_is_split_by_the_watershed(specimen, make_volume):
    disks = touching_disks(shape=(64, 64))
    volume = make_volume(specimen, shape=(1, 64, 64))
    section = Section.objects.get(volume=volume)
    from annotations.imaging.masks import encode_mask

    truth = GroundTruth.objects.create(
        section=section,
        mask_png=encode_mask(disks > 0),
        source=GroundTruthSource.FLUORESCENCE,
        version=1,
    )
    entries = entries_for_ground_truths([truth.pk])
    (nuclei,) = held_out_truths(entries, source=GroundTruthSource.FLUORESCENCE)
    independent = skimage_watershed(disks > 0)
    assert nuclei.max() == independent.max() == 3
    assert mean_average_precision(nuclei, independent) == 1.0
    (imported,) = held_out_truths(entries, source=GroundTruthSource.IMPORTED)
    assert imported.max() == 1  # a binary mask of another source: connected components


@pytest.fixture
def spied(monkeypatch):
    """The split each held-out scoring of a running curve was asked for."""
    asked: list[bool] = []
    scores = runner.held_out_scores

    def spy(*args, **kwargs):
        asked.append(kwargs["split_touching"])
        return scores(*args, **kwargs)

    monkeypatch.setattr(runner, "held_out_scores", spy)
    return asked


@pytest.mark.parametrize("split", [True, False])
def test_a_curve_records_the_split_scores_with_it_and_says_it(
    project, manager, make_volume, single_thread_torch, spied, split
):
    add_specimens(project, make_volume, 3, sections=2)
    config = LearningCurveConfig(**TINY, sizes=[1], split_touching=split)
    curve = learning_curve_launch(project=project, user=manager, config=config, queue=False)
    assert curve.config["split_touching"] is split
    assert job_execute("learning_curve", curve.pk, worker="test") == "succeeded"
    assert spied == [split]
    client = browser(manager)
    said = "separated by the watershed an evaluation" if split else "not separated: two touching"
    page = client.get(f"/learning-curves/{curve.pk}/").content.decode()
    report = b"".join(client.get(f"/learning-curves/{curve.pk}/report.html").streaming_content)
    for html in (page, report.decode()):
        assert f'data-role="prediction-split">touching predicted nuclei: {said}' in html
    assert client.get(f"/api/learning-curves/{curve.pk}/").json()["split_touching"] is split


def test_a_curve_from_before_both_options_says_it_did_not_split_and_scored_at_the_input(
    project, manager, make_volume
):
    add_specimens(project, make_volume, 3, sections=2)
    config = LearningCurveConfig(**TINY, sizes=[1])
    curve = learning_curve_launch(project=project, user=manager, config=config, queue=False)
    recorded_since = ("split_touching", "map_scored_at")
    LearningCurve.objects.filter(pk=curve.pk).update(
        config={k: v for k, v in curve.config.items() if k not in recorded_since},
        points=[{"start": "scratch", "n": 1, "seed": 0, "epochs": 1, "dice": 0.5, "map": 0.4}],
    )
    client = browser(manager)
    public = client.get(f"/api/learning-curves/{curve.pk}/").json()
    assert (public["split_touching"], public["map_scored_at"]) == (False, "input")
    page = client.get(f"/learning-curves/{curve.pk}/").content.decode()
    assert "touching predicted nuclei: not separated" in page
    assert 'data-role="map-grid">scored at the input size (32 px)' in page


def test_the_api_form_and_command_take_the_option(api, project, manager, make_volume):
    add_specimens(project, make_volume, 3, sections=2)
    body = {"sizes": [1], "seeds": 1, "arch": "unet16", "samples": 2, "input_size": 32}
    url = f"/api/projects/{project.slug}/learning-curves/"
    default = api(manager).post(url, body, format="json").json()
    off = api(manager).post(url, {**body, "split_touching": False}, format="json").json()
    assert (default["split_touching"], off["split_touching"]) == (True, False)
    bad = api(manager).post(url, {**body, "split_touching": "maybe"}, format="json")
    assert bad.status_code == 400 and "split_touching" in bad.content.decode()
    form = browser(manager).get(f"/projects/{project.slug}/learning-curves/").content.decode()
    assert 'name="split_touching"' in form and "Separate touching predicted nuclei" in form
    call_command(
        "learning_curve", "--project", project.slug, "--n", "1", "--seeds", "1",
        "--no-split-touching", "--user", manager.username, stdout=io.StringIO(),
    )  # fmt: skip
    assert LearningCurve.objects.latest("pk").config["split_touching"] is False
