"""The stain-shift endpoints: reviewers set it (403 otherwise), bounds are 400s, a stale version
is a 409, and reading it or asking for an estimate writes nothing."""

from __future__ import annotations

from annotations.models import AuditEvent, GroundTruth, Volume
from inference.services.fluorescence_gt import fluorescence_gt_create
from tests.helpers_stain_shift import stain_pair


def url(stain, tail=""):
    return f"/api/volumes/{stain.pk}/stain-shift/{tail}"


def test_a_reviewer_sets_the_shift_and_the_ground_truth_follows(project, reviewer, api):
    label_free, stain, _ = stain_pair(project)
    fluorescence_gt_create(project=project, user=reviewer)

    answer = api(reviewer).put(url(stain), {"dy": -2, "dx": -3, "base_version": 0}, format="json")

    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert (body["dy"], body["dx"], body["version"], body["rederived"]) == (-2, -3, 1, 1)
    assert body["set_by"] == reviewer.username and body["set_at"]
    truth = GroundTruth.objects.get(section__volume=label_free, is_current=True)
    assert truth.params["stain_shift"] == [-2, -3]


def test_an_annotator_or_a_manager_gets_403(project, annotator, manager, api):
    _, stain, _ = stain_pair(project)

    for user in (annotator, manager):
        answer = api(user).put(url(stain), {"dy": 1, "dx": 0}, format="json")
        assert answer.status_code == 403

    assert Volume.objects.get(pk=stain.pk).stain_shift_version == 0


def test_a_shift_beyond_a_quarter_of_the_section_is_400(project, reviewer, api):
    _, stain, _ = stain_pair(project)

    answer = api(reviewer).put(url(stain), {"dy": 0, "dx": -49}, format="json")

    assert answer.status_code == 400
    assert "at most ±48" in answer.json()["detail"]


def test_a_stale_version_is_409_with_the_current_shift(project, reviewer, api):
    _, stain, _ = stain_pair(project)
    client = api(reviewer)
    client.put(url(stain), {"dy": -2, "dx": -3, "base_version": 0}, format="json")

    answer = client.put(url(stain), {"dy": 5, "dx": 5, "base_version": 0}, format="json")

    assert answer.status_code == 409
    assert answer.json()["code"] == "stale_stain_shift"
    assert Volume.objects.get(pk=stain.pk).stain_shift == (-2, -3)


def test_reading_and_estimating_write_nothing(project, reviewer, annotator, api):
    _, stain, _ = stain_pair(project)
    fluorescence_gt_create(project=project, user=reviewer)
    before = (GroundTruth.objects.count(), AuditEvent.objects.count())

    read = api(annotator).get(url(stain))
    estimate = api(reviewer).get(url(stain, "estimate/"))

    assert read.status_code == 200 and read.json()["dy"] == 0
    assert read.json()["max_dy"] == 48
    assert estimate.status_code == 200
    body = estimate.json()
    assert (body["dy"], body["dx"], body["reliable"], body["z"]) == (-2, -3, True, 0)
    assert Volume.objects.get(pk=stain.pk).stain_shift == (0, 0)
    assert (GroundTruth.objects.count(), AuditEvent.objects.count()) == before


def test_an_estimate_outside_the_stack_is_400(project, reviewer, api):
    _, stain, _ = stain_pair(project)

    answer = api(reviewer).get(url(stain, "estimate/") + "?z=3")

    assert answer.status_code == 400
    assert "holds no stain" in answer.json()["detail"]
