"""Correcting fluorescence ground truth with the project's labels: the page loads the stain's
nuclei split by watershed as instances, a correction is stored as a label map (binary bytes
where the ids add nothing), and bad label maps are 400s."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from annotations.imaging.label_values import stored_labels
from annotations.imaging.labels import encode_class_map, encode_instance_map
from annotations.imaging.masks import encode_mask
from annotations.models import GroundTruth, LabelKind
from annotations.services.labels.presets import preset_classes
from inference.services.evaluation.labels import STORED, WATERSHED, truth_labels
from tests.conftest import signed_in
from tests.review_support import disk, fluorescence_truth, sections_of

SHAPE = (32, 32)
# Two stained nuclei whose thresholded blobs touch through a narrow neck.
PAIR = disk(SHAPE, 16, 10, 6) | disk(SHAPE, 16, 21, 6)


@pytest.fixture
def section(specimen, make_volume):
    return sections_of(specimen, make_volume)[1]


def _page_config(user, section) -> dict:
    page = signed_in(user).get(f"/sections/{section.pk}/fluorescence-gt/")
    assert page.status_code == 200
    return page.context["config"]


def _confirm(api, user, section, png: bytes, base_version: int = 1):
    body = {
        "consensus_id": 1,
        "mask_png": base64.b64encode(png).decode(),
        "edited": True,
        "base_version": base_version,
    }
    return api(user).post(
        f"/api/sections/{section.pk}/fluorescence-gt/confirm/", body, format="json"
    )


def _current(section) -> GroundTruth:
    return GroundTruth.objects.get(section=section, source="fluorescence", is_current=True)


def test_the_page_loads_the_stain_nuclei_split_as_instances(reviewer, section):
    fluorescence_truth(section, PAIR, method="otsu")

    config = _page_config(reviewer, section)

    proposal = config["consensus"]
    assert proposal["labelled"] is True and proposal["outline_png"]
    loaded = stored_labels(base64.b64decode(proposal["mask_png"]), [1], [1], SHAPE)
    assert loaded.stored_instances and sorted(loaded.classes.values()) == [1, 1]
    assert np.array_equal(loaded.class_map != 0, PAIR)
    assert config["labels"]["classes"][0]["kind"] == LabelKind.INSTANCES


def test_a_correction_that_keeps_the_watershed_nuclei_stores_binary_bytes(api, reviewer, section):
    fluorescence_truth(section, PAIR, method="otsu")
    loaded = base64.b64decode(_page_config(reviewer, section)["consensus"]["mask_png"])
    instances = stored_labels(loaded, [1], [1], SHAPE).instances.copy()
    instances[disk(SHAPE, 4, 26, 2)] = 3  # a third nucleus, apart from the others
    edited = encode_instance_map(instances, {1: 1, 2: 1, 3: 1}, [1])

    response = _confirm(api, reviewer, section, edited)

    assert response.status_code == 200, response.content
    truth = _current(section)
    assert bytes(truth.mask_png) == encode_mask(instances != 0)
    assert truth.edit_summary["pixels_added"] == int(disk(SHAPE, 4, 26, 2).sum())
    assert truth.edit_summary["instances_changed"] is False  # one added, none split or merged
    # A binary PNG (what the page sent before label sets) is stored byte for byte as before.
    again = _confirm(api, reviewer, section, encode_mask(PAIR), base_version=2)
    assert again.status_code == 200 and bytes(_current(section).mask_png) == encode_mask(PAIR)


def test_merging_and_cutting_nuclei_stores_an_instance_map_the_evaluation_keeps(
    api, reviewer, section
):
    fluorescence_truth(section, PAIR, method="otsu")
    merged = encode_instance_map(PAIR.astype(np.uint16), {1: 1}, [1])

    response = _confirm(api, reviewer, section, merged)

    assert response.status_code == 200, response.content
    truth = _current(section)
    stored = truth_labels(bytes(truth.mask_png), "fluorescence", [1], [1], SHAPE)
    assert stored.numbered_by == STORED and len(stored.classes) == 1
    assert truth.edit_summary["instances_changed"] and truth.edit_summary["pixels_added"] == 0
    before = truth_labels(encode_mask(PAIR), "fluorescence", [1], [1], SHAPE)
    assert before.numbered_by == WATERSHED and len(before.classes) == 2

    # One round nucleus cut in two halves: ids the watershed would not find.
    one = disk(SHAPE, 16, 16, 8)
    halves = np.where(one, 1, 0).astype(np.uint16)
    halves[:, 16:][one[:, 16:]] = 2
    cut = _confirm(api, reviewer, section, encode_instance_map(halves, {1: 1, 2: 1}, [1]), 2)
    assert cut.status_code == 200, cut.content
    kept = stored_labels(bytes(_current(section).mask_png), [1], [1], SHAPE)
    assert kept.stored_instances and np.array_equal(kept.instances, halves)


def test_a_nucleus_cytoplasm_project_stores_the_corrected_classes(api, project, reviewer, section):
    project.label_classes = preset_classes("nucleus-cytoplasm")
    project.save(update_fields=["label_classes"])
    fluorescence_truth(section, PAIR, method="otsu")
    assert _page_config(reviewer, section)["consensus"]["labelled"] is True
    class_map = np.where(disk(SHAPE, 16, 16, 12), 2, 0).astype(np.uint8)
    class_map[PAIR] = 1

    response = _confirm(api, reviewer, section, encode_class_map(class_map, [1, 2]))

    assert response.status_code == 200, response.content
    truth = _current(section)
    stored = stored_labels(bytes(truth.mask_png), [1, 2], [1], SHAPE)
    assert stored.stored_instances and np.array_equal(stored.class_map, class_map)
    assert truth.edit_summary["pixels_added"] == int((class_map == 2).sum())
    assert truth.foreground_pixels == int(np.count_nonzero(class_map))
    page = _page_config(reviewer, section)  # a stored instance map reads back on the page
    assert stored_labels(base64.b64decode(page["consensus"]["mask_png"]), [1, 2], [1], SHAPE)


@pytest.mark.parametrize(
    "png",
    [
        encode_class_map(np.where(PAIR, 7, 0).astype(np.uint8), [7]),  # no class 7 here
        encode_mask(np.zeros((16, 16), dtype=bool)),  # another section's size
        encode_instance_map(PAIR.astype(np.uint16), {1: 9}, [9]),
    ],
)
def test_label_maps_the_project_cannot_hold_are_400(api, reviewer, section, png):
    fluorescence_truth(section, PAIR, method="otsu")

    response = _confirm(api, reviewer, section, png)

    assert response.status_code == 400, response.content
    assert GroundTruth.objects.filter(section=section, source="fluorescence").count() == 1


def test_a_region_only_project_keeps_editing_one_binary_class(api, project, reviewer, section):
    project.label_classes = [{**preset_classes("nucleus")[0], "kind": LabelKind.REGION}]
    project.save(update_fields=["label_classes"])
    fluorescence_truth(section, PAIR, method="otsu")
    config = _page_config(reviewer, section)
    assert config["consensus"]["labelled"] is False
    assert base64.b64decode(config["consensus"]["mask_png"]) == encode_mask(PAIR)
    edited = PAIR | disk(SHAPE, 4, 26, 2)

    response = _confirm(api, reviewer, section, encode_mask(edited))

    assert response.status_code == 200 and bytes(_current(section).mask_png) == encode_mask(edited)
    assert set(_current(section).edit_summary) == {"pixels_added", "pixels_removed", "base_version"}
