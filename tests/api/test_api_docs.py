"""The API schema and its documentation pages: signed-in users only, served from our own files."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.test import Client

from tests.conftest import signed_in

pytestmark = pytest.mark.django_db

DOC_PAGES = ["/api/docs/", "/api/redoc/"]


def test_a_visitor_gets_neither_the_schema_nor_the_pages():
    visitor = Client()
    response = visitor.get("/api/schema/", {"format": "json"})
    assert response.status_code == 403
    assert response.json()["detail"] == "Authentication credentials were not provided."
    for page in DOC_PAGES:
        response = visitor.get(page)
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={page}"


def test_a_signed_in_user_reads_the_schema(annotator):
    response = signed_in(annotator).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    assert "/api/projects/{slug}/imports/" in response.json()["paths"]


def test_the_schema_is_valid_openapi_without_warnings(tmp_path):
    # Warnings include two choice sets under one name (a generated client then gets names such
    # as "Modality75dEnum"): ENUM_NAME_OVERRIDES names each set once.
    out = tmp_path / "schema.yml"
    call_command("spectacular", file=str(out), validate=True, fail_on_warn=True)
    text = out.read_text()
    for name in ("ModalityEnum", "LabelFreeModalityEnum", "GtSourceEnum", "LabelKindEnum"):
        assert f"    {name}:" in text


@pytest.mark.parametrize("page", DOC_PAGES)
def test_the_pages_load_only_our_own_files(annotator, page):
    client = signed_in(annotator)
    response = client.get(page)
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"(src|href)=\"(https?:)?//", html), "a page refers to another host"
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "img-src 'self' data:" in policy
    assets = re.findall(r"(?:src|href)=\"(/static/[^\"]+)\"", html)
    assert assets, "no static files referenced"
    for asset in assets:
        served = client.get(asset)
        assert served.status_code == 200, asset
        served.close()
