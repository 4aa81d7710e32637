"""In Chromium: the specimen viewer shows the virtual stain of an in-silico-labelling model beside
the real fluorescence (V toggles it), and the predicted stain correlates with the real one."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
import torch
from PIL import Image
from scipy.stats import pearsonr

from annotations.models import Section
from inference.ml import engine, isl
from inference.ml.data import iterate_batches
from inference.ml.nets import create_model
from inference.services.model_versions import model_version_create, weights_payload
from tests.fixtures_live import login, screenshot
from tests.helpers_isl import stain_of
from tests.helpers_training import single_thread_torch

# One torch thread: on a loaded 2-core host OpenMP's spinning threads make this tiny training
# several times slower, not faster.
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.integration,
    pytest.mark.usefixtures(single_thread_torch.__name__),
]

SIZE, INPUT = 128, 64


def _cells(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """RI sections with two or three nuclei each (denser than the cytoplasm) and their stain."""
    yy, xx = np.mgrid[:SIZE, :SIZE]
    images, stains = [], []
    for _ in range(n):
        nuclei = np.zeros((SIZE, SIZE), bool)
        for _ in range(rng.integers(2, 4)):
            cy, cx = rng.integers(25, SIZE - 25, 2)
            nuclei |= (yy - cy) ** 2 + (xx - cx) ** 2 < rng.integers(10, 18) ** 2
        images.append(1.337 + 0.004 * rng.standard_normal((SIZE, SIZE)) + 0.03 * nuclei)
        stains.append(stain_of(nuclei, rng))
    return np.stack(images).astype(np.float32), np.stack(stains)


def _pretrained_version(project):
    """A tiny network trained for a few epochs on pairs like the specimen's (not the same)."""
    images, stains = _cells(np.random.default_rng(7), 12)
    x, y = isl.prepare_pairs(list(images), list(stains), input_size=INPUT, modality="ri")
    engine.seed_everything(0)
    model = create_model("unet16")
    optimizer = engine.make_optimizer(model, lr=5e-3)
    for epoch in range(1, 13):
        batches = iterate_batches(x, y, torch.randperm(12), None, 6)
        engine.train_one_epoch(
            model, batches, optimizer, isl.l1_loss, device=torch.device("cpu"), epoch=epoch
        )
    return model_version_create(
        project=project,
        name="Unet16 ISL · demo",
        arch="unet16",
        weights=weights_payload(model, arch="unet16", input_size=INPUT),
        task="isl",
    )


def test_the_viewer_shows_the_virtual_stain_beside_the_real_one(
    asgi_server, page, project, specimen, make_volume, annotator
):
    images, stains = _cells(np.random.default_rng(11), 3)
    make_volume(specimen, images)
    make_volume(specimen, stains, modality="fluorescence", channel="DAPI")
    version = _pretrained_version(project)

    page.set_viewport_size({"width": 1500, "height": 800})
    login(page, asgi_server, "alice")
    page.goto(f"{asgi_server.url}/specimens/{specimen.pk}/#t=0&z=1")
    page.locator("[data-card=virtual-stain]").wait_for()
    page.locator("input[name=cw-fluor-mode][value=side]").check()
    with page.expect_response(re.compile(r"/virtual_stain\.png$")) as answer:
        page.keyboard.press("v")
    page.wait_for_selector("[data-virtual-stain-shown]", state="attached")
    page.wait_for_timeout(500)
    shot = screenshot(page, "virtual-stain-01-side-by-side")

    assert answer.value.status == 200
    assert answer.value.headers["x-model-version"] == str(version.pk)
    section = Section.objects.get(specimen=specimen, is_label_free=True, z=1)
    served = page.request.get(f"{asgi_server.url}/api/sections/{section.pk}/virtual_stain.png")
    predicted = np.asarray(Image.open(io.BytesIO(served.body())), dtype=np.float64)
    assert predicted.shape == (SIZE, SIZE)
    assert pearsonr(predicted.ravel(), stains[1].ravel()).statistic > 0.7
    assert page.locator("[data-pane=virtual-stain]").is_visible()
    assert (
        "newest in-silico-labelling model"
        in page.locator("[data-role=virtual-stain-caption]").inner_text()
    )
    assert shot.exists()

    page.keyboard.press("v")
    page.wait_for_function("!document.querySelector('[data-pane=virtual-stain]').checkVisibility()")
    assert not page.locator("[data-pane=virtual-stain]").is_visible()
