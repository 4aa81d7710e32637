"""One error shape for the whole API: ``{"detail": "...", "errors": {field: [...]}}``.

Each case below used to answer in another shape (field-keyed bodies, Django's HTML pages).
"""

from __future__ import annotations

import pytest
from django.test import Client

from annotations.models import ImportJob, Project, Section

pytestmark = pytest.mark.django_db


@pytest.fixture
def section(specimen, make_volume):
    return Section.objects.filter(volume=make_volume(specimen, shape=(3, 16, 16))).first()


def assert_error_shape(response, status: int, *fields: str) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    assert set(body) <= {"detail", "errors", "current"}
    if fields:
        assert set(fields) <= set(body["errors"]), body
        for field in fields:
            assert all(isinstance(message, str) for message in body["errors"][field])
            assert field in body["detail"]
    return body


LISTS = ["/api/projects/lab/training-jobs/", "/api/projects/lab/evaluations/"]
BAD_PAGES = [{"offset": -1}, {"limit": 0}, {"limit": "many"}]


@pytest.mark.parametrize(
    ("url", "query"),
    [(url, query) for url in LISTS for query in BAD_PAGES]
    + [("/api/projects/lab/review-queue/", {"limit": 0})],
)
def test_bad_paging_parameters(api, manager, url, query):
    assert_error_shape(api(manager).get(url, query), 400, *query)


def test_project_patch_with_bad_values(api, manager):
    response = api(manager).patch(
        "/api/projects/lab/", {"required_annotations": "three"}, format="json"
    )
    assert_error_shape(response, 400, "required_annotations")
    assert Project.objects.get(slug="lab").required_annotations == 3


def test_import_with_missing_fields(api, manager):
    response = api(manager).post("/api/projects/lab/imports/", {}, format="multipart")
    body = assert_error_shape(response, 400)
    assert "file" in body["errors"]
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize("action", ["confirm", "send-back", "exclude"])
def test_review_actions_with_missing_fields(api, reviewer, section, action):
    response = api(reviewer).post(
        f"/api/sections/{section.pk}/review/{action}/", {"bogus": 1}, format="json"
    )
    # Either a field is missing (400 naming it) or the section is not ready (409): one shape.
    assert response.status_code in (400, 409)
    assert_error_shape(response, response.status_code)


@pytest.mark.parametrize(
    "path",
    [
        "/api/sections/abc/annotations/mine/",
        "/api/volumes/1.5/",
        "/api/specimens/-3/",
        "/api/no-such-endpoint/",
    ],
)
def test_addresses_no_endpoint_matches_get_a_json_404(manager, path):
    client = Client()
    client.force_login(manager)
    assert_error_shape(client.get(path), 404)


def test_pages_outside_the_api_keep_their_html_404(manager):
    client = Client()
    client.force_login(manager)
    response = client.get("/sections/abc/annotate/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_body_over_django_s_limit_gets_a_json_413(manager, section, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    client = Client()
    client.force_login(manager)
    response = client.post(
        "/api/projects/lab/evaluations/",
        "[" + "0," * 2048 + "0]",
        content_type="application/json",
    )
    body = assert_error_shape(response, 413)
    assert "limit" in body["detail"]


def test_the_schema_documents_the_one_error_shape(api, manager):
    schema = api(manager).get("/api/schema/", {"format": "json"}).json()
    error = schema["components"]["schemas"]["Error"]
    assert error["required"] == ["detail"]
    assert set(error["properties"]) == {"detail", "errors"}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for code in ("400", "403", "404"):
                assert code in operation["responses"], f"{method.upper()} {path} lacks {code}"


def test_an_accept_header_the_api_cannot_answer_is_a_documented_406(api, manager, section):
    # A JSON endpoint refuses an Accept it cannot satisfy (DRF's content negotiation, before
    # the project is even looked up); an image answers PNG whatever the Accept says.
    client = Client()
    client.force_login(manager)
    response = client.get("/api/projects/nowhere/labels/", HTTP_ACCEPT="a1\\4M@P[IwT.HXo")
    assert_error_shape(response, 406)
    image = client.get(f"/api/sections/{section.pk}/image.png", HTTP_ACCEPT="text/plain")
    assert image.status_code == 200
    schema = api(manager).get("/api/schema/", {"format": "json"}).json()
    assert "406" in schema["paths"]["/api/projects/{slug}/labels/"]["get"]["responses"]
    assert "406" not in schema["paths"]["/api/sections/{section_id}/image.png"]["get"]["responses"]


def test_a_save_without_a_signed_in_user_says_so_by_its_code(api, annotator, section):
    """A page left open after its session ended (signed out in another tab) tells this 403 apart
    from a refusal by its code, and asks its user to sign in again."""
    url = f"/api/sections/{section.pk}/annotations/mine/"
    response = api(None).put(url, {"mask_png": "", "action": "save"}, format="json")
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "not_signed_in"
    assert body["detail"] == "Authentication credentials were not provided."
    # A signed-in user refused for another reason carries no such code.
    refused = api(annotator).post("/api/projects/lab/training-jobs/", {}, format="json")
    assert refused.status_code == 403
    assert "code" not in refused.json()
