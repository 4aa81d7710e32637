"""The annotation queue over the API: progress, next with skips, who may ask, and the schema of
every annotation endpoint."""

from __future__ import annotations

import json

import pytest

from annotations.models import (
    Section,
    SectionStatus,
)
from tests.api.test_annotation_api import SHAPE, b64, put, rect_mask
from tests.review_support import sections_of


@pytest.fixture
def sections(specimen, make_volume):
    return sections_of(specimen, make_volume, shape=(3, *SHAPE))


# ---------------------------------------------------------------------------------- queue


def test_progress_endpoint(api, annotator, project, sections):
    put(api(annotator), sections[0], base_revision=None, mask_png=b64(rect_mask()), action="submit")
    body = api(annotator).get(f"/api/projects/{project.slug}/annotation-progress/").json()
    assert body == {
        "sections_total": 3,
        "sections_complete": 0,
        "sections_imported": 0,
        "imported_in_queue": False,
        "required_per_section": 3,
        "mine_submitted": 1,
        "mine_drafts": 0,
    }


def test_a_bad_skip_is_400(api, annotator, project, sections):
    response = api(annotator).post(f"/api/projects/{project.slug}/annotate/next/?skip=x")
    assert response.status_code == 400 and "skip" in response.json()["detail"]


def test_next_with_skip_hands_out_every_section_then_the_skipped_ones_again(
    api, annotator, project, sections
):
    client = api(annotator)
    url = f"/api/projects/{project.slug}/annotate/next/"
    seen = [client.post(url).json()["section_id"]]
    # "Annotate" again without saving: the same section (the menu never skips silently).
    assert client.post(url).json()["section_id"] == seen[0]
    for _ in sections[1:]:
        response = client.post(f"{url}?skip={seen[-1]}")
        assert response.status_code == 200
        seen.append(response.json()["section_id"])
        assert response.json()["url"] == f"/sections/{seen[-1]}/annotate/"
    assert sorted(seen) == sorted(s.pk for s in sections)
    # Skipped sections come back, first skipped first.
    assert client.post(f"{url}?skip={seen[-1]}").json()["section_id"] == seen[0]
    Section.objects.filter(project=project).update(status=SectionStatus.REVIEW)
    assert client.post(url).status_code == 204


def test_skipping_a_section_of_another_project_is_400(api, annotator, project, sections):
    response = api(annotator).post(f"/api/projects/{project.slug}/annotate/next/?skip=999999")
    assert response.status_code == 400 and "not a label-free section" in response.json()["detail"]


def test_next_is_for_annotators_and_members_only(api, reviewer, outsider, project, sections):
    assert api(reviewer).post(f"/api/projects/{project.slug}/annotate/next/").status_code == 403
    assert api(outsider).post(f"/api/projects/{project.slug}/annotate/next/").status_code == 404
    assert (
        api(outsider).post(f"/api/projects/{project.slug}/annotate/next/?skip=x").status_code == 404
    )


def test_the_schema_documents_every_annotation_endpoint(api, annotator):
    response = api(annotator).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = json.loads(response.content)["paths"]
    for path in [
        "/api/sections/{section_id}/annotations/mine/",
        "/api/sections/{section_id}/annotations/mine/reopen/",
        "/api/sections/{section_id}/annotations/",
        "/api/annotations/{annotation_id}/",
        "/api/annotations/{annotation_id}/revisions/",
        "/api/projects/{slug}/annotation-progress/",
        "/api/projects/{slug}/annotate/next/",
        "/api/projects/{slug}/export/",
    ]:
        assert path in paths
    put_body = paths["/api/sections/{section_id}/annotations/mine/"]["put"]["requestBody"][
        "content"
    ]
    assert {"application/json", "multipart/form-data"} <= set(put_body)
