"""In Chromium: "auto" stretches an HL60 tomogram (RI 1.3295–1.3654) over the whole grey range with
one key, shows the window in RI, and comes back for that person when the page is opened again."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from PIL import Image

from annotations.models import DisplayPreference, Section
from tests.fixtures_live import login, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

SIZE = 128


@pytest.fixture
def hl60_section(specimen, make_volume, annotator):
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
    cell = (yy - 64) ** 2 + (xx - 64) ** 2 < 50**2
    # HL60: the nucleus is darker than the cytoplasm around it.
    nucleus = (yy - 60) ** 2 + ((xx - 66) / 1.2) ** 2 < 26**2
    rng = np.random.default_rng(5)
    planes = []
    for _plane in range(3):
        ri = 1.3337 + 0.026 * cell - 0.011 * nucleus + 0.0015 * rng.standard_normal((SIZE, SIZE))
        planes.append(np.clip(ri, 1.3295, 1.3654))
    volume = make_volume(specimen, data=np.stack(planes).astype(np.float32))
    return Section.objects.get(volume=volume, z=1)


def _png_greys(body: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(body)).convert("L"))


def test_auto_window_with_one_key_in_ri_units_and_remembered_per_volume(
    asgi_server, page, annotator, hl60_section
):
    login(page, asgi_server, "alice")
    url = f"{asgi_server.url}/sections/{hl60_section.pk}/annotate/"
    with page.expect_response(re.compile(r"/image\.png$")) as default_image:
        page.goto(url)
    control = page.locator(".cw-window")
    control.wait_for()
    assert control.get_attribute("data-window-mode") == "default"
    default_greys = _png_greys(default_image.value.body())
    screenshot(page, "window-01-default")

    with page.expect_response(re.compile(r"/image\.png\?lo=[\d.]+&hi=[\d.]+$")) as auto_image:
        page.keyboard.press("a")
    page.wait_for_function("document.querySelector('.cw-window').dataset.windowMode === 'auto'")
    auto_greys = _png_greys(auto_image.value.body())
    page.wait_for_timeout(400)
    screenshot(page, "window-02-auto")

    # The default window leaves the cell in the lower half of the greys; auto spreads it.
    assert default_greys.max() - default_greys.min() < 0.55 * 255
    assert auto_greys.min() <= 3 and auto_greys.max() >= 252
    # The bounds stay in physical units.
    shown = [float(t) for t in page.locator(".cw-window-value").all_inner_texts()]
    stats = hl60_section.volume.stats
    assert shown == pytest.approx([stats["p0_5"], stats["p99_5"]], abs=0.001)
    assert 1.329 <= shown[0] < 1.331 and 1.36 < shown[1] <= 1.366
    assert "Auto" in control.inner_text()

    page.wait_for_function(
        "() => performance.getEntriesByType('resource').some(e => e.name.includes('/display/'))"
    )
    page.wait_for_timeout(300)
    assert DisplayPreference.objects.get(user=annotator, volume=hl60_section.volume).mode == "auto"

    page.reload()
    page.locator(".cw-window").wait_for()
    page.wait_for_function("document.querySelector('.cw-window').dataset.windowMode === 'auto'")
    page.wait_for_function(
        "() => performance.getEntriesByType('resource').some(e => /image\\.png\\?lo=/.test(e.name))"
    )
    screenshot(page, "window-03-auto-restored")

    page.keyboard.press("w")
    page.wait_for_function("document.querySelector('.cw-window').dataset.windowMode === 'default'")
