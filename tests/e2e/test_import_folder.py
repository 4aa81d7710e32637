"""A manager uploads every file of a dish at once in Chromium and reads what was paired,
refused and skipped; the fields import in the background, one specimen each."""

from __future__ import annotations

import numpy as np
import pytest

from annotations.models import ImportJob, Specimen, Volume
from cellweb.jobs import JobStatus
from tests.data_files import write_tiff
from tests.fixtures_live import login, screenshot
from tests.integration.test_import_worker import wait_for_final

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


def test_manager_uploads_a_dish_and_reads_the_report(
    celery_worker, asgi_server, page, manager, project, tmp_path
):
    rng = np.random.default_rng(1)
    paths = []
    for number in (1, 2, 3):
        paths.append(write_tiff(tmp_path / f"dish_f0{number}_c1.tif", rng.random((48, 48), "f4")))
        stain_shape = (48, 48) if number != 3 else (40, 40)
        paths.append(
            write_tiff(
                tmp_path / f"dish_f0{number}_c2.tif", np.full(stain_shape, number * 100, "u2")
            )
        )
    notes = tmp_path / "notes.txt"
    notes.write_text("Hoechst")
    paths.append(notes)

    # The first page of a fresh server can be slow on a loaded machine.
    page.goto(f"{asgi_server.url}/accounts/login/", timeout=90_000)
    login(page, asgi_server, "mona")
    page.goto(f"{asgi_server.url}/projects/lab/import/")
    page.click("#import-folder-link")
    page.wait_for_url(f"{asgi_server.url}/projects/lab/import/folder/")
    page.set_input_files("input[name=files]", [str(p) for p in paths])
    page.select_option("select[name=modality]", "phase")
    page.fill("input[name=stain_name]", "Hoechst")
    page.click("#import-folder-form button[type=submit]")

    report = page.locator("#batch-report")
    report.wait_for()
    assert "2 fields queued" in report.inner_text()
    assert "dish_f01_c1.tif + dish_f01_c2.tif" in page.inner_text("#batch-queued")
    refused = page.inner_text("#batch-refused")
    assert "dish_f03" in refused and "1×40×40" in refused
    assert "notes.txt" in page.inner_text("#batch-skipped")
    screenshot(page, "import-folder-report")

    for job in ImportJob.objects.all():
        assert wait_for_final(job.pk).status == JobStatus.SUCCEEDED
    assert sorted(Specimen.objects.values_list("name", flat=True)) == ["dish_f01", "dish_f02"]
    assert Volume.objects.filter(modality="fluorescence", channel="Hoechst").count() == 2
