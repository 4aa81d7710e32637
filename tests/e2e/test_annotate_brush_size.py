"""The brush size in Chromium: ] past 80 pixels (a nucleus on a large bright-field field) moves
the size slider with it. The slider ended at 80 while ] went on to 200, so past 80 it stood
still and a touch of it dropped the brush back under 80."""

from __future__ import annotations

import pytest

from tests.e2e.test_annotate_flow import start_annotating

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_the_size_slider_follows_the_brush_up_to_its_largest_size(
    asgi_server, page, project, stack, annotator
):
    _, errors = start_annotating(page, asgi_server, project)
    page.keyboard.press("b")
    slider = page.get_by_label("Brush size in pixels")
    for _ in range(60):
        page.keyboard.press("]")
    size = page.evaluate("() => window.cellweb.editor.brushSize")
    assert size == 200
    assert slider.input_value() == "200"
    assert slider.get_attribute("max") == "200"
    page.keyboard.press("[")
    assert slider.input_value() == str(page.evaluate("() => window.cellweb.editor.brushSize"))
    assert slider.input_value() == "195"
    assert not errors, errors
