"""Launching a learning curve: each refusal says why before anything is written or queued; a
tiny curve run in process (pretrained start: an in-silico-labelling version) stores both starts'
points, the summary and the report files; the held-out scores agree with scikit-learn."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest
import torch
from django.core.files.storage import default_storage
from scipy import ndimage as ndi
from sklearn.metrics import f1_score

from annotations.models import GroundTruthSnapshot
from cellweb.errors import ConflictError, NotAllowed, NotFoundError
from cellweb.jobs import job_execute
from inference.ml.nets import create_model
from inference.ml.objects import label_instances, mean_average_precision
from inference.models import LearningCurve, ModelVersion
from inference.services.learning_curve import (
    LearningCurveConfig,
    LearningCurveError,
    learning_curve_launch,
    parse_sizes,
)
from inference.services.learning_curve.runner import held_out_scores
from inference.services.model_versions import model_version_create, weights_payload
from tests.helpers_training import add_specimens

pytestmark = pytest.mark.django_db

TINY = {"arch": "unet16", "samples": 2, "batch_size": 2, "input_size": 32, "seeds": 1}


def tiny(**overrides) -> LearningCurveConfig:
    return LearningCurveConfig(**{**TINY, **overrides})


def refused(project, manager, config, error=LearningCurveError, code=None) -> str:
    with pytest.raises(error) as info:
        learning_curve_launch(project=project, user=manager, config=config)
    assert not LearningCurve.objects.exists() and not GroundTruthSnapshot.objects.exists()
    assert getattr(info.value, "code", None) == code
    return info.value.message


def test_an_n_larger_than_the_training_pool_is_refused_with_the_available_count(
    project, manager, make_volume
):
    add_specimens(project, make_volume, 4, sections=3)  # one held out: 9 sections to train on
    message = refused(
        project, manager, tiny(sizes=[1, 5, 10, 50]), ConflictError, "too_few_sections"
    )
    assert "n = 10, 50" in message and "9 sections available for training" in message
    assert "held-out specimen" in message and "(3 sections)" in message


def test_a_project_with_one_annotated_specimen_has_no_held_out_set(project, manager, make_volume):
    add_specimens(project, make_volume, 1, sections=3, prefix="only")
    message = refused(project, manager, tiny(sizes=[1]), ConflictError, "too_few_specimens")
    assert "at least 2 specimens" in message and "only-00" in message


def test_an_unknown_start_version_is_not_found(project, manager, make_volume):
    add_specimens(project, make_volume, 2)
    message = refused(project, manager, tiny(sizes=[1], start_version=999_999), NotFoundError)
    assert "No model version 999999" in message


def test_bad_sizes_and_seeds_are_refused_by_field(project, manager, make_volume):
    add_specimens(project, make_volume, 2)
    with pytest.raises(LearningCurveError) as info:
        learning_curve_launch(project=project, user=manager, config=tiny(sizes=[0], seeds=0))
    assert set(info.value.errors) == {"sizes", "seeds"}
    with pytest.raises(LearningCurveError, match="“x” is not a number"):
        parse_sizes("1,x")
    assert parse_sizes("1, 2,ALL") == [1, 2, "all"]


def test_only_a_manager_launches(project, annotator, make_volume):
    add_specimens(project, make_volume, 2)
    with pytest.raises(NotAllowed):
        learning_curve_launch(project=project, user=annotator, config=tiny(sizes=[1]))


def isl_version(project) -> ModelVersion:
    torch.manual_seed(5)
    payload = weights_payload(create_model("unet16"), arch="unet16", input_size=32)
    return model_version_create(
        project=project, name="isl", arch="unet16", weights=payload, task="isl"
    )


def test_a_tiny_curve_runs_both_starts_and_stores_its_report(
    project,
    manager,
    make_volume,
    single_thread_torch,
):
    add_specimens(project, make_volume, 3, sections=2)
    version = isl_version(project)  # the start paper 004 measures: in-silico labelling
    curve = learning_curve_launch(
        project=project,
        user=manager,
        config=tiny(sizes=[1, "all"], arch="osnet", start_version=version.pk),
        queue=False,
    )
    assert curve.config["arch"] == "unet16"  # the start version's network, for both curves
    assert curve.config["sizes"] == [1, 4] and curve.total_points == 4
    held = {h["id"] for h in curve.held_out}
    assert len(held) == 1
    assert job_execute("learning_curve", curve.pk, worker="test") == "succeeded"
    curve.refresh_from_db()
    assert curve.progress == 1.0
    assert sorted((p["start"], p["n"]) for p in curve.points) == [
        ("pretrained", 1),
        ("pretrained", 4),
        ("scratch", 1),
        ("scratch", 4),
    ]
    assert all(0 <= p["dice"] <= 1 and 0 <= p["map"] <= 1 for p in curve.points)
    assert all(p["drawn_specimens"] and not set(p["drawn_specimens"]) & held for p in curve.points)
    summary = curve.result["summary"]
    assert set(summary) == {"scratch", "pretrained"}
    assert [p["n"] for p in summary["pretrained"]["dice"]] == [1, 4]
    files = curve.result["files"]
    rows = list(csv.DictReader(io.StringIO(default_storage.open(files["csv"]).read().decode())))
    assert len(rows) == 4 and {r["start"] for r in rows} == {"scratch", "pretrained"}
    assert default_storage.open(files["figure"]).read()[:8] == b"\x89PNG\r\n\x1a\n"


class FixedLogits(torch.nn.Module):
    """A "network" whose logits are its input minus 0.5: the prediction is ``x > 0.5``."""

    def forward(self, x):
        return x - 0.5


def _fixed_scores(guess: np.ndarray, truth: np.ndarray, batch_size: int = 2, **extra) -> dict:
    """``held_out_scores`` on the CPU of ``FixedLogits`` fed ``guess``: it predicts ``guess``.
    The true nuclei default to the truth's 4-connected components at the same size."""
    components = [ndi.label(t[0] > 0.5)[0] for t in truth]
    return held_out_scores(
        FixedLogits(),
        torch.from_numpy(guess),
        torch.from_numpy(truth),
        device=torch.device("cpu"),
        batch_size=batch_size,
        **{"truths": components, **extra},
    )


def test_held_out_dice_pools_pixels_like_scikit_learn_and_map_is_one_for_exact_nuclei():
    rng = np.random.default_rng(1)
    truth = np.zeros((3, 1, 24, 24), dtype=np.float32)
    truth[0, 0, 4:10, 4:10] = 1
    truth[1, 0, 12:20, 2:9] = 1
    guess = np.clip(truth + (rng.random(truth.shape) < 0.08), 0, 1).astype(np.float32)
    scores = _fixed_scores(guess, truth)
    expected = f1_score(truth.ravel() > 0.5, guess.ravel() > 0.5)
    assert scores["dice"] == pytest.approx(expected, abs=1e-9)
    exact = _fixed_scores(truth, truth)
    assert exact == {"dice": 1.0, "map": 1.0}


def test_stored_nucleus_ids_keep_touching_nuclei_apart_in_the_held_out_map():
    """Two touching nuclei predicted as one blob: with the stored ids the merge costs mAP;
    connected components of the truth would call the blob one exact nucleus."""
    truth = np.zeros((1, 1, 24, 24), dtype=np.float32)
    truth[0, 0, 6:14, 4:12] = 1
    truth[0, 0, 6:14, 12:20] = 1
    ids = np.zeros((24, 24), dtype=np.int32)
    ids[6:14, 4:12], ids[6:14, 12:20] = 1, 2
    assert _fixed_scores(truth, truth, batch_size=1)["map"] == 1.0
    merged = _fixed_scores(truth, truth, batch_size=1, truths=[ids])["map"]
    expected = mean_average_precision(label_instances(truth[0, 0] > 0.5), ids)
    assert merged == pytest.approx(expected) and merged == 0.0


def test_held_out_truths_are_native_stored_ids_or_components_of_binary_truth(specimen, make_volume):
    from annotations.imaging.labels import encode_instance_map
    from annotations.imaging.masks import encode_mask
    from annotations.models import GroundTruth, GroundTruthSource, Section
    from inference.datasets import entries_for_ground_truths
    from inference.services.learning_curve.instances import held_out_truths

    volume = make_volume(specimen, shape=(2, 32, 32))
    ids = np.zeros((32, 32), dtype=np.uint16)
    ids[4:12, 4:12], ids[4:12, 12:20], ids[20:26, 20:26] = 1, 2, 3
    blobs = [encode_instance_map(ids, {1: 1, 2: 1, 3: 1}, [1]), encode_mask(ids > 0)]
    truths = [
        GroundTruth.objects.create(
            section=section, mask_png=blob, source=GroundTruthSource.IMPORTED, version=1
        )
        for section, blob in zip(
            Section.objects.filter(volume=volume).order_by("z"), blobs, strict=True
        )
    ]
    entries = entries_for_ground_truths([t.pk for t in truths])
    stored, binary = held_out_truths(entries, source=GroundTruthSource.IMPORTED)
    assert np.array_equal(stored, ids)  # the section's own 32 px grid, whatever the input size
    assert binary.shape == (32, 32)
    assert np.array_equal(binary > 0, ids > 0) and len(np.unique(binary[binary > 0])) == 2
