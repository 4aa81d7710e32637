"""A class in use is not deleted; the refusal counts only masks the manager may see."""

from __future__ import annotations

import numpy as np

from annotations.models import Membership, Role
from annotations.selectors.labels import label_class_usage
from annotations.services.labels import label_class_add
from tests.helpers_labels import b64_mask


def _also_annotates(manager, project):
    Membership.objects.create(project=project, user=manager, role=Role.ANNOTATOR)


def test_a_manager_who_annotates_is_not_told_how_many_blind_masks_use_a_class(
    api, manager, annotated_section
):
    project = annotated_section.project
    _also_annotates(manager, project)
    label_class_add(project=project, name="cytoplasm", colour="#ffb000")

    response = api(manager).delete(f"/api/projects/{project.slug}/labels/1/")

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "label_in_use"
    assert body["current"]["masks"] == 0 and body["current"]["annotation_revisions"] == 0
    assert body["current"]["sections"] == 0 and body["current"]["withheld"] is True
    assert "2" not in body["detail"] and "still blind to you" in body["detail"]
    project.refresh_from_db()
    assert [c["value"] for c in project.label_classes] == [1, 2]


def test_the_managers_own_mask_counts_and_others_blind_ones_do_not(api, manager, annotated_section):
    project = annotated_section.project
    _also_annotates(manager, project)
    mask = np.zeros((16, 20), dtype=bool)
    mask[1:4, 1:4] = True
    saved = api(manager).put(
        f"/api/sections/{annotated_section.pk}/annotations/mine/",
        {"base_revision": None, "mask_png": b64_mask(mask), "action": "save"},
        format="json",
    )
    assert saved.status_code == 200, saved.content

    usage = label_class_usage(project=project, value=1, user=manager)

    assert usage["annotation_revisions"] == 1 and usage["sections"] == 1
    assert usage["withheld"] is True and usage["in_use"] is True
    everyone = label_class_usage(project=project, value=1)
    assert everyone["annotation_revisions"] == 3 and everyone["withheld"] is False


def test_a_kind_change_refusal_withholds_blind_counts_too(api, manager, annotated_section):
    project = annotated_section.project
    _also_annotates(manager, project)

    response = api(manager).patch(
        f"/api/projects/{project.slug}/labels/1/", {"kind": "region"}, format="json"
    )

    assert response.status_code == 409
    assert "2" not in response.json()["detail"]
    assert response.json()["current"]["masks"] == 0
