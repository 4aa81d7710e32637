"""A manager uploads a tomogram through the web form, watches it import, and browses it."""

from __future__ import annotations

import re

import pytest

from annotations.demo import make_cell, write_tcf
from annotations.models import Specimen, Volume
from tests.fixtures_live import login, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


def test_manager_uploads_watches_the_import_and_steps_through_sections(
    celery_worker, asgi_server, page, manager, project, tmp_path
):
    cell = make_cell(seed=7, shape=(12, 96, 96))
    tcf = tmp_path / "HeLa-07.TCF"
    write_tcf(tcf, [cell.ri], {"CH0": [cell.dapi]}, cell.voxel_size)

    login(page, asgi_server, "mona")
    page.goto(f"{asgi_server.url}/projects/lab/import/")
    page.fill("input[name=specimen]", "HeLa-07")
    page.select_option("select[name=modality]", "ri")
    page.fill("input[name=channel]", "DAPI")
    page.fill("input[name=lab]", "KAIST")
    page.set_input_files("input[name=file]", str(tcf))
    screenshot(page, "data-01-import-form")
    page.click("#import-form button[type=submit]")

    page.wait_for_url(re.compile(r"/imports/\d+/$"))
    page.wait_for_selector("#cw-root[data-status=succeeded]", timeout=90_000)
    assert "Import finished" in page.inner_text("#cw-root")
    screenshot(page, "data-02-import-finished")

    page.click("[data-action=done]")
    page.wait_for_url(f"{asgi_server.url}/projects/lab/")
    row = page.locator("#specimen-table tr", has_text="HeLa-07")
    assert "KAIST" in row.inner_text()
    thumbnail = row.locator("img.cw-thumb")
    thumbnail.wait_for()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle()
    )
    screenshot(page, "data-03-project")

    row.locator("a", has_text="HeLa-07").click()
    specimen = Specimen.objects.get(name="HeLa-07")
    page.wait_for_url(f"{asgi_server.url}/specimens/{specimen.pk}/*")
    slider = page.locator("input[aria-label='z-section']")
    slider.wait_for()
    canvas = page.locator("#cw-root canvas").first
    canvas.wait_for()
    page.wait_for_load_state("networkidle")
    root = page.locator("#cw-root")
    first_z = int(root.get_attribute("data-z"))
    before = canvas.screenshot()
    screenshot(page, "data-04-viewer")

    target = 2 if first_z != 2 else 9
    with page.expect_response(re.compile(r"/api/sections/\d+/image\.png")) as response_info:
        slider.fill(str(target))
    assert response_info.value.status == 200
    page.wait_for_function(f"document.getElementById('cw-root').dataset.z === '{target}'")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)
    after = canvas.screenshot()
    screenshot(page, "data-05-viewer-moved")

    ri = Volume.objects.get(specimen=specimen, modality="ri")
    section = ri.sections.get(z=target)
    assert root.get_attribute("data-section-id") == str(section.pk)
    assert before != after, "moving the z-slider did not change the displayed section"

    # The paired DAPI section of the same z, side by side.
    fluorescence_url = f"/api/sections/{section.fluorescence_id}/image.png"
    with page.expect_response(lambda r: fluorescence_url in r.url) as stain_info:
        page.get_by_label("Side by side").check()
    assert stain_info.value.status == 200
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)
    screenshot(page, "data-06-viewer-side-by-side")
