"""Drawing classes and instances in Chromium: cytoplasm and two touching nuclei, cut apart,
submitted; the stored revision holds two nucleus instances and the cytoplasm's area."""

from __future__ import annotations

import numpy as np
import pytest

from annotations.imaging.label_values import stored_labels
from annotations.models import AnnotationRevision
from annotations.services.labels.presets import preset_classes
from tests.e2e.test_annotate_flow import (
    SIZE,
    drag,
    editor_ready,
    sections,
    start_annotating,
    to_page,
)
from tests.fixtures_live import screenshot
from tests.helpers_browser import submit_in_editor

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
__all__ = ["sections"]  # the fixture, shared with the annotate flow


def shown(page) -> tuple[np.ndarray, np.ndarray]:
    classes = page.evaluate("() => Array.from(window.cellweb.editor.getMask())")
    ids = page.evaluate("() => Array.from(window.cellweb.editor.getInstances())")
    shape = (SIZE, SIZE)
    return np.asarray(classes, np.uint8).reshape(shape), np.asarray(ids, np.uint16).reshape(shape)


def nuclei(classes: np.ndarray, ids: np.ndarray) -> set[int]:
    return set(np.unique(ids[classes == 1]).tolist()) - {0}


def draw_cell_and_cut(page, shots: str) -> tuple[np.ndarray, np.ndarray]:
    """In the open editor: cytoplasm (key 2) as a polygon around the cell, then two touching
    nuclei (key 1) drawn as one instance (a lasso, a second one added with Alt) and cut apart
    (K) at x = 48. Screenshots SHOTS-before-cut and SHOTS-cut; returns the shown classes, ids."""
    page.keyboard.press("2")
    page.keyboard.press("p")
    for x, y in [(10, 10), (86, 10), (86, 86), (10, 86)]:
        page.mouse.click(*to_page(page, x, y))
    page.keyboard.press("Enter")
    page.keyboard.press("1")
    page.keyboard.press("l")
    drag(page, [(22, 30), (48, 30), (48, 62), (22, 62), (22, 30)])
    page.keyboard.down("Alt")
    drag(page, [(48, 34), (74, 34), (74, 58), (48, 58), (48, 34)])
    page.keyboard.up("Alt")
    classes, ids = shown(page)
    assert len(nuclei(classes, ids)) == 1 and classes[20, 20] == 2
    screenshot(page, f"{shots}-before-cut")

    # The cut: a line across the contact splits the one instance into two.
    page.keyboard.press("k")
    drag(page, [(48, 22), (48, 46), (48, 70)])
    classes, ids = shown(page)
    assert len(nuclei(classes, ids)) == 2
    assert ids[45, 30] != ids[45, 66]
    screenshot(page, f"{shots}-cut")
    return classes, ids


def test_cytoplasm_and_two_touching_nuclei_cut_apart_are_stored_as_instances(
    asgi_server, page, project, sections, annotator
):
    project.label_classes = preset_classes("nucleus-cytoplasm")
    project.save(update_fields=["label_classes"])
    section_id, errors = start_annotating(page, asgi_server, project)
    assert page.locator(".cw-palette .cw-class").count() == 2
    classes, ids = draw_cell_and_cut(page, "draw-classes")

    annotation = submit_in_editor(page, section_id, annotator)
    revision = AnnotationRevision.objects.get(annotation=annotation, number=annotation.revision)
    labels = stored_labels(bytes(revision.mask_png), [1, 2], [1], (SIZE, SIZE))
    assert labels.stored_instances
    assert sorted(v for v in labels.classes.values() if v == 1) == [1, 1]
    assert np.count_nonzero(labels.class_map == 2) > 1000
    assert np.array_equal(labels.class_map, classes)

    page.reload()
    editor_ready(page)
    again, again_ids = shown(page)
    assert np.array_equal(again, classes) and len(nuclei(again, again_ids)) == 2
    screenshot(page, "draw-classes-reloaded")
    assert not errors, errors
