"""A learning curve that starts from a segmentation version scores it on specimens it was not
trained on: a pretrained curve scored on masks it learned would flatter the pretrained start."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inference.ml.learning_curve import held_out_groups
from inference.models import LearningCurve
from tests.helpers_evaluation import tiny_model_version
from tests.helpers_training import add_specimens

pytestmark = pytest.mark.django_db

TINY = {"sizes": [1, "all"], "seeds": 1, "arch": "unet16", "samples": 2, "input_size": 32}


def _launch(api, project, manager, version):
    body = {**TINY, "start_version": version.pk, "gt_source": "imported"}
    return api(manager).post(f"/api/projects/{project.slug}/learning-curves/", body, format="json")


def test_the_held_out_specimen_is_one_the_start_version_never_learned(
    api, project, manager, make_volume
):
    specimens = add_specimens(project, make_volume, 4, sections=2, source="imported")
    unseen = specimens[1]
    version = tiny_model_version(project, train=[s for s in specimens if s != unseen])
    response = _launch(api, project, manager, version)
    assert response.status_code == 201, response.content
    assert [h["id"] for h in response.json()["held_out"]] == [unseen.pk]


def test_a_start_version_trained_on_every_specimen_is_refused(api, project, manager, make_volume):
    specimens = add_specimens(project, make_volume, 3, sections=2, source="imported")
    final = tiny_model_version(project, kind="final", train=specimens)
    response = _launch(api, project, manager, final)
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "start_version_saw_all"
    assert "scored on sections it learned" in response.json()["detail"]
    assert not LearningCurve.objects.exists()


def test_an_in_silico_labelling_start_is_not_avoided(api, project, manager, make_volume):
    specimens = add_specimens(project, make_volume, 3, sections=2, source="imported")
    isl = tiny_model_version(project, train=specimens)
    isl.task = "isl"
    isl.save(update_fields=["task"])
    assert _launch(api, project, manager, isl).status_code == 201


@settings(max_examples=100, deadline=None)
@given(
    sizes=st.integers(2, 12),
    avoided=st.sets(st.integers(0, 11)),
    seed=st.integers(0, 1000),
)
def test_held_out_specimens_avoid_the_learned_ones_while_others_are_left(sizes, avoided, seed):
    groups = list(range(sizes))
    held = set(held_out_groups(groups, seed=seed, avoid=avoided))
    assert held and held != set(groups)
    if set(groups) - avoided:
        assert not held & avoided
