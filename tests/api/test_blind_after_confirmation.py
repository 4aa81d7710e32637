"""The blind rule after a confirmation: a confirmed section that loses a submission (sent back
or reopened) has fewer than its required submissions again, and a manager who annotates is
blind on it once more. Its confirmed consensus is built from the co-annotators' masks, so no
route may hand it to her: not the ground-truth API, not the labels export's ground-truth pages,
not any other GET of the site. Stain-derived truth is nobody's work and stays readable."""

from __future__ import annotations

import base64
import csv
import io
import zipfile

import numpy as np
import pytest
from django.urls import reverse

from annotations.models import GroundTruth, Membership, Role, Section, SectionStatus
from annotations.services.annotation import annotation_return_to_draft
from annotations.services.review import consensus_compute_for_section, review_confirm
from tests.api.test_blind_by_every_route import _body, _walk
from tests.conftest import signed_in
from tests.review_support import save_revision

pytestmark = pytest.mark.usefixtures("known_nuclei")


@pytest.fixture
def reblinded(ids, project, annotator, second_annotator, third_annotator, reviewer) -> dict:
    """Bob and Carol outline the section of ``ids`` alike (Alice's box differs), its consensus is
    confirmed, then Carol's submission goes back to draft: two submissions of three. Alice is a
    manager too."""
    Membership.objects.create(project=project, user=annotator, role=Role.MANAGER)
    section = Section.objects.get(pk=ids["section_id"])
    pattern = np.zeros(section.shape, dtype=bool)
    pattern[3:29:2, 5:27:3] = True  # a pattern no other mask of the fixture draws
    save_revision(section, second_annotator, pattern)
    carols = save_revision(section, third_annotator, pattern)
    Section.objects.filter(pk=section.pk).update(status=SectionStatus.REVIEW)
    section.refresh_from_db()
    consensus = consensus_compute_for_section(section)
    # The fixture's data already holds a confirmed version (its training set).
    seen = GroundTruth.objects.filter(section=section, source="consensus", is_current=True)
    base = seen.values_list("version", flat=True).first()
    truth = review_confirm(
        section=section, reviewer=reviewer, consensus_id=consensus.pk, base_version=base
    )
    annotation_return_to_draft(annotations=[carols])
    section.refresh_from_db()
    assert section.submitted_count < project.required_annotations
    png = bytes(truth.mask_png)
    return {"section": section, "truth": truth, "png": png, "b64": base64.b64encode(png)}


def _truth_url(section_id: int, **query) -> str:
    url = reverse("api-section-ground-truth", kwargs={"section_id": section_id})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _archive(client, slug: str) -> zipfile.ZipFile:
    response = client.get(f"/api/projects/{slug}/export/?format=labels")
    assert response.status_code == 200
    return zipfile.ZipFile(io.BytesIO(_body(response)))


def test_the_ground_truth_api_refuses_the_consensus_to_a_manager_blind_again(
    ids, reblinded, annotator, manager
):
    section_id = ids["section_id"]
    alice = signed_in(annotator)
    assert alice.get(_truth_url(section_id)).status_code == 403
    assert alice.get(_truth_url(section_id, version=1)).status_code == 403
    # Stain-derived truth is nobody's work: still hers to read.
    assert alice.get(_truth_url(section_id, source="fluorescence")).status_code == 200
    # A manager who does not annotate reads the consensus, as before.
    answer = signed_in(manager).get(_truth_url(section_id))
    assert answer.status_code == 200
    assert reblinded["b64"] in answer.content


def test_the_labels_export_leaves_the_consensus_out_and_says_so(ids, reblinded, annotator, manager):
    section_id = ids["section_id"]
    archive = _archive(signed_in(annotator), ids["slug"])
    stem = f"_section{section_id}_truth"
    assert not [name for name in archive.namelist() if stem in name]
    rows = archive.read("ground_truth.csv").decode().splitlines()[1:]
    assert not [row for row in rows if row.split(",")[3] == str(section_id)]
    withheld = archive.read("withheld.csv").decode().splitlines()[1:]
    assert str(section_id) in [row.split(",")[0] for row in withheld]
    page = signed_in(annotator).get(reverse("project-export", kwargs={"slug": ids["slug"]}))
    assert "leaves out their confirmed consensus" in page.content.decode()
    # The pure manager's export has the confirmed consensus of the section.
    full = _archive(signed_in(manager), ids["slug"])
    assert [name for name in full.namelist() if stem in name]


def test_no_route_hands_a_manager_blind_again_the_consensus(ids, reblinded, annotator):
    leaks, opened = _walk(signed_in(annotator), ids, reblinded)
    assert not leaks, "\n".join(leaks)
    assert opened > 40


def test_an_evaluations_truth_layer_of_the_section_is_refused_while_it_is_blind(
    ids, reblinded, annotator, reviewer
):
    """The evaluation scored the section against a confirmed consensus: its red ground-truth
    outline is the annotators' work too; the model's layer is not."""
    base = f"/api/evaluations/{ids['evaluation_id']}/sections/{ids['section_id']}/layer/"
    alice = signed_in(annotator)
    assert alice.get(base + "gt.png").status_code == 403
    assert alice.get(base + "pred.png").status_code == 200
    assert signed_in(reviewer).get(base + "gt.png").status_code == 200
    # The gallery shows the section without that layer, and says why.
    gallery = alice.get(f"/evaluations/{ids['evaluation_id']}/gallery/?sections=all")
    html = gallery.content.decode()
    assert gallery.status_code == 200 and base + "gt.png" not in html
    assert base + "pred.png" in html and 'data-role="truth-withheld"' in html
    full = signed_in(reviewer).get(f"/evaluations/{ids['evaluation_id']}/gallery/?sections=all")
    assert base + "gt.png" in full.content.decode()


def test_the_results_csv_blanks_the_sections_score_against_a_withheld_truth(
    ids, reblinded, annotator, reviewer
):
    """Per-section Dice against the consensus is a figure of the co-annotators' work: left out of
    the CSV for the manager blind on the section, as the gallery leaves out its truth layer."""
    url = f"/evaluations/{ids['evaluation_id']}/results.csv"

    def section_rows(user):
        text = b"".join(signed_in(user).get(url).streaming_content).decode()
        rows = csv.DictReader(io.StringIO(text))
        return [row for row in rows if row["section_id"] == str(ids["section_id"])]

    hers, full = section_rows(annotator), section_rows(reviewer)
    assert hers and full and len(hers) == len(full)
    for row in hers:
        assert row["dice"] == "" and row["gt_pixels"] == "" and row["tp"] == ""
        assert row["not_scored"].startswith("ground truth withheld")
    assert all(row["dice"] and row["gt_pixels"] for row in full)
