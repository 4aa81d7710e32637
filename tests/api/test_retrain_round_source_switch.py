"""A manager switches the ground truth a round series trains and scores on (round 1 fixed it):
over the API or the Rounds page, recorded in the series' trail, refused with a 4xx for an
unknown source, before round 1, while a round runs, and for anyone but a manager. The held-out
specimens stay, and a round's Dice compares with earlier rounds of its own source only."""

from __future__ import annotations

import pytest

from inference.models import RetrainRound, RoundSourceSwitch
from inference.selectors.rounds import learning_curve_points, round_list
from inference.services.rounds import retrain_round_launch
from tests.api.test_retrain_round_gt_source import trained_on
from tests.conftest import signed_in
from tests.helpers_training import add_specimens

pytestmark = pytest.mark.django_db(transaction=True)


def _url(project) -> str:
    return f"/api/projects/{project.slug}/retrain-round-source/"


@pytest.fixture
def series(project, manager, make_volume, queued):
    """Round 1 on consensus, done, in a project that also holds imported masks."""
    add_specimens(project, make_volume, 3, sections=2, source="imported", prefix="expert")
    add_specimens(project, make_volume, 3, sections=2, prefix="ours")
    trained_on(project, manager, "consensus")
    first = retrain_round_launch(project=project, user=manager)
    RetrainRound.objects.filter(pk=first.pk).update(state="done", dice_nucleus=0.8)
    return first


def test_a_manager_switches_the_source_and_the_next_round_uses_it(api, project, manager, series):
    response = api(manager).put(_url(project), {"gt_source": "imported"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["gt_source"] == "imported" and body["switched"] is True
    [entry] = body["switches"]
    assert entry["previous"] == "consensus" and entry["source"] == "imported"
    assert entry["after_round"] == 1 and entry["switched_by"] == "mona"
    assert RoundSourceSwitch.objects.get().switched_by == manager

    second = retrain_round_launch(project=project, user=manager)
    assert second.gt_source == "imported" and second.held_out_ids == series.held_out_ids
    assert second.training_job.config["gt_source"] == "imported"
    RetrainRound.objects.filter(pk=second.pk).update(state="done", dice_nucleus=0.6)
    rows = {r["number"]: r for r in round_list(project)}
    assert rows[2]["delta"] is None  # not compared with round 1's consensus Dice
    # The curve of Dice by round is the present source's: round 1 scored other ground truth.
    assert [p["round"] for p in learning_curve_points(project)] == [2]
    refused = api(manager).post(
        f"/api/projects/{project.slug}/retrain-rounds/", {"gt_source": "consensus"}, format="json"
    )
    assert refused.status_code == 409 and refused.json()["code"] == "round_source_fixed"
    assert "a manager switched it" in refused.json()["detail"]


def test_the_same_source_again_changes_nothing_and_records_nothing(api, project, manager, series):
    response = api(manager).put(_url(project), {"gt_source": "consensus"}, format="json")
    assert response.status_code == 200 and response.json()["switched"] is False
    assert not RoundSourceSwitch.objects.exists()


def test_bad_requests_are_refused_and_change_nothing(
    api, project, manager, annotator, outsider, series
):
    assert api(manager).put(_url(project), {"gt_source": "guess"}, format="json").status_code == 400
    assert api(manager).put(_url(project), {}, format="json").status_code == 400
    body = {"gt_source": "imported"}
    assert api(annotator).put(_url(project), body, format="json").status_code == 403
    assert api(outsider).put(_url(project), body, format="json").status_code == 404
    RetrainRound.objects.filter(pk=series.pk).update(state="evaluating")
    running = api(manager).put(_url(project), body, format="json")
    assert running.status_code == 409 and running.json()["code"] == "round_running"
    assert not RoundSourceSwitch.objects.exists()
    RetrainRound.objects.filter(pk=series.pk).update(state="done")
    assert round_list(project)[0]["gt_source"] == "consensus"


def test_before_round_1_there_is_no_series_to_switch(api, project, manager, make_volume):
    trained_on(project, manager, "consensus")
    refused = api(manager).put(_url(project), {"gt_source": "imported"}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "no_round_series"
    assert not RoundSourceSwitch.objects.exists()


def test_the_rounds_page_switches_it_and_shows_the_trail(project, manager, annotator, series):
    page = f"/projects/{project.slug}/rounds/"
    client = signed_in(manager)
    assert 'id="round-source-form"' in client.get(page).content.decode()
    saved = client.post(page, {"action": "source", "gt_source": "imported"})
    assert saved.status_code == 302
    html = signed_in(annotator).get(page).content.decode()
    assert 'id="round-source-form"' not in html
    assert "Ground truth: <strong>Imported mask</strong>, as a manager switched it" in html
    assert "After round 1: confirmed consensus → <strong>imported mask</strong>" in html
    assert "No round has been scored on imported mask ground truth since the switch" in html
    refused = client.post(page, {"action": "source", "gt_source": "guess"})
    assert refused.status_code == 400 and RoundSourceSwitch.objects.count() == 1
