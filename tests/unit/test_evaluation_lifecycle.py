"""An evaluation as a job: its events on the one envelope, a second delivery, cancel, a failure, and
`manage.py evaluate --wait`."""

from __future__ import annotations

import numpy as np
import pytest

from cellweb.errors import ConflictError
from inference.models import Evaluation, SectionResult, VolumeResult
from inference.services.evaluation import (
    evaluation_cancel,
    evaluation_run,
    runner,
    scoring,
)
from tests.helpers_commands import run_command
from tests.helpers_evaluation import (
    make_specimens,
)
from tests.unit.test_evaluation_service import launch, run

pytestmark = pytest.mark.usefixtures("single_thread_torch")


def test_progress_and_status_events_are_the_jobs_own_on_the_one_envelope(
    project, manager, make_volume, monkeypatch, django_capture_on_commit_callbacks
):
    from cellweb import events as live

    events = []
    monkeypatch.setattr(live, "send_now", lambda group, event: events.append((group, event)))
    made = make_specimens(project, make_volume, 1, z=3)
    with django_capture_on_commit_callbacks(execute=True):
        evaluation = run(launch(project, manager, set_params={"specimen_ids": [made[0][0].pk]}))

    group = f"job.evaluation.{evaluation.pk}"
    assert {g for g, _ in events} == {group}
    assert all(e["kind"] == "evaluation" and e["id"] == evaluation.pk for _, e in events)
    progress = [e for _, e in events if e["type"] == "progress"]
    assert progress and all("fold" not in e and e["batches"] == 3 for e in progress)
    assert not [e for _, e in events if e["type"] == "fold_status"]
    assert progress[-1]["batch"] == 3
    final = [e for _, e in events if e["type"] == "job_status"][-1]
    assert final["status"] == "succeeded" and "dice" in final["summary"]["metrics"]
    seqs = [e["seq"] for _, e in events]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)


def test_a_second_delivery_of_a_finished_evaluation_does_nothing(project, manager, make_volume):
    made = make_specimens(project, make_volume, 1, z=3)
    evaluation = run(launch(project, manager, set_params={"specimen_ids": [made[0][0].pk]}))
    count = SectionResult.objects.filter(evaluation=evaluation).count()

    again = evaluation_run(evaluation_id=evaluation.pk, device="cpu")

    assert again.status == "succeeded"
    assert SectionResult.objects.filter(evaluation=evaluation).count() == count


def test_cancel_ends_a_queued_evaluation_and_refuses_a_finished_one(project, manager, make_volume):
    made = make_specimens(project, make_volume, 1, z=3)
    evaluation = launch(project, manager, set_params={"specimen_ids": [made[0][0].pk]})

    cancelled = evaluation_cancel(evaluation=evaluation, user=manager)
    assert cancelled.status == "cancelled"
    assert evaluation_run(evaluation_id=evaluation.pk).status == "cancelled"
    with pytest.raises(ConflictError):
        evaluation_cancel(evaluation=cancelled, user=manager)


def test_a_cancel_during_the_run_stops_it_and_keeps_no_partial_results(
    project, manager, make_volume, monkeypatch
):
    made = make_specimens(project, make_volume, 2, z=3)
    evaluation = launch(project, manager, set_params={"specimen_ids": [s.pk for s, _ in made]})
    original = runner._Progress.__call__

    def cancel_then_progress(self, sections, message):
        Evaluation.objects.filter(pk=evaluation.pk).update(cancel_requested=True)
        self.ctx._last_progress = float("-inf")  # this report is written, not throttled
        original(self, sections, message)

    monkeypatch.setattr(runner._Progress, "__call__", cancel_then_progress)
    result = evaluation_run(evaluation_id=evaluation.pk, device="cpu")

    assert result.status == "cancelled"
    assert not SectionResult.objects.filter(evaluation=evaluation).exists()
    assert not VolumeResult.objects.filter(evaluation=evaluation).exists()


def test_a_failure_is_recorded_on_the_evaluation(project, manager, make_volume, monkeypatch):
    made = make_specimens(project, make_volume, 1, z=3)
    evaluation = launch(project, manager, set_params={"specimen_ids": [made[0][0].pk]})

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(scoring, "edge_based", broken)
    result = evaluation_run(evaluation_id=evaluation.pk, device="cpu")

    assert result.status == "failed" and "disk on fire" in result.error


def test_manage_py_evaluate_runs_here_with_wait_and_prints_the_table(project, make_volume):
    from django.core.management import CommandError, call_command

    made = make_specimens(project, make_volume, 1, z=3)
    text = run_command(
        "evaluate",
        "--project",
        project.slug,
        "--set",
        "specimens",
        "--specimen",
        str(made[0][0].pk),
        "--threshold",
        "0.4",
        "--wait",
        "--device",
        "cpu",
    )
    evaluation = Evaluation.objects.get()
    assert f"Evaluation {evaluation.pk} succeeded" in text
    assert "Edge-based" in text and "Otsu" in text and "dice" in text
    assert evaluation.threshold == 0.4 and evaluation.created_by is None
    # Two tables, as in the report: every section, then the sections with a nucleus; the Otsu
    # row's Dice is the mean over those sections of the stored section results.
    every, nucleus = text.split("Sections whose ground truth holds a nucleus")
    assert "Every section, mean ± SD over sections" in every
    otsu = SectionResult.objects.filter(evaluation=evaluation, method="otsu")
    for table, rows in ((every, otsu), (nucleus, otsu.filter(gt_pixels__gt=0))):
        line = next(row for row in table.splitlines() if row.startswith("Otsu"))
        dice = np.mean(list(rows.values_list("dice", flat=True)))
        assert line.split()[1] == f"{dice:.3f}"
    with pytest.raises(CommandError, match="derive it from the paired stain"):
        call_command("evaluate", "--project", project.slug, "--set", "cross_modality", "--wait")
