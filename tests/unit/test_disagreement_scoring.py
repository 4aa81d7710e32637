"""The disagreement scoring job, run in this process: fold models that disagree on known
sections score those sections highest, by the variance NumPy computes from their probability
maps; the launch refusals; and the scoring that follows a training job."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from annotations.models import QueueMode, SectionDisagreement, SectionStatus
from annotations.services.volumes import volume_array
from cellweb.errors import ConflictError, NotAllowed, NotFoundError
from cellweb.jobs import job_execute
from inference.ml.predict import predict_sections
from inference.models import DisagreementJob
from inference.services.disagreement import disagreement_launch
from inference.services.model_versions import model_version_load
from inference.services.training.gather import training_job_gather
from tests.helpers_disagreement import SIZE, disagreeing_training_job, square_sections

SIDES = [0, 12, 4, 0, 20, 8]  # the square's side per section; 0: no square, nothing to disagree on


def run(job: DisagreementJob) -> DisagreementJob:
    job_execute("disagreement", job.pk, worker="test", options={"device": "cpu"})
    return DisagreementJob.objects.get(pk=job.pk)


def numpy_variance(versions, sections) -> dict[int, float]:
    """Each section's mean over pixels of the variance over the models' probabilities."""
    stack = np.array(volume_array(sections[0].volume), dtype=np.float32)
    probs = np.stack(
        [
            predict_sections(
                model_version_load(v)[0], stack, device=torch.device("cpu"), input_size=SIZE
            )
            for v in versions
        ]
    )
    mean = probs.mean(axis=0)
    variance = ((probs - mean) ** 2).mean(axis=0).mean(axis=(1, 2))
    return {s.pk: float(variance[s.z]) for s in sections}


def test_sections_the_fold_models_disagree_on_score_highest(project, manager):
    sections = square_sections(project, SIDES)
    training_job, versions = disagreeing_training_job(project)

    job = run(disagreement_launch(project=project, user=manager, queue=False))

    assert job.status == "succeeded", job.error
    scores = {s.section_id: s for s in SectionDisagreement.objects.filter(project=project)}
    assert set(scores) == {s.pk for s in sections} and job.sections == len(SIDES)
    expected = numpy_variance(versions, sections)
    for section in sections:
        score = scores[section.pk]
        assert score.variance == pytest.approx(expected[section.pk], abs=1e-7)
        assert score.training_job_id == training_job.pk and score.folds == 3
        # gains +8, -8, +4: two masks are the square, one is empty (Dice 1/3); no square: 1.0
        assert score.pairwise_dice == pytest.approx(1 / 3 if SIDES[section.z] else 1.0)
    by_score = sorted(sections, key=lambda s: -scores[s.pk].variance)
    assert [SIDES[s.z] for s in by_score][:4] == [20, 12, 8, 4]
    assert [s["section"] for s in job.result["top"][:4]] == [s.pk for s in by_score[:4]]


def test_only_sections_that_still_need_annotations_are_scored_and_old_scores_go(project, manager):
    sections = square_sections(project, SIDES)
    disagreeing_training_job(project)
    run(disagreement_launch(project=project, user=manager, queue=False))
    sections[1].status = SectionStatus.CONFIRMED
    sections[1].save(update_fields=["status"])
    sections[2].submitted_count = project.required_annotations
    sections[2].save(update_fields=["submitted_count"])

    second, _ = disagreeing_training_job(project, gains=(6.0, -6.0))
    run(disagreement_launch(project=project, user=manager, training_job_id=second.pk, queue=False))

    rows = SectionDisagreement.objects.filter(project=project)
    assert {r.section_id for r in rows} == {s.pk for s in sections} - {
        sections[1].pk,
        sections[2].pk,
    }
    assert {r.training_job_id for r in rows} == {second.pk}


def test_a_launch_needs_a_training_job_with_two_fold_models(project, manager, annotator):
    square_sections(project, SIDES)
    with pytest.raises(ConflictError, match="two or more fold models"):
        disagreement_launch(project=project, user=manager, queue=False)
    one_fold, _ = disagreeing_training_job(project, gains=(8.0,))
    with pytest.raises(ConflictError, match="1 fold model;"):
        disagreement_launch(project=project, user=manager, training_job_id=one_fold.pk)
    with pytest.raises(NotFoundError):
        disagreement_launch(project=project, user=manager, training_job_id=one_fold.pk + 99)
    with pytest.raises(NotAllowed):
        disagreement_launch(project=project, user=annotator)


def test_a_training_job_of_a_most_informative_project_is_followed_by_a_scoring(
    project, queued, django_capture_on_commit_callbacks
):
    square_sections(project, SIDES)
    fullest, _ = disagreeing_training_job(project, gains=(8.0, -8.0), status="running")
    with django_capture_on_commit_callbacks(execute=True):
        training_job_gather(fullest.pk)
    assert not DisagreementJob.objects.exists()  # fullest first: nothing to rank

    project.queue_mode = QueueMode.MOST_INFORMATIVE
    project.save(update_fields=["queue_mode"])
    informative, _ = disagreeing_training_job(project, gains=(8.0, -8.0), status="running")
    with django_capture_on_commit_callbacks(execute=True):
        training_job_gather(informative.pk)

    job = DisagreementJob.objects.get()
    assert job.training_job_id == informative.pk and job.created_by is None
    assert [(k["args"], k["queue"]) for _, k in queued] == [(["disagreement", job.pk], "gpu")]


def test_switching_the_queue_to_most_informative_scores_once_when_nothing_is_scored(
    project, queued, django_capture_on_commit_callbacks
):
    from annotations.services.projects import project_settings_update

    square_sections(project, SIDES)
    with django_capture_on_commit_callbacks(execute=True):
        project_settings_update(project=project, queue_mode=QueueMode.FULLEST_FIRST)
    assert not DisagreementJob.objects.exists()  # today's order: nothing to rank

    with django_capture_on_commit_callbacks(execute=True):
        project_settings_update(project=project, queue_mode=QueueMode.MOST_INFORMATIVE)
    assert not DisagreementJob.objects.exists()  # no fold models yet: the order stays today's

    trained, _ = disagreeing_training_job(project, gains=(8.0, -8.0))
    with django_capture_on_commit_callbacks(execute=True):
        project_settings_update(project=project, queue_mode=QueueMode.MOST_INFORMATIVE)
    job = DisagreementJob.objects.get()
    assert job.training_job_id == trained.pk and job.created_by is None
    with django_capture_on_commit_callbacks(execute=True):
        project_settings_update(project=project, queue_mode=QueueMode.MOST_INFORMATIVE)
    assert DisagreementJob.objects.count() == 1  # one is already under way

    run(job)
    assert SectionDisagreement.objects.filter(project=project).exists()
    with django_capture_on_commit_callbacks(execute=True):
        project_settings_update(project=project, queue_mode=QueueMode.MOST_INFORMATIVE)
    assert DisagreementJob.objects.count() == 1  # scores exist: nothing more to do
    assert [k["args"] for _, k in queued] == [["disagreement", job.pk]]
