"""A project whose proposal setting is "off" hands out no model proposal, by any route: the
editor offers none, and neither the endpoint nor the front before Django answers one to a
request made anyway (a stored proposal of the active model included)."""

from __future__ import annotations

import numpy as np
import pytest

from annotations.imaging.masks import encode_mask
from annotations.models import Section
from annotations.selectors.section_images.grants import process_grants
from inference.models import StoredProposal
from inference.selectors.proposal_front import proposal_answer
from tests.conftest import signed_in
from tests.helpers_prediction import active_model, time_lapse  # noqa: F401 (a fixture)
from tests.helpers_proposals import _empty_cache, url  # noqa: F401 (an autouse fixture)


@pytest.fixture
def stored(project, active_model):  # noqa: F811
    """A label-free section with a stored proposal of the active model."""
    specimen, _ = time_lapse(project, "cell", times=1, shape=(4, 40, 40))
    section = Section.objects.filter(volume__specimen=specimen, z=2).get()
    mask = np.zeros((40, 40), dtype=bool)
    mask[10:20, 10:20] = True
    StoredProposal.objects.create(
        section=section, model_version=active_model, png=encode_mask(mask), source="prediction"
    )
    process_grants.clear()
    return section


def _set(api, manager, mode: str, on_commit) -> None:
    """Change the setting as a manager does; its commit publishes the state the front reads."""
    with on_commit(execute=True):
        response = api(manager).patch("/api/projects/lab/", {"proposals": mode}, format="json")
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(("mode", "expected"), [("off", 409), ("offered", 200), ("start", 200)])
def test_the_endpoint_answers_a_proposal_only_when_the_project_offers_them(
    api, annotator, manager, stored, mode, expected, django_capture_on_commit_callbacks
):
    _set(api, manager, mode, django_capture_on_commit_callbacks)
    response = api(annotator).get(url(stored))
    assert response.status_code == expected, response.content
    if expected == 409:
        assert response.json()["code"] == "proposal_unavailable"
        assert "off" in response.json()["detail"]


def test_the_front_serves_no_stored_proposal_while_the_setting_is_off(
    api, annotator, manager, stored, django_capture_on_commit_callbacks
):
    session_key = signed_in(annotator).session.session_key
    _set(api, manager, "off", django_capture_on_commit_callbacks)
    assert proposal_answer(stored.pk, session_key) is None
    _set(api, manager, "offered", django_capture_on_commit_callbacks)
    answer = proposal_answer(stored.pk, session_key)
    assert answer is not None and answer.source == "prediction"
