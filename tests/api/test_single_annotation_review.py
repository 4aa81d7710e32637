"""A project that asks for one annotation per section: the section goes to review with that
annotation as its proposal, and the reviewer confirms it as it is or edited. (Before, review
needed a consensus of two, so such a project's sections could never be confirmed.)"""

from __future__ import annotations

import base64

import numpy as np
import pytest

from annotations.imaging.labels import decode_class_map, encode_class_map
from annotations.imaging.masks import decode_mask
from annotations.models import Consensus, GroundTruth, SectionStatus
from annotations.services.labels.presets import preset_classes
from tests.api.test_annotation_api import SHAPE, grey_png, put, rect_mask, save_mask
from tests.conftest import signed_in
from tests.review_support import sections_of


@pytest.fixture
def section(project, specimen, make_volume):
    project.required_annotations = 1
    project.save(update_fields=["required_annotations"])
    return sections_of(specimen, make_volume, shape=(2, *SHAPE))[0]


def _review(client, section) -> dict:
    return client.get(f"/api/sections/{section.pk}/agreement/").json()


def test_the_one_annotation_is_the_proposal_and_is_confirmed(api, section, annotator, reviewer):
    drawn = rect_mask()
    assert save_mask(api(annotator), section, drawn, action="submit").status_code == 200
    section.refresh_from_db()
    assert section.status == SectionStatus.REVIEW and section.agreement is None
    consensus = Consensus.objects.get(section=section, is_current=True)
    np.testing.assert_array_equal(decode_mask(bytes(consensus.mask_png), SHAPE), drawn)

    client = api(reviewer)
    agreement = _review(client, section)
    assert (agreement["consensus_id"], agreement["n"], agreement["pairs"]) == (consensus.pk, 1, [])
    assert agreement["mean_dice"] is None and agreement["staple"] is None
    (row,) = agreement["annotators"]
    assert (row["annotator"], row["dice_consensus"], row["mean_dice"]) == ("alice", 1.0, None)
    page = signed_in(reviewer).get(f"/sections/{section.pk}/review/")
    assert page.status_code == 200
    assert "One annotation" in page.content.decode()

    body = {"consensus_id": consensus.pk, "edited": False, "base_version": None}
    answer = client.post(f"/api/sections/{section.pk}/review/confirm/", body, format="json")
    assert answer.status_code == 200, answer.content
    truth = GroundTruth.objects.get(section=section, is_current=True)
    np.testing.assert_array_equal(decode_mask(bytes(truth.mask_png), SHAPE), drawn)
    assert [e["dice_with_ground_truth"] for e in truth.input_revisions] == [1.0]
    section.refresh_from_db()
    assert section.status == SectionStatus.CONFIRMED


def test_an_edited_confirmation_of_the_one_annotation(api, section, annotator, reviewer):
    save_mask(api(annotator), section, rect_mask(), action="submit")
    consensus = Consensus.objects.get(section=section, is_current=True)
    edited = rect_mask(bottom=12)
    png = base64.b64encode(grey_png(edited)).decode()
    body = {"consensus_id": consensus.pk, "edited": True, "mask_png": png}
    answer = api(reviewer).post(f"/api/sections/{section.pk}/review/confirm/", body, format="json")
    assert answer.status_code == 200, answer.content
    truth = GroundTruth.objects.get(section=section, is_current=True)
    assert truth.edited and truth.edit_summary["pixels_removed"] == 8 * 24
    (entry,) = truth.input_revisions
    assert entry["dice_with_ground_truth"] == pytest.approx(2 * 8 * 24 / (16 * 24 + 8 * 24))


def test_a_class_map_is_its_own_proposal(api, project, section, annotator, reviewer):
    project.label_classes = preset_classes("nucleus-cytoplasm")
    project.save(update_fields=["label_classes"])
    classes = np.zeros(SHAPE, np.uint8)
    classes[2:30, 2:30] = 2  # cytoplasm
    classes[10:20, 10:20] = 1  # nucleus
    png = base64.b64encode(encode_class_map(classes, (1, 2))).decode()
    answer = put(api(annotator), section, base_revision=None, mask_png=png, action="submit")
    assert answer.status_code == 200, answer.content
    consensus = Consensus.objects.get(section=section, is_current=True)
    np.testing.assert_array_equal(
        decode_class_map(bytes(consensus.mask_png), (1, 2), SHAPE), classes
    )
    body = {"consensus_id": consensus.pk, "edited": False, "base_version": None}
    answer = api(reviewer).post(f"/api/sections/{section.pk}/review/confirm/", body, format="json")
    assert answer.status_code == 200, answer.content
    truth = GroundTruth.objects.get(section=section, is_current=True)
    np.testing.assert_array_equal(decode_class_map(bytes(truth.mask_png), (1, 2), SHAPE), classes)


def test_two_required_annotations_still_need_two(api, project, section, annotator, reviewer):
    project.required_annotations = 2
    project.save(update_fields=["required_annotations"])
    save_mask(api(annotator), section, rect_mask(), action="submit")
    assert not Consensus.objects.filter(section=section).exists()
    answer = api(reviewer).post(f"/api/sections/{section.pk}/consensus/")
    assert answer.status_code == 409
    assert "at least 2 submitted annotations" in answer.json()["detail"]


def test_the_queue_page_counts_in_words_that_agree(project, section, annotator):
    # One section in the project: "0 of 1 section has 1 annotation", not "... section have ...".
    section.volume.sections.exclude(pk=section.pk).delete()
    page = signed_in(annotator).get(f"/projects/{project.slug}/annotate/next/")
    text = " ".join(page.content.decode().split())
    assert "Project: 0 of 1 section has 1 annotation (0%)" in text
