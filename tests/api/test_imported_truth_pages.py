"""Imported ground truth (an expert's instance mask) is shown where a biologist looks: the
project's specimen list, the specimen page, the section's review page and the dashboard; every
one a read that writes nothing and whose queries do not grow with the specimens."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.models import AuditEvent, GroundTruth, Section, Specimen
from annotations.services.groundtruth_import import (
    ground_truth_import,
    ground_truth_import_instances,
)
from tests.conftest import signed_in

SHAPE = (24, 24)


def expert(z: int, nuclei: int) -> np.ndarray:
    """``nuclei`` separate 2×2 nuclei in every section, the same ids through the stack."""
    labels = np.zeros((z, *SHAPE), dtype=np.uint16)
    for k in range(nuclei):
        row, col = divmod(k, 6)
        labels[:, 1 + 4 * row : 3 + 4 * row, 1 + 4 * col : 3 + 4 * col] = k + 1
    return labels


@pytest.fixture
def imported(project, specimen, make_volume, manager):
    volume = make_volume(specimen, shape=(3, *SHAPE))
    ground_truth_import_instances(volume=volume, labels=expert(3, 7), user=manager)
    ground_truth_import_instances(volume=volume, labels=expert(3, 9), user=manager)  # version 2
    return volume


def cell(html: str, role: str) -> str:
    return re.search(rf'data-role="{role}"[^>]*>(.*?)</td>', html, re.S).group(1)


def test_the_project_page_counts_sections_and_nuclei_per_specimen(manager, project, imported):
    html = signed_in(manager).get("/projects/lab/").content.decode()
    assert "Imported ground truth" in html
    assert cell(html, "imported-truth").strip() == "3 of 3 sections · 9 nuclei"


def test_the_project_page_queries_do_not_grow_with_specimens(
    manager, project, imported, make_volume
):
    client = signed_in(manager)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/projects/lab/").status_code == 200
        return len(captured)

    before = queries()
    for n in range(3):
        volume = make_volume(
            Specimen.objects.create(project=project, name=f"c{n}"), shape=(2, *SHAPE)
        )
        ground_truth_import_instances(volume=volume, labels=expert(2, 3))
    assert queries() == before


def test_the_specimen_page_shows_the_import_per_volume(manager, specimen, imported):
    html = signed_in(manager).get(f"/specimens/{specimen.pk}/").content.decode()
    text = cell(html, "imported-truth")
    assert 'data-sections="3"' in text and "3 of 3 sections" in text
    assert 'data-nuclei="9"' in text and "version 2" in text
    assert "imported by mona" in text


def test_a_class_map_import_says_its_nuclei_are_not_numbered(
    manager, project, specimen, make_volume
):
    volume = make_volume(specimen, shape=(2, *SHAPE))
    ground_truth_import(volume=volume, masks=expert(2, 4) > 0, user=manager)
    html = signed_in(manager).get(f"/specimens/{specimen.pk}/").content.decode()
    assert "not numbered (imported as a class map)" in cell(html, "imported-truth")
    assert cell(signed_in(manager).get("/projects/lab/").content.decode(), "imported-truth") == (
        "2 of 2 sections"
    )


def review_config(html: str) -> dict:
    return json.loads(re.search(r'id="cw-config"[^>]*>(.*?)</script>', html, re.S).group(1))


def test_the_review_page_shows_the_expert_mask_as_a_named_layer(reviewer, project, imported):
    section = Section.objects.get(volume=imported, z=1)
    before = (GroundTruth.objects.count(), AuditEvent.objects.count())
    html = signed_in(reviewer).get(f"/sections/{section.pk}/review/").content.decode()
    assert (GroundTruth.objects.count(), AuditEvent.objects.count()) == before
    status = re.search(r'id="section-status">(.*?)</span>', html).group(1)
    assert status == "Ground truth imported: not annotated"  # not "Needs annotations"
    assert "Imported mask v2 · 9 nuclei" in html
    assert "Annotators are not asked to draw it" in html
    truth = review_config(html)["importedTruth"]
    assert truth["version"] == 2 and truth["nuclei"] == 9 and truth["imported_by"] == "mona"
    assert truth["label"] == "Imported mask" and truth["mask_png"] and truth["outline_png"]


def test_the_review_note_names_the_file_however_it_was_imported(
    reviewer, manager, specimen, make_volume
):
    """An expert's .zip uploaded over HTTP is not said to come from ``import_masks``: the note
    names the file, which an upload and the command both record."""
    volume = make_volume(specimen, shape=(1, *SHAPE))
    ground_truth_import_instances(
        volume=volume, labels=expert(1, 4), user=manager, file_name="expert-masks.zip"
    )
    section = Section.objects.get(volume=volume, z=0)

    html = signed_in(reviewer).get(f"/sections/{section.pk}/review/").content.decode()

    note = re.search(r'id="imported-truth"[^>]*>(.*?)</div>', html, re.S).group(1)
    assert "import_masks" not in note
    assert "(an expert's mask, file “expert-masks.zip”)" in note


def test_a_section_included_in_the_queue_still_needs_annotations(reviewer, project, imported):
    project.queue_includes_imported = True
    project.save(update_fields=["queue_includes_imported"])
    section = Section.objects.get(volume=imported, z=0)
    html = signed_in(reviewer).get(f"/sections/{section.pk}/review/").content.decode()
    assert re.search(r'id="section-status">(.*?)</span>', html).group(1) == "Needs annotations"
    assert "The project asks annotators to draw it too" in html


def test_a_section_without_an_import_has_no_such_layer(reviewer, project, specimen, make_volume):
    section = Section.objects.filter(volume=make_volume(specimen, shape=(2, *SHAPE))).first()
    html = signed_in(reviewer).get(f"/sections/{section.pk}/review/").content.decode()
    assert review_config(html)["importedTruth"] is None
    assert 'id="imported-truth"' not in html


def test_the_dashboard_counts_imported_sections_and_says_what_it_counts(manager, project, imported):
    html = signed_in(manager).get("/projects/lab/dashboard/").content.decode()
    assert 'data-count-imported="3"' in html and 'data-count-open="3"' in html
    assert "the annotation queue and the annotators' progress bars leave them out" in html
