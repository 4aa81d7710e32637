"""A section whose ground truth is an imported mask and that has no consensus: the review page's
Decision card says which mask it is scored against and offers no Confirm, and the confirm API
refuses with a 409 that says the same; nothing is written. With a consensus beside the import,
Confirm stays."""

from __future__ import annotations

import io

import numpy as np
import pytest
import tifffile
from django.core.files.uploadedfile import SimpleUploadedFile

from annotations.imaging.masks import encode_mask
from annotations.models import AuditEvent, GroundTruth, Section
from annotations.selectors.encoding import b64
from annotations.services.groundtruth_import import ground_truth_import_instances
from annotations.services.review import consensus_compute_for_section
from tests.api.test_imported_truth_pages import SHAPE, expert
from tests.conftest import signed_in
from tests.helpers_pages import page_config
from tests.review_support import submit_all, three_disks

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(project, specimen, make_volume, manager):
    volume = make_volume(specimen, shape=(3, *SHAPE))
    ground_truth_import_instances(
        volume=volume, labels=expert(3, 4), user=manager, file_name="expert_v1.tif"
    )
    return Section.objects.get(volume=volume, z=1)


def confirm_url(section) -> str:
    return f"/api/sections/{section.pk}/review/confirm/"


def test_the_decision_card_says_which_mask_and_offers_no_confirm(reviewer, imported):
    config = page_config(signed_in(reviewer).get(f"/sections/{imported.pk}/review/"))
    assert config["consensus"] is None
    assert set(config["actions"]) == {"exclude", "include"}  # no confirm, nobody to send back to
    note = config["decisionNote"]
    assert note.startswith("This section's ground truth is the imported mask (version 1, ")
    assert "file “expert_v1.tif”" in note and "imported by mona" in note
    assert "There is no consensus to confirm: no annotation of this section is submitted." in note
    assert config["importedTruth"]["file"] == "expert_v1.tif"


def test_confirming_is_a_409_that_names_the_imported_mask_and_writes_nothing(
    api, reviewer, imported
):
    before = (GroundTruth.objects.count(), AuditEvent.objects.count(), imported.status)
    edited = b64(encode_mask(np.ones(SHAPE, dtype=bool)))
    for body in (
        {"consensus_id": None, "mask_png": edited, "edited": True, "base_version": None},
        {"consensus_id": None, "base_version": None},
    ):
        response = api(reviewer).post(confirm_url(imported), body, format="json")
        assert response.status_code == 409, response.content
        answer = response.json()
        assert answer["code"] == "imported_ground_truth"
        assert (
            "imported mask (version 1, file “expert_v1.tif”, imported by mona" in answer["detail"]
        )
        assert "no consensus to confirm" in answer["detail"]
        assert answer["current"]["imported"]["version"] == 1
        assert answer["current"]["consensus_id"] is None
    imported.refresh_from_db()
    assert (GroundTruth.objects.count(), AuditEvent.objects.count(), imported.status) == before
    schema = api(reviewer).get("/api/schema/?format=json").json()
    answer = schema["paths"]["/api/sections/{section_id}/review/confirm/"]["post"]["responses"]
    assert "`imported_ground_truth`" in answer["409"]["description"]


def test_a_section_without_an_import_still_says_too_few_annotations(
    api, reviewer, specimen, make_volume
):
    section = Section.objects.filter(volume=make_volume(specimen, shape=(2, *SHAPE))).first()
    response = api(reviewer).post(confirm_url(section), {"consensus_id": None}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "too_few_annotations"
    config = page_config(signed_in(reviewer).get(f"/sections/{section.pk}/review/"))
    assert "confirm" in config["actions"] and config["decisionNote"] is None


def test_with_a_consensus_beside_the_import_confirm_is_offered_and_works(
    api, project, reviewer, cast, imported
):
    project.queue_includes_imported = True
    project.save(update_fields=["queue_includes_imported"])
    section = submit_all(imported, dict(zip(cast, three_disks(SHAPE))))
    consensus = consensus_compute_for_section(section)
    config = page_config(signed_in(reviewer).get(f"/sections/{section.pk}/review/"))
    assert "confirm" in config["actions"] and config["decisionNote"] is None
    response = api(reviewer).post(
        confirm_url(section), {"consensus_id": consensus.pk, "base_version": None}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 1


def test_the_upload_records_the_file_name(api, manager, specimen, make_volume, media_root):
    volume = make_volume(specimen, shape=(3, *SHAPE))
    buffer = io.BytesIO()
    tifffile.imwrite(buffer, expert(3, 2), photometric="minisblack")
    upload = SimpleUploadedFile("lab_expert.tif", buffer.getvalue(), content_type="image/tiff")
    response = api(manager).post(
        f"/api/specimens/{specimen.pk}/ground-truth/",
        {"file": upload, "instances": "true"},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    truth = GroundTruth.objects.get(section__volume=volume, section__z=0)
    assert truth.params["file"] == "lab_expert.tif"
