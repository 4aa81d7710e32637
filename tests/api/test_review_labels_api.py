"""The review API on a section of nucleus instances: agreement per class and per instance, the
nuclei a minority found, and an edited confirmation sent as an instance map."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from annotations.imaging.label_values import stored_labels
from annotations.imaging.labels import encode_class_map, encode_instance_map
from annotations.models import GroundTruth, SectionStatus
from annotations.services.labels import label_class_update
from annotations.services.review import consensus_compute_for_section
from tests.review_support import instance_png, save_revision, sections_of

SHAPE = (32, 32)


@pytest.fixture
def ready(specimen, make_volume, cast):
    section = sections_of(specimen, make_volume)[0]
    nuclei = [(8, 8, 4), (8, 24, 4), (24, 12, 5)]
    pngs = [
        instance_png(SHAPE, *nuclei, (25, 26, 3)),
        instance_png(SHAPE, *nuclei),
        instance_png(SHAPE, *nuclei[:2]),
    ]
    for user, png in zip(cast, pngs):
        save_revision(section, user, np.zeros(SHAPE, dtype=bool), png=png)
    section.status = SectionStatus.REVIEW
    section.save(update_fields=["status"])
    return section, consensus_compute_for_section(section)


def test_agreement_lists_classes_nucleus_f1_and_the_minority_nucleus(api, ready, reviewer):
    section, _ = ready

    body = api(reviewer).get(f"/api/sections/{section.pk}/agreement/").json()

    [nucleus] = body["classes"]
    assert nucleus["name"] == "nucleus" and nucleus["kind"] == "instances"
    assert 0 < nucleus["instances"]["mean_f1"] < 1
    assert (nucleus["instances"]["kept"], nucleus["instances"]["found"]) == (3, 4)
    assert body["worst_class"]["name"] == "nucleus"
    [minority] = body["minority"]
    assert minority["annotators"] == {"alice": 4} and minority["found_by"] == 1
    section.refresh_from_db()
    assert section.agreement == pytest.approx(nucleus["mean_dice"])


def _confirm(client, ready, png: bytes):
    section, consensus = ready
    body = {
        "consensus_id": consensus.pk,
        "edited": True,
        "mask_png": base64.b64encode(png).decode(),
    }
    return client.post(f"/api/sections/{section.pk}/review/confirm/", body, format="json")


def test_an_edited_instance_map_becomes_the_ground_truth(api, ready, reviewer):
    section, _ = ready
    edited = instance_png(
        SHAPE, (8, 8, 4), (8, 24, 4), (24, 12, 5), (25, 26, 3)
    )  # keeps alice's fourth

    response = _confirm(api(reviewer), ready, edited)

    assert response.status_code == 200, response.content
    truth = GroundTruth.objects.get(section=section, is_current=True)
    assert truth.edited and truth.edit_summary["pixels_added"] > 0
    stored = stored_labels(bytes(truth.mask_png), [1], [1], SHAPE)
    assert stored.stored_instances and len(stored.classes) == 4
    events = api(reviewer).get(f"/api/sections/{section.pk}/audit/").json()
    edit = next(e for e in events if e["action"] == "edit_confirm")
    assert edit["detail"]["pixels_added"] == truth.edit_summary["pixels_added"]
    assert edit["detail"]["pixels_reclassified"] == 0
    assert "pixels added" in edit["summary"] and "0 reclassified" in edit["summary"]


def test_splitting_a_consensus_nucleus_in_two_is_stored_and_audited(api, ready, reviewer):
    section, consensus = ready
    labels = stored_labels(bytes(consensus.mask_png), [1], [1], SHAPE)
    instances = labels.instances.astype(np.uint16)
    big = instances[24, 12]  # the third nucleus (radius 5), cut along its middle row
    lower = (instances == big) & (np.arange(SHAPE[0])[:, None] >= 24)
    instances[lower] = instances.max() + 1
    classes = {int(i): 1 for i in np.unique(instances) if i}

    response = _confirm(api(reviewer), ready, encode_instance_map(instances, classes, [1]))

    assert response.status_code == 200, response.content
    truth = GroundTruth.objects.get(section=section, is_current=True)
    assert truth.edit_summary["instances_changed"] and not truth.edit_summary["pixels_added"]
    stored = stored_labels(bytes(truth.mask_png), [1], [1], SHAPE)
    assert len(stored.classes) == len(labels.classes) + 1
    assert stored.instances[22, 12] != stored.instances[26, 12]
    rows = api(reviewer).get(f"/api/sections/{section.pk}/audit/").json()
    assert rows[-1]["detail"]["instances_changed"]
    assert "instances changed" in rows[-1]["summary"]


def test_an_edit_with_a_class_outside_the_label_set_is_a_400(api, ready, reviewer):
    section, _ = ready
    unknown = np.zeros(SHAPE, dtype=np.uint8)
    unknown[2:6, 2:6] = 7

    response = _confirm(api(reviewer), ready, encode_class_map(unknown, [7]))

    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "7" in detail and detail.startswith(
        "The edited mask cannot be used: the mask must contain"
    )
    assert not GroundTruth.objects.filter(section=section).exists()


def test_a_class_renamed_after_the_consensus_shows_its_new_name(
    api, client, ready, reviewer, project
):
    """The agreement is stored with the names of the day; the review API, its page and the queue
    name each class by its value under the current label set."""
    section, _ = ready
    label_class_update(project=project, value=1, name="cell nucleus", colour="#123456")

    body = api(reviewer).get(f"/api/sections/{section.pk}/agreement/").json()
    queue = api(reviewer).get(f"/api/projects/{project.slug}/review-queue/").json()
    client.force_login(reviewer)
    page = client.get(f"/sections/{section.pk}/review/").content.decode()

    [nucleus] = body["classes"]
    assert (nucleus["name"], nucleus["colour"]) == ("cell nucleus", "#123456")
    assert body["worst_class"]["name"] == "cell nucleus"
    assert [m["class_name"] for m in body["minority"]] == ["cell nucleus"]
    rows = queue["results"] if isinstance(queue, dict) else queue
    assert [row["worst_class"] for row in rows] == ["cell nucleus"]
    assert "cell nucleus" in page
