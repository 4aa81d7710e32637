"""In Chromium: a user who may create projects makes one from the paper 001 preset, adds a class
on the settings page, renames one in its row (the row's inputs belong to the row's form), and is
told why a second class with a taken key is refused."""

from __future__ import annotations

import pytest

from annotations.models import Project
from tests.fixtures_live import login, screenshot

pytestmark = [pytest.mark.e2e]


def test_create_from_a_preset_add_rename_and_a_refused_delete(asgi_server, page, creator):
    login(page, asgi_server, creator.username)
    page.click("#project-new")
    page.fill("input[name=slug]", "tomo")
    page.fill("input[name=name]", "Tomograms")
    page.select_option("select[name=preset]", "organelles")
    screenshot(page, "labels-new-project")
    page.click("#project-new-form button[type=submit]")
    page.wait_for_url("**/projects/tomo/settings/")
    rows = page.locator("#label-classes tbody tr")
    assert rows.count() == 4

    page.fill("#label-add-form input[name=name]", "cytoplasm")
    page.fill("#label-add-form input[name=shortcut]", "y")
    page.select_option("#label-add-form select[name=kind]", "region")
    page.click("#label-add-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert rows.count() == 5
    assert page.locator("#label-classes tr[data-value='5'] input[name=name]").input_value() == (
        "cytoplasm"
    )

    row = page.locator("#label-classes tr[data-value='3']")
    row.locator("input[name=name]").fill("nucleoli")
    row.locator("button:has-text('Save')").click()
    page.wait_for_load_state("networkidle")
    assert "Class saved; masks are unchanged." in page.content()
    project = Project.objects.get(slug="tomo")
    names = {c["value"]: c["name"] for c in project.label_classes}
    assert (names[3], names[5], len(names)) == ("nucleoli", "cytoplasm", 5)

    page.fill("#label-add-form input[name=name]", "droplet")
    page.fill("#label-add-form input[name=shortcut]", "y")
    page.click("#label-add-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "The key “y” selects another class" in page.locator("#label-error").inner_text()
    screenshot(page, "labels-settings")
