"""A manager's browser, signed in, cannot be made to change members or delete a specimen by
another site: a form post or an API call without the CSRF token is refused (403) and changes
nothing; the same post with the token works."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from annotations.models import Membership, Role, Specimen


@pytest.fixture
def browser(manager) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    return client


def _token(client: Client, url: str) -> str:
    html = client.get(url).content.decode()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_member_forms_and_the_member_api_refuse_a_post_without_the_token(
    browser, project, annotator, outsider
):
    held = Membership.objects.get(project=project, user=annotator)
    base = f"/projects/{project.slug}/settings/"
    assert (
        browser.post(base + "members/", {"identifier": "otto", "role": "reviewer"}).status_code
        == 403
    )
    assert browser.post(base + f"members/{held.pk}/delete/").status_code == 403
    api = f"/api/projects/{project.slug}/members/"
    assert (
        browser.post(
            api, {"identifier": "otto", "role": "reviewer"}, content_type="application/json"
        ).status_code
        == 403
    )
    assert browser.delete(f"{api}{held.pk}/").status_code == 403
    assert Membership.objects.filter(pk=held.pk).exists()
    assert not Membership.objects.filter(user=outsider).exists()

    token = _token(browser, base)
    added = browser.post(
        base + "members/",
        {"identifier": "otto", "role": "reviewer", "csrfmiddlewaretoken": token},
    )
    assert added.status_code == 302
    assert Membership.objects.filter(project=project, user=outsider, role=Role.REVIEWER).exists()


def test_deleting_a_specimen_needs_the_token(browser, specimen, make_volume):
    make_volume(specimen)
    url = f"/specimens/{specimen.pk}/delete/"
    assert browser.post(url).status_code == 403
    assert Specimen.objects.filter(pk=specimen.pk).exists()
    token = _token(browser, f"/specimens/{specimen.pk}/")
    assert browser.post(url, {"csrfmiddlewaretoken": token}).status_code == 302
    assert not Specimen.objects.filter(pk=specimen.pk).exists()
