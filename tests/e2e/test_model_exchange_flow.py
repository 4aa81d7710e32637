"""A manager exports a model version as a bioimage.io package from the models page and imports
it back through the page's form: a broken file is refused there with its reason, a whole one is
imported by a worker while the import's page follows its job, which ends with a link to the new
version."""

from __future__ import annotations

import zipfile

import pytest
import torch

from inference.ml.nets import create_model
from inference.models import ModelVersion
from inference.services.model_versions import model_version_create, weights_payload
from tests.fixtures_live import login, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


def test_manager_exports_and_imports_a_model_from_the_models_page(
    celery_worker, asgi_server, page, project, manager, tmp_path
):
    torch.manual_seed(0)
    original = model_version_create(
        project=project,
        name="Unet16 · job 1 · fold 1/2",
        arch="unet16",
        weights=weights_payload(create_model("unet16"), arch="unet16", input_size=32),
        config={"input_size": 32},
        metrics={"dice": 0.81, "jaccard": 0.7},
    )
    # The server imports torch on its first request: minutes on a loaded machine, not 20 s.
    page.request.get(f"{asgi_server.url}/accounts/login/", timeout=180_000)
    login(page, asgi_server, "mona")
    page.goto(f"{asgi_server.url}/projects/{project.slug}/models/")
    row = f"tr[data-version='{original.pk}']"
    assert "trained from scratch" in page.inner_text(f"{row} [data-role=provenance]")
    screenshot(page, "models-01-page")

    with page.expect_download(timeout=120_000) as download:
        page.click(f"{row} [data-role=export]")
    package = tmp_path / download.value.suggested_filename
    download.value.save_as(package)
    assert package.name.endswith(".bioimageio.zip")
    assert "rdf.yaml" in zipfile.ZipFile(package).namelist()

    broken = tmp_path / "broken.zip"
    broken.write_bytes(package.read_bytes()[:2000])
    page.set_input_files("#model-import-form input[name=file]", str(broken))
    page.click("#model-import-button")
    page.wait_for_selector("#model-import-form .cw-error")
    assert "corrupt" in page.inner_text("#model-import-form")
    assert ModelVersion.objects.count() == 1
    screenshot(page, "models-02-refused")

    page.set_input_files("#model-import-form input[name=file]", str(package))
    page.fill("#model-import-form input[name=name]", "round trip")
    page.click("#model-import-button")
    page.wait_for_url("**/model-imports/*/")
    # The worker imports torch before its first run: minutes on a loaded machine.
    page.wait_for_selector("[data-action=open-version]", timeout=300_000)
    assert "test output reproduced" in page.inner_text("#cw-root")
    screenshot(page, "models-03-import-job")
    page.click("[data-action=open-version]")
    imported = ModelVersion.objects.get(provenance="imported")
    page.wait_for_selector(f"tr#model-version-{imported.pk}")
    cell = page.inner_text(f"tr[data-version='{imported.pk}'] [data-role=provenance]")
    assert cell.splitlines() == [
        f"imported from {package.name}",
        "verified test output reproduced: largest absolute difference 0 over its 1,024 values "
        "(0 beyond |difference| ≤ 0.001 + 0.001 × |expected|)",
    ]
    assert imported.name == "Unet16 · imported · round trip"
    screenshot(page, "models-04-imported")
