"""The queue mode setting (API PATCH and settings page), launching a disagreement scoring over
the API, and the annotate page's sentence on why a section came first."""

from __future__ import annotations

from annotations.models import Project, QueueMode, SectionDisagreement
from inference.models import DisagreementJob
from tests.conftest import signed_in
from tests.helpers_disagreement import disagreeing_training_job, square_sections
from tests.helpers_pages import settings_form_post


def test_managers_choose_the_queue_mode_through_the_api_and_bad_values_are_refused(
    api, manager, annotator, project
):
    assert api(manager).get("/api/projects/lab/").json()["settings"]["queue_mode"] == (
        "fullest_first"
    )
    response = api(manager).patch(
        "/api/projects/lab/", {"queue_mode": "most_informative"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert Project.objects.get(pk=project.pk).queue_mode == QueueMode.MOST_INFORMATIVE
    bad = api(manager).patch("/api/projects/lab/", {"queue_mode": "random"}, format="json")
    assert bad.status_code == 400 and "queue_mode" in bad.content.decode()
    refused = api(annotator).patch(
        "/api/projects/lab/", {"queue_mode": "fullest_first"}, format="json"
    )
    assert refused.status_code == 403
    assert Project.objects.get(pk=project.pk).queue_mode == QueueMode.MOST_INFORMATIVE


def test_the_settings_page_saves_the_queue_mode(manager, project):
    client = signed_in(manager)
    assert "Work queue order" in client.get("/projects/lab/settings/").content.decode()
    response = settings_form_post(client, queue_mode="most_informative")
    assert response.status_code == 302
    assert Project.objects.get(pk=project.pk).queue_mode == QueueMode.MOST_INFORMATIVE


def test_a_scoring_is_launched_by_managers_and_refused_without_fold_models(
    api, manager, annotator, outsider, project, queued
):
    square_sections(project, [0, 6])
    url = "/api/projects/lab/disagreement/"
    conflict = api(manager).post(url, {}, format="json")
    assert conflict.status_code == 409 and "fold models" in conflict.json()["detail"]
    assert api(annotator).post(url, {}, format="json").status_code == 403
    assert api(outsider).post(url, {}, format="json").status_code == 404
    assert api(manager).post(url, {"threshold": 2}, format="json").status_code == 400

    training_job, _ = disagreeing_training_job(project, gains=(8.0, -8.0))
    launched = api(manager).post(url, {}, format="json")
    assert launched.status_code == 201, launched.content
    body = launched.json()
    assert body["training_job"] == training_job.pk and body["status"] == "queued"
    job = DisagreementJob.objects.get(pk=body["id"])
    assert job.created_by == manager
    detail = api(annotator).get(f"/api/disagreement/{job.pk}/")
    assert detail.status_code == 200 and detail.json()["id"] == job.pk
    assert api(outsider).get(f"/api/disagreement/{job.pk}/").status_code == 404


def test_the_annotate_page_says_why_the_section_came_first(annotator, project):
    sections = square_sections(project, [0, 6])
    SectionDisagreement.objects.create(
        section=sections[1],
        project=project,
        variance=0.08,
        pairwise_dice=0.41,
        folds=4,
        training_job_id=12,
    )
    client = signed_in(annotator)
    page = client.get(f"/sections/{sections[1].pk}/annotate/").content.decode()
    assert "data-queue-reason" not in page  # fullest first
    Project.objects.filter(pk=project.pk).update(queue_mode=QueueMode.MOST_INFORMATIVE)
    page = client.get(f"/sections/{sections[1].pk}/annotate/").content.decode()
    assert 'data-queue-reason="scored"' in page
    assert "variance 0.080, pairwise Dice 0.41, from training job 12" in page
    other = client.get(f"/sections/{sections[0].pk}/annotate/").content.decode()
    assert 'data-queue-reason="unscored"' in other


def test_the_training_job_page_lets_managers_rank_the_queue_by_its_fold_models(
    manager, annotator, project, queued
):
    square_sections(project, [0, 6])
    training_job, _ = disagreeing_training_job(project, gains=(8.0, -8.0))
    url = f"/training-jobs/{training_job.pk}/"
    page = signed_in(manager).get(url).content.decode()
    assert 'data-role="score-disagreement"' in page
    assert 'data-role="score-disagreement"' not in signed_in(annotator).get(url).content.decode()

    assert signed_in(annotator).post(f"{url}disagreement/").status_code == 403
    response = signed_in(manager).post(f"{url}disagreement/", follow=True)
    assert response.status_code == 200 and "is queued" in response.content.decode()
    assert DisagreementJob.objects.get().training_job_id == training_job.pk
    assert signed_in(manager).get(f"{url}disagreement/").status_code == 405
