"""One scoring of a training job's fold models at a time: two launches at the same instant (a
manager's double click, two managers) queue one scoring, the other is refused (409) and names
it; once it has ended, the same scoring can be launched again. Another training job's scoring
is not refused (the last to end ranks the queue, docs/informative.md)."""

from __future__ import annotations

import pytest

from cellweb.errors import ConflictError
from cellweb.jobs import job_cancel
from inference.models import DisagreementJob
from inference.services.disagreement import disagreement_launch
from tests.helpers_disagreement import disagreeing_training_job
from tests.helpers_threads import run_together

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_launches_at_once_queue_one_scoring_of_a_training_job(project, manager, queued):
    job, _ = disagreeing_training_job(project)

    results, errors = run_together(
        lambda: disagreement_launch(project=project, user=manager, training_job_id=job.pk), 2
    )

    assert len(results) == 1, errors
    (scoring,) = results
    assert len(errors) == 1 and isinstance(errors[0], ConflictError), errors
    assert errors[0].code == "scoring_under_way"
    assert errors[0].current == {"id": scoring.pk, "status": "queued"}
    assert f"Scoring {scoring.pk} of training job {job.pk} is already queued" in str(errors[0])
    assert DisagreementJob.objects.filter(project=project).count() == 1
    assert len(queued) == 1

    job_cancel("disagreement", job=scoring, user=manager)
    again = disagreement_launch(project=project, user=manager, training_job_id=job.pk)
    other, _ = disagreeing_training_job(project, gains=(2.0, -2.0))
    newer = disagreement_launch(project=project, user=manager, training_job_id=other.pk)
    assert again.status == newer.status == "queued" and again.pk != scoring.pk
