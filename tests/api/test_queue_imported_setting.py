"""The project setting "annotators also draw sections with imported ground truth": stored,
shown and validated like the other settings, and said on the annotate page."""

from __future__ import annotations

import pytest

from annotations.models import Project
from tests.conftest import signed_in
from tests.helpers_pages import settings_form_post
from tests.unit.test_queue_imported_truth import two_cells  # noqa: F401 (fixture)


def test_it_is_off_by_default_and_a_manager_turns_it_on(api, manager, project):
    assert (
        api(manager).get("/api/projects/lab/").json()["settings"]["queue_includes_imported"]
        is False
    )
    response = api(manager).patch(
        "/api/projects/lab/", {"queue_includes_imported": True}, format="json"
    )
    assert response.status_code == 200, response.content
    assert Project.objects.get(pk=project.pk).queue_includes_imported is True


@pytest.mark.parametrize("value", ["maybe", 7, [True]])
def test_a_value_that_is_not_a_boolean_is_400(api, manager, project, value):
    response = api(manager).patch(
        "/api/projects/lab/", {"queue_includes_imported": value}, format="json"
    )
    assert response.status_code == 400
    assert "queue_includes_imported" in response.content.decode()
    assert Project.objects.get(pk=project.pk).queue_includes_imported is False


def test_the_settings_page_shows_and_saves_it(manager, project):
    client = signed_in(manager)
    html = client.get("/projects/lab/settings/").content.decode()
    assert "Annotators also draw sections with imported ground truth" in html
    response = settings_form_post(client, queue_includes_imported="on")
    assert response.status_code == 302
    assert Project.objects.get(pk=project.pk).queue_includes_imported is True


def test_the_annotate_page_says_how_many_sections_are_left_out(annotator, project, two_cells):  # noqa: F811
    html = signed_in(annotator).get("/projects/lab/annotate/next/").content.decode()
    assert "0 of 2 sections" in html
    assert "3 sections with imported ground truth left out" in html
    body = signed_in(annotator).get("/api/projects/lab/annotation-progress/").json()
    assert (body["sections_total"], body["sections_imported"]) == (2, 3)
    assert body["imported_in_queue"] is False
