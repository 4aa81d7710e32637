"""Launching an evaluation: what is refused before anything is written, who may launch, and what
the plan records."""

from __future__ import annotations

import pytest
from django.http import Http404

from annotations.models import Project
from cellweb.errors import ConflictError, InvalidInput, NotAllowed, NotFoundError
from inference.models import Evaluation
from tests.helpers_evaluation import (
    make_specimens,
    tiny_model_version,
)
from tests.unit.test_evaluation_service import launch

pytestmark = pytest.mark.usefixtures("single_thread_torch")


# ---------------------------------------------------------------------------------------------
# Launch validation


def test_a_set_without_ground_truth_is_refused_before_anything_is_written(
    project, manager, make_volume
):
    made = make_specimens(project, make_volume, 2, gt=None)
    with pytest.raises(ConflictError, match="no confirmed consensus ground truth") as caught:
        launch(project, manager, set_params={"specimen_ids": [s.pk for s, _ in made]})
    assert caught.value.code == "no_ground_truth"
    with pytest.raises(ConflictError, match="derive it from the paired stain"):
        launch(project, manager, set_kind="cross_modality")
    assert not Evaluation.objects.exists()


def test_a_model_version_of_another_project_is_not_found(project, manager, make_volume):
    other = Project.objects.create(slug="other", name="Other")
    version = tiny_model_version(other)
    make_specimens(project, make_volume, 1)
    with pytest.raises(NotFoundError):
        launch(
            project, manager, model_version_id=version.pk, set_kind="tag", set_params={"tag": "x"}
        )


def test_only_managers_launch_and_outsiders_see_nothing(project, reviewer, outsider, make_volume):
    made = make_specimens(project, make_volume, 1)
    params = {"specimen_ids": [made[0][0].pk]}
    with pytest.raises(NotAllowed):
        launch(project, reviewer, set_params=params)
    with pytest.raises(Http404):
        launch(project, outsider, set_params=params)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"set_kind": "cross_validation"}, "model version from a cross-validation job"),
        ({"set_kind": "tag"}, "needs a tag"),
        ({"set_kind": "specimens"}, "specimen_ids"),
        ({"set_kind": "cross_lab"}, "needs the lab"),
        ({"set_kind": "cross_modality", "gt_source": "consensus"}, "fluorescence ground truth"),
        ({"set_kind": "sideways"}, "Unknown set"),
        ({"set_params": {"colour": "red", "specimen_ids": [1]}}, "Unknown set parameter"),
        ({"threshold": 1.0, "set_params": {"specimen_ids": [1]}}, "threshold"),
        ({"threshold": float("nan"), "set_params": {"specimen_ids": [1]}}, "threshold"),
        ({"gt_source": "guess", "set_params": {"specimen_ids": [1]}}, "ground-truth source"),
    ],
)
def test_bad_requests_say_what_is_wrong(project, manager, make_volume, kwargs, message):
    make_specimens(project, make_volume, 1)
    with pytest.raises(InvalidInput, match=message):
        launch(project, manager, **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"set_kind": "tag", "set_params": {"tag": "nope"}}, "has no tag"),
        ({"set_kind": "specimens", "set_params": {"specimen_ids": [999999]}}, "not part of"),
    ],
)
def test_a_tag_or_specimen_not_in_the_project_is_not_found(
    project, manager, make_volume, kwargs, message
):
    make_specimens(project, make_volume, 1)
    with pytest.raises(NotFoundError, match=message):
        launch(project, manager, **kwargs)


def test_a_set_that_matches_no_specimen_is_a_conflict(project, manager, make_volume):
    make_specimens(project, make_volume, 1)
    with pytest.raises(ConflictError, match="No specimen") as caught:
        launch(project, manager, set_kind="cross_lab", set_params={"lab": "Nowhere"})
    assert caught.value.code == "no_matching_specimens"


def test_a_fold_model_cannot_score_the_specimens_it_was_trained_on_unless_asked(
    project, manager, make_volume
):
    made = make_specimens(project, make_volume, 2)
    specimens = [s for s, _ in made]
    version = tiny_model_version(project, train=specimens)
    with pytest.raises(ConflictError, match="trained on all of them"):
        launch(
            project,
            manager,
            model_version_id=version.pk,
            set_params={"specimen_ids": [s.pk for s in specimens]},
        )

    evaluation = launch(
        project,
        manager,
        model_version_id=version.pk,
        set_params={"specimen_ids": [s.pk for s in specimens], "include_training": True},
    )
    assert evaluation.config["specimens"] == 2


def test_the_plan_records_the_ground_truth_versions_and_the_volumes(project, manager, make_volume):
    made = make_specimens(project, make_volume, 2, z=4, time_points=2)
    evaluation = launch(project, manager, set_params={"specimen_ids": [s.pk for s, _ in made]})

    assert evaluation.status == "queued" and evaluation.sections == 16
    assert len(evaluation.config["ground_truth_ids"]) == 16
    assert evaluation.config["volumes"] == 4 and evaluation.config["total_sections"] == 16
    assert evaluation.config["methods"] == ["edge", "otsu"]
    assert evaluation.gt_source == "consensus"
