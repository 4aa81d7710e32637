"""A labelled section from drawing to ground truth in Chromium: in a nucleus + cytoplasm project
alice draws the cytoplasm and two touching nuclei, cuts them apart and submits in the editor; bob
and carol save theirs through the API (instance maps); the reviewer reads the agreement per class,
edits one nucleus of the consensus with the editor's instance tools and confirms. The stored
ground truth holds the cytoplasm and the two nuclei, the edited one grown."""

from __future__ import annotations

import base64

import numpy as np
import pytest
from sklearn.metrics import f1_score

from annotations.imaging.label_values import stored_labels
from annotations.imaging.labels import encode_instance_map
from annotations.models import AnnotationRevision, GroundTruth, Section
from annotations.services.labels.presets import preset_classes
from tests.e2e.test_annotate_flow import SIZE, drag, sections, start_annotating
from tests.e2e.test_draw_classes_flow import draw_cell_and_cut, nuclei, shown
from tests.fixtures_live import login, screenshot
from tests.helpers_jobs import wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
__all__ = ["sections"]  # the fixture, shared with the annotate flow

SHAPE = (SIZE, SIZE)
VALUES = [1, 2]


def cell_png(shift: int) -> bytes:
    """The cell as an annotator outside the browser draws it: cytoplasm (id 3) around two touching
    nuclei (ids 1 and 2) split at x = 48, everything moved ``shift`` pixels right."""
    instances = np.zeros(SHAPE, np.uint16)
    instances[10:86, 10 + shift : 86 + shift] = 3
    instances[30:62, 22 + shift : 48 + shift] = 1
    instances[34:58, 48 + shift : 74 + shift] = 2
    return encode_instance_map(instances, {1: 1, 2: 1, 3: 2}, VALUES)


def submit_through_api(api, user, section_id: int, png: bytes) -> None:
    body = {
        "base_revision": None,
        "mask_png": base64.b64encode(png).decode(),
        "action": "submit",
        "label_set_version": 1,
    }
    response = api(user).put(f"/api/sections/{section_id}/annotations/mine/", body, format="json")
    assert response.status_code == 200, response.content


def class_dice(section_id: int, value: int) -> float:
    """Mean over annotator pairs of the Dice of one class's pixels, by scikit-learn's F1."""
    maps = [
        stored_labels(bytes(r.mask_png), VALUES, [1], SHAPE).class_map == value
        for r in AnnotationRevision.objects.filter(
            annotation__section_id=section_id, status="submitted"
        )
    ]
    pairs = [(a, b) for i, a in enumerate(maps) for b in maps[i + 1 :]]
    return float(np.mean([f1_score(a.ravel(), b.ravel()) for a, b in pairs]))


def test_reviewer_edits_one_nucleus_of_a_labelled_consensus_and_confirms(
    asgi_server,
    page,
    api,
    project,
    sections,
    annotator,
    second_annotator,
    third_annotator,
    reviewer,
):
    project.label_classes = preset_classes("nucleus-cytoplasm")
    project.save(update_fields=["label_classes"])
    section_id, errors = start_annotating(page, asgi_server, project)
    draw_cell_and_cut(page, "review-edit-alice")
    page.get_by_role("button", name="Submit").click()
    wait_until(
        lambda: AnnotationRevision.objects.filter(
            annotation__section_id=section_id, annotation__annotator=annotator, status="submitted"
        ).exists(),
        timeout=15.0,
        what="alice's submission on the server",
    )
    submit_through_api(api, second_annotator, section_id, cell_png(0))
    submit_through_api(api, third_annotator, section_id, cell_png(1))
    section = Section.objects.get(pk=section_id)
    assert section.status == "review"

    page.context.clear_cookies()
    login(page, asgi_server, "rita")
    page.goto(f"{asgi_server.url}/sections/{section_id}/review/")
    page.locator(".cw-legend").wait_for()
    rows = page.locator("#agreement-classes tr[data-class]")
    assert rows.count() == 2
    nucleus_row = page.locator("#agreement-classes tr[data-class=nucleus]")
    cytoplasm_row = page.locator("#agreement-classes tr[data-class=cytoplasm]")
    assert float(nucleus_row.get_attribute("data-mean-f1")) == 1.0  # both nuclei found by all
    for row, value in ((nucleus_row, 1), (cytoplasm_row, 2)):
        shown_dice = float(row.get_attribute("data-mean-dice"))
        assert shown_dice == pytest.approx(class_dice(section_id, value), abs=1e-9)
    screenshot(page, "review-edit-agreement")

    # Edit: the consensus loads with its classes and its two nuclei; the palette is offered.
    page.get_by_role("button", name="Edit consensus").click()
    assert page.locator(".cw-palette .cw-class").count() == 2
    classes, ids = shown(page)
    left, right = ids[45, 32], ids[45, 66]
    assert len(nuclei(classes, ids)) == 2 and left != right and classes[20, 20] == 2
    left_before = int(np.count_nonzero(ids == left))
    # The left nucleus grows to the left: a lasso started inside it, with Alt, adds to it.
    page.locator(".cw-editor-viewport").hover()
    page.keyboard.press("1")
    page.keyboard.press("l")
    page.keyboard.down("Alt")
    drag(page, [(30, 36), (12, 36), (12, 58), (30, 58), (30, 36)])
    page.keyboard.up("Alt")
    classes, ids = shown(page)
    assert ids[46, 16] == left and classes[46, 16] == 1
    assert len(nuclei(classes, ids)) == 2
    left_after = int(np.count_nonzero(ids == left))
    assert left_after > left_before + 100
    screenshot(page, "review-edit-nucleus-grown")

    page.get_by_role("button", name="Confirm").click()
    page.locator(".cw-callout[data-result=success]").wait_for()
    assert "(edited)" in page.locator(".cw-callout[data-result=success]").inner_text()
    assert page.locator(".cw-palette").count() == 0  # editing stopped with the decision
    page.get_by_text("reclassified").wait_for()  # the audit trail's line for the edit
    screenshot(page, "review-edit-confirmed")

    truth = GroundTruth.objects.get(section_id=section_id, is_current=True)
    assert truth.edited
    assert truth.edit_summary["pixels_reclassified"] > 100  # cytoplasm became nucleus
    stored = stored_labels(bytes(truth.mask_png), VALUES, [1], SHAPE)
    assert stored.stored_instances
    assert np.array_equal(stored.class_map, classes)
    kept = sorted(i for i, v in stored.classes.items() if v == 1)
    assert len(kept) == 2
    grown = stored.instances[46, 16]
    assert grown in kept and stored.instances[45, 32] == grown
    assert int(np.count_nonzero(stored.instances == grown)) == left_after
    assert stored.instances[45, 66] in kept and stored.instances[45, 66] != grown
    assert not errors, errors
