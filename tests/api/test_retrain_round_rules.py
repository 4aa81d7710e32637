"""Retrain rounds without a worker: launch refusals, the held-out set, and the rule "activate
when better on the same set" (the round's evaluation runs here; its end closes the round through
the job machine's listener)."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from django.core.management import CommandError, call_command
from sklearn.metrics import f1_score

from cellweb.errors import ConflictError
from cellweb.jobs import job_cancel
from cellweb.jobs.cancel_note import job_cancel_time
from inference.ml.nets import create_model
from inference.models import RetrainRound, RoundSettings, RoundState, SectionResult
from inference.services.evaluation import evaluation_run
from inference.services.model_versions import (
    model_version_activate,
    model_version_create,
    weights_payload,
)
from inference.services.rounds import retrain_round_launch
from tests.helpers_effort import effort_save
from tests.helpers_evaluation import launch_evaluation, make_specimens
from tests.helpers_training import TINY, single_thread_torch  # noqa: F401 (a fixture)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("single_thread_torch"),
]


def constant_version(project, *, foreground: bool, name: str):
    """A network whose every pixel is nucleus (or none is): Dice on a section with a nucleus is
    2|GT| / (|GT| + all pixels) for the first, 0 for the second."""
    model = create_model("unet16")
    with torch.no_grad():
        model.head.weight.zero_()
        model.head.bias.fill_(20.0 if foreground else -20.0)
    return model_version_create(
        project=project,
        name=name,
        arch="unet16",
        weights=weights_payload(model, arch="unet16", input_size=32),
        config=dict(TINY),
    )


def scored_round(project, manager, *, number, version, held_out):
    """Round ``number`` whose model is ``version``, at the point where its evaluation runs."""
    evaluation = launch_evaluation(project, None, specimens=held_out, version=version)
    row = RetrainRound.objects.create(
        project=project,
        number=number,
        state=RoundState.EVALUATING,
        result_version=version,
        evaluation=evaluation,
        held_out=[{"id": s.pk, "name": s.name} for s in held_out],
        gt_sections=10 * number,
    )
    evaluation_run(evaluation_id=evaluation.pk, device="cpu")
    row.refresh_from_db()
    return row


@pytest.fixture
def cells(project, make_volume):
    """One held-out specimen and its nucleus masks (z, y, x)."""
    ((specimen, [(_, nucleus)]),) = make_specimens(project, make_volume, 1, z=5, size=32)
    return specimen, nucleus


@pytest.fixture
def held_out(cells):
    return [cells[0]]


def nucleus_mean(row) -> float:
    dice = SectionResult.objects.filter(
        evaluation=row.evaluation, method="model", gt_pixels__gt=0
    ).values_list("dice", flat=True)
    return float(np.mean(list(dice)))


@pytest.mark.parametrize("rule", [True, False])
def test_a_better_round_is_activated_only_when_the_project_asks(
    project, manager, cells, held_out, rule
):
    RoundSettings.objects.create(project=project, activate_when_better=rule)
    empty = constant_version(project, foreground=False, name="nothing")
    full = constant_version(project, foreground=True, name="everything")
    model_version_activate(version=empty, user=manager)

    first = scored_round(project, manager, number=1, version=empty, held_out=held_out)
    second = scored_round(project, manager, number=2, version=full, held_out=held_out)

    assert first.state == second.state == RoundState.DONE
    assert first.dice_nucleus == pytest.approx(nucleus_mean(first)) == 0.0
    # Everything predicted: each section's Dice is its F1 score against an all-ones prediction.
    with_nucleus = [m for m in cells[1] if m.any()]
    expected = np.mean([f1_score(m.ravel(), np.ones(m.size, bool)) for m in with_nucleus])
    assert second.dice_nucleus == pytest.approx(nucleus_mean(second))
    assert second.dice_nucleus == pytest.approx(expected, abs=1e-6) and expected > 0
    assert not first.activated  # nothing earlier to beat
    assert second.activated is rule
    full.refresh_from_db()
    assert full.is_active is rule
    assert ("Activated" in second.message) is rule


def test_equal_dice_is_not_better(project, manager, held_out):
    RoundSettings.objects.create(project=project, activate_when_better=True)
    full = constant_version(project, foreground=True, name="everything")
    again = constant_version(project, foreground=True, name="everything again")
    scored_round(project, manager, number=1, version=full, held_out=held_out)
    second = scored_round(project, manager, number=2, version=again, held_out=held_out)
    assert second.state == RoundState.DONE and not second.activated
    assert "not higher" in second.message
    again.refresh_from_db()
    assert not again.is_active


def test_a_round_whose_evaluation_is_cancelled_says_who_cancelled_it_and_why(
    project, manager, held_out
):
    version = constant_version(project, foreground=True, name="everything")
    evaluation = launch_evaluation(project, None, specimens=held_out, version=version)
    row = RetrainRound.objects.create(
        project=project,
        number=1,
        state=RoundState.EVALUATING,
        result_version=version,
        evaluation=evaluation,
        held_out=[{"id": s.pk, "name": s.name} for s in held_out],
    )
    job_cancel("evaluation", job=evaluation, user=manager, reason="scoring the wrong set")
    row.refresh_from_db()
    evaluation.refresh_from_db()
    at = job_cancel_time(evaluation.cancel_requested_at)
    assert row.state == RoundState.CANCELLED
    assert (
        row.message
        == f"The evaluation was cancelled by {manager.username} at {at} — scoring the wrong set"
    )


def test_a_round_needs_an_active_model_and_specimens_to_hold_out(project, manager, make_volume):
    make_specimens(project, make_volume, 2, z=3, size=32)
    with pytest.raises(ConflictError, match="active model"):
        retrain_round_launch(project=project, user=manager)
    model_version_activate(
        version=constant_version(project, foreground=True, name="v"), user=manager
    )
    with pytest.raises(ConflictError, match="at least 3 specimens"):
        retrain_round_launch(project=project, user=manager)
    assert not RetrainRound.objects.exists()


def test_the_rounds_page_refuses_a_second_round_while_one_runs(
    project, manager, make_volume, client, queued
):
    make_specimens(project, make_volume, 4, z=3, size=32)
    parent = constant_version(project, foreground=True, name="parent")
    model_version_activate(version=parent, user=manager)
    client.force_login(manager)
    url = f"/projects/{project.slug}/rounds/"
    first = client.post(url, {"action": "launch", "epochs": "1"})
    assert first.status_code == 302
    row = RetrainRound.objects.get()
    assert row.number == 1 and row.parent_version == parent and len(row.held_out) == 1
    config = row.training_job.config
    assert config["from_version"] == parent.pk and config["final_model"] is True
    assert row.held_out_ids[0] not in config["specimen_ids"] and len(config["specimen_ids"]) == 3
    assert row.gt_sections == 12

    second = client.post(url, {"action": "launch", "epochs": "1"})
    assert second.status_code == 409
    assert "Round 1 is still fine-tuning" in second.content.decode()
    assert RetrainRound.objects.count() == 1
    page = client.get(f"{url}1/")
    assert page.status_code == 200 and "This is the first round" in page.content.decode()
    assert client.get(f"{url}9/").status_code == 404


def test_outsiders_do_not_find_the_rounds_and_annotators_cannot_launch(
    project, annotator, outsider, client
):
    url = f"/projects/{project.slug}/rounds/"
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.force_login(annotator)
    assert client.get(url).status_code == 200
    assert client.post(url, {"action": "launch"}).status_code == 403
    assert not RetrainRound.objects.exists()


def test_the_command_launches_the_next_round_or_says_why_not(project, manager, make_volume, queued):
    make_specimens(project, make_volume, 3, z=3, size=32)
    with pytest.raises(CommandError, match="activate a version"):
        call_command("retrain_round", project=project.slug)
    parent = constant_version(project, foreground=True, name="parent")
    model_version_activate(version=parent, user=manager)
    out = io.StringIO()
    call_command("retrain_round", project=project.slug, epochs=2, stdout=out)
    row = RetrainRound.objects.get()
    assert row.training_job.config["epochs"] == 2 and len(row.held_out) == 1
    assert f"Round 1 · training job {row.training_job_id}" in out.getvalue()
    assert f"Held out (scored every round, never trained on): {row.held_out[0]['name']}" in (
        out.getvalue()
    )
    assert len(queued) == 3  # two cross-validation folds and the final model


def test_the_round_page_shows_how_much_each_rounds_proposals_were_corrected(
    project, manager, cast, make_volume, client
):
    from annotations.models import Section
    from tests.api.test_annotation_api import SHAPE, rect_mask

    alice, bob, _ = cast
    specimen = make_specimens(project, make_volume, 1, z=3, size=32, gt=None)[0][0]
    volume = make_volume(specimen, shape=(2, *SHAPE), time_index=1)
    sections = list(Section.objects.filter(volume=volume).order_by("z"))
    parent = constant_version(project, foreground=False, name="parent")
    first = constant_version(project, foreground=True, name="round 1 model")
    second = constant_version(project, foreground=True, name="round 2 model")
    for number, (made_from, result) in enumerate(((parent, first), (first, second)), start=1):
        RetrainRound.objects.create(
            project=project,
            number=number,
            state=RoundState.DONE,
            parent_version=made_from,
            result_version=result,
        )
    proposal = rect_mask(4, 6, 20, 30)
    corrected = rect_mask(4, 6, 26, 30)
    # Round 1's model proposed twice: one kept as is, one corrected; round 2's model not yet.
    for user, section, mask, seconds in (
        (alice, sections[0], proposal, 60.0),
        (bob, sections[1], corrected, 180.0),
    ):
        effort_save(user, section, mask, seconds, version=first, proposal=proposal)
    client.force_login(manager)
    page = client.get(f"/projects/{project.slug}/rounds/2/").content.decode()

    dice = np.median([f1_score(proposal.ravel(), m.ravel()) for m in (proposal, corrected)])
    minutes = np.median([1.0, 3.0])
    round_1_result = f'data-effort="{first.pk}">0.50 accepted unchanged, correction Dice '
    assert round_1_result + f"{dice:.3f}, {minutes:.1f} min per section" in page
    assert f'data-effort="{second.pk}"><span class="cw-muted">no submission' in page
    # Round 2 started from round 1's model: the same numbers in its "started from" cell.
    assert page.count(f"correction Dice {dice:.3f}") == 2


def test_a_round_whose_job_ended_unheard_is_settled_by_the_next_launch(
    project, manager, make_volume, queued
):
    """A worker lost between a job's commit and its listener leaves the round "fine-tuning"; the
    next launch settles it from the job's final state instead of refusing forever."""
    from tests.helpers_evaluation import cross_validation_job

    specimens = [s for s, _ in make_specimens(project, make_volume, 3, z=3, size=32)]
    parent = constant_version(project, foreground=True, name="parent")
    model_version_activate(version=parent, user=manager)
    job, _ = cross_validation_job(project, specimens)  # succeeded, with fold models only
    stuck = RetrainRound.objects.create(
        project=project,
        number=1,
        parent_version=parent,
        training_job=job,
        held_out=[{"id": specimens[0].pk, "name": specimens[0].name}],
    )
    row = retrain_round_launch(project=project, user=manager)
    stuck.refresh_from_db()
    assert stuck.state == RoundState.FAILED
    assert stuck.message == "The fine-tuning job left no final model."
    assert row.number == 2 and row.held_out_ids == [specimens[0].pk]


def test_the_api_lists_launches_and_sets_with_the_usual_refusals(
    project, manager, annotator, outsider, make_volume, api, queued
):
    url = f"/api/projects/{project.slug}/retrain-rounds/"
    settings_url = f"/api/projects/{project.slug}/retrain-round-settings/"
    make_specimens(project, make_volume, 3, z=3, size=32)
    assert api(outsider).get(url).status_code == 404
    assert api(annotator).post(url, {}, format="json").status_code == 403
    refused = api(manager).post(url, {"epochs": 1}, format="json")
    assert refused.status_code == 409 and "active model" in refused.json()["detail"]
    assert api(manager).post(url, {"epochs": 0}, format="json").status_code == 400
    put = api(manager).put(settings_url, {"epochs": 3, "activate_when_better": True}, format="json")
    assert put.status_code == 200 and put.json() == {
        "epochs": 3,
        "activate_when_better": True,
        "retrain_after_sections": 0,
    }
    assert api(annotator).put(settings_url, put.json(), format="json").status_code == 403

    parent = constant_version(project, foreground=True, name="parent")
    model_version_activate(version=parent, user=manager)
    launched = api(manager).post(url, {}, format="json")
    assert launched.status_code == 201, launched.content
    body = launched.json()
    assert body["number"] == 1 and body["state"] == "training" and body["parent"]["id"] == parent.pk
    row = RetrainRound.objects.get()
    assert row.training_job.config["epochs"] == 3  # the project's round epochs
    listing = api(annotator).get(url).json()
    assert [r["number"] for r in listing["rounds"]] == [1]
    assert listing["learning_curve"] == [] and listing["settings"]["activate_when_better"]
    assert api(manager).post(url, {}, format="json").status_code == 409


def test_a_round_starts_by_itself_after_n_more_confirmed_sections(
    project, manager, annotator, make_volume, client, queued
):
    make_specimens(project, make_volume, 3, z=3, size=32)  # 9 confirmed sections
    model_version_activate(
        version=constant_version(project, foreground=True, name="parent"), user=manager
    )
    client.force_login(manager)
    url = f"/projects/{project.slug}/rounds/"
    saved = client.post(url, {"action": "settings", "epochs": "1", "retrain_after_sections": "12"})
    assert saved.status_code == 302
    assert RoundSettings.objects.get(project=project).retrain_after_sections == 12
    assert not RetrainRound.objects.exists()  # saving the setting launches nothing

    make_specimens(project, make_volume, 1, z=2, size=32)  # 11: one short
    assert not RetrainRound.objects.exists() and not queued
    make_specimens(project, make_volume, 1, z=1, size=32)  # 12 more than the imported model saw
    row = RetrainRound.objects.get()
    assert row.number == 1 and row.gt_sections == 12 and row.created_by is None
    assert row.message.startswith("Launched by itself: 12 confirmed sections")
    assert len(queued) == 3

    make_specimens(project, make_volume, 5, z=3, size=32)  # a round is running: no second one
    assert RetrainRound.objects.count() == 1
    assert 'name="retrain_after_sections" value="12"' in client.get(url).content.decode()
    client.force_login(annotator)
    assert "after 12 more confirmed sections" in client.get(url).content.decode()
    api = client.get(f"/api/projects/{project.slug}/retrain-rounds/").json()
    assert api["settings"]["retrain_after_sections"] == 12
    (listed,) = api["rounds"]
    assert (listed["id"], listed["number"]) == (row.pk, 1)
    assert listed["state_label"] == row.get_state_display()
    assert listed["training_status"] == row.training_job.status
    assert listed["evaluation_status"] is None
