"""Every page names the site's icon, so a browser does not ask for /favicon.ico (a 404 in its
console on each first visit)."""

from __future__ import annotations

import re

from django.test import Client

from tests.conftest import signed_in


def _icon_of(html: str) -> str:
    match = re.search(r'<link rel="icon" href="(/static/[^"]+\.svg)" type="image/svg\+xml">', html)
    assert match, "the page names no icon"
    return match.group(1)


def test_the_sign_in_page_names_an_icon_that_is_served(db):
    client = Client()
    icon = _icon_of(client.get("/accounts/login/").content.decode())
    served = client.get(icon)
    assert served.status_code == 200
    assert b"<svg" in b"".join(served.streaming_content)


def test_a_project_page_names_the_same_icon(manager, project):
    client = signed_in(manager)
    html = client.get(f"/projects/{project.slug}/").content.decode()
    assert _icon_of(html) == _icon_of(Client().get("/accounts/login/").content.decode())
