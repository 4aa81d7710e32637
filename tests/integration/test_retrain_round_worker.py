"""A retrain round end to end with a real worker: confirmed ground truth, the launch, the
fine-tuning job (from the active version), the evaluation on the held-out set that the listener
queues, and the round page's numbers against the evaluation's rows; then a second round after
more confirmations, on the same held-out specimens. About 40 s: two rounds of three fold runs and
an evaluation each, through the worker, is the behaviour under test."""

from __future__ import annotations

import numpy as np
import pytest

from cellweb.celery import app as celery_app
from inference.models import RetrainRound, RoundSettings, RoundState, SectionResult
from inference.selectors.rounds import learning_curve_points, round_comparison
from inference.services.model_versions import model_version_activate
from inference.services.rounds import retrain_round_launch
from tests.helpers_evaluation import make_specimens, tiny_model_version
from tests.helpers_jobs import wait_until
from tests.helpers_training import SINGLE_THREAD_ENV, TINY

pytestmark = pytest.mark.integration


def finished(row: RetrainRound, worker) -> RetrainRound:
    def ended():
        row.refresh_from_db()
        return row if row.state not in (RoundState.TRAINING, RoundState.EVALUATING) else None

    ended_row = wait_until(
        ended,
        timeout=300,
        what=lambda: f"round {row.number} is still {row.state}\n{worker.log_text()[-3000:]}",
    )
    assert ended_row.state == RoundState.DONE, (ended_row.message, worker.log_text()[-3000:])
    return ended_row


def stats(values) -> dict:
    values = np.asarray(list(values), dtype=float)
    return {"mean": values.mean(), "std": values.std(ddof=1), "n": values.size}


def assert_scores_are_the_rows(scores: dict, row: RetrainRound) -> None:
    rows = SectionResult.objects.filter(evaluation=row.evaluation, method="model")
    for subset, query in (("all", rows), ("nucleus", rows.filter(gt_pixels__gt=0))):
        expected = stats(query.values_list("dice", flat=True))
        got = scores[subset]
        assert got["n"] == expected["n"] > 1, subset
        assert got["mean"] == pytest.approx(expected["mean"], abs=1e-9), subset
        assert got["std"] == pytest.approx(expected["std"], abs=1e-9), subset
    assert row.dice_nucleus == pytest.approx(scores["nucleus"]["mean"], abs=1e-9)


def test_two_rounds_fine_tune_the_active_model_and_score_the_same_held_out_specimens(
    project, manager, make_volume, worker_factory, client
):
    celery_app.control.purge()
    make_specimens(project, make_volume, 4, z=5, size=32, seed=1)  # 20 confirmed sections
    parent = tiny_model_version(project, name="parent")
    parent.config = dict(TINY)
    parent.save(update_fields=["config"])
    model_version_activate(version=parent, user=manager)
    RoundSettings.objects.create(project=project, epochs=1, activate_when_better=True)
    worker = worker_factory(name="rounds-worker", extra_env=SINGLE_THREAD_ENV)

    first = finished(retrain_round_launch(project=project, user=manager), worker)

    job = first.training_job
    assert job.config["from_version"] == parent.pk and job.config["epochs"] == 1
    result = first.result_version
    assert result.job_id == job.pk and result.kind == "final"
    assert result.provenance == "fine_tuned" and result.parent_id == parent.pk
    assert first.parent_version_id == parent.pk and first.gt_sections == 20
    held_out = first.held_out_ids
    assert len(held_out) == 1 and held_out[0] not in job.config["specimen_ids"]
    evaluation = first.evaluation
    assert evaluation.status == "succeeded" and evaluation.model_version_id == result.pk
    assert evaluation.set_params["specimen_ids"] == held_out
    assert not first.activated  # the first round has no earlier round to beat

    # More confirmed ground truth, then the next round.
    make_specimens(project, make_volume, 1, z=5, size=32, prefix="late", seed=2)
    second = finished(retrain_round_launch(project=project, user=manager), worker)

    assert second.number == 2 and second.gt_sections == 25
    assert second.held_out_ids == held_out
    assert second.evaluation.set_params["specimen_ids"] == held_out
    assert second.parent_version_id == parent.pk  # round 1 was not activated
    assert len(second.training_job.config["specimen_ids"]) == 4
    comparison = round_comparison(project, 2, manager)
    assert [c["number"] for c in comparison["columns"]] == [1, 2] and comparison["same_set"]
    for column, row in zip(comparison["columns"], (first, second)):
        assert_scores_are_the_rows(column["scores"], row)
    # Same sections in both rounds: the comparison is paired.
    sections = [
        sorted(SectionResult.objects.filter(evaluation=r.evaluation).values_list("section_id"))
        for r in (first, second)
    ]
    assert sections[0] == sections[1]
    better = second.dice_nucleus > first.dice_nucleus
    assert second.activated is better
    second.result_version.refresh_from_db()
    assert second.result_version.is_active is better
    assert [(p["gt_sections"], p["dice"]) for p in learning_curve_points(project)] == [
        (20, first.dice_nucleus),
        (25, second.dice_nucleus),
    ]

    client.force_login(manager)
    page = client.get(f"/projects/{project.slug}/rounds/2/").content.decode()
    assert f"{first.dice_nucleus:.4f}" in page and f"{second.dice_nucleus:.4f}" in page
    assert "mean ± sample SD over sections" in page
    listing = client.get(f"/projects/{project.slug}/rounds/").content.decode()
    assert 'alt="Dice on the held-out set against the number of confirmed sections' in listing
