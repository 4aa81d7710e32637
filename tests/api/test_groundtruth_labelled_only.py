"""POST /api/specimens/<id>/ground-truth/ with labelled_only: only the sections whose mask holds
something are stored, the answer says which were stored and which left, the left sections keep
a previous import's versions, and a stack with no labelled section is a 400 that writes nothing."""

from __future__ import annotations

import numpy as np
import pytest

from annotations.models import GroundTruth
from tests.api.test_groundtruth_import_api import post, tiff

SHAPE = (4, 32, 40)


@pytest.fixture
def volume(make_volume, specimen, media_root):
    return make_volume(specimen, shape=SHAPE)


def labelled_on(*zs: int) -> np.ndarray:
    masks = np.zeros(SHAPE, np.uint8)
    for z in zs:
        masks[z, 4:12, 6:20] = 255
    return masks


def imported() -> list[tuple[int, int, bool]]:
    return sorted(GroundTruth.objects.values_list("section__z", "version", "is_current"))


def test_only_labelled_sections_are_stored_and_named(api, manager, specimen, volume):
    response = post(api(manager), specimen, file=tiff(labelled_on(0, 2)), labelled_only="true")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["sections"] == 2
    assert body["stored_sections"] == [0, 2]
    assert body["summary"] == (
        "stored z0, z2 (2 of 4 sections); 2 empty sections left without new ground truth "
        "(an earlier import's stays)"
    )
    assert imported() == [(0, 1, True), (2, 1, True)]


def test_by_default_every_section_is_stored(api, manager, specimen, volume):
    body = post(api(manager), specimen, file=tiff(labelled_on(0, 2))).json()
    assert body["stored_sections"] == [0, 1, 2, 3]
    assert body["summary"] is None
    assert [z for z, _, _ in imported()] == [0, 1, 2, 3]


def test_a_previous_imports_left_sections_are_not_touched(api, manager, specimen, volume):
    client = api(manager)
    post(client, specimen, file=tiff(labelled_on(0, 1, 2, 3)))
    response = post(client, specimen, file=tiff(labelled_on(3)), labelled_only="true")
    assert response.status_code == 201, response.content
    assert imported() == [(0, 1, True), (1, 1, True), (2, 1, True), (3, 1, False), (3, 2, True)]


def test_a_stack_with_nothing_labelled_is_refused(api, manager, specimen, volume):
    client = api(manager)
    post(client, specimen, file=tiff(labelled_on(1)), labelled_only="true")
    response = post(client, specimen, file=tiff(labelled_on()), labelled_only="true")
    assert response.status_code == 400
    assert (
        "No section of the mask stack holds anything (all 4 are empty)" in response.json()["detail"]
    )
    assert imported() == [(1, 1, True)]


def test_z_lists_the_sections_to_store(api, manager, specimen, volume):
    response = post(api(manager), specimen, file=tiff(labelled_on(0, 2)), z="2,3")
    assert response.status_code == 201, response.content
    assert response.json()["stored_sections"] == [2, 3]
    assert response.json()["summary"].startswith("stored z2, z3 (2 of 4 sections); 2 other")
    assert imported() == [(2, 1, True), (3, 1, True)]


@pytest.mark.parametrize("z", ["2,x", "4", " , "])
def test_a_bad_section_list_is_refused(api, manager, specimen, volume, z):
    response = post(api(manager), specimen, file=tiff(labelled_on(0)), z=z)
    assert response.status_code == 400, response.content
    assert imported() == []


def test_labelled_only_with_sections_is_refused(api, manager, specimen, volume):
    fields = {"labelled_only": "true", "z": "1"}
    response = post(api(manager), specimen, file=tiff(labelled_on(1)), **fields)
    assert response.status_code == 400
    assert "not both" in response.json()["detail"]
    assert imported() == []
