"""The work queue and its progress leave out sections whose current ground truth is imported (an
expert's mask), unless the project asks annotators to draw them too."""

from __future__ import annotations

import numpy as np
import pytest

from annotations.models import QueueMode, Section, SectionDisagreement, Specimen
from annotations.selectors.annotation import annotation_progress, next_section_peek
from annotations.services.annotation import section_offer_claim
from annotations.services.groundtruth_import import ground_truth_import_instances
from tests.unit.test_annotation_queue import SHAPE, drain, save


def expert_labels(z: int) -> np.ndarray:
    labels = np.zeros((z, *SHAPE), dtype=np.uint16)
    labels[:, 2:6, 2:6] = 1
    labels[:, 8:12, 8:12] = 2
    return labels


@pytest.fixture
def two_cells(project, specimen, make_volume, manager):
    """cell-01 (3 sections) with an imported expert mask, cell-02 (2 sections) without."""
    expert = make_volume(specimen, shape=(3, *SHAPE))
    ground_truth_import_instances(volume=expert, labels=expert_labels(3), user=manager)
    plain = make_volume(Specimen.objects.create(project=project, name="cell-02"), shape=(2, *SHAPE))
    return {
        "expert": list(Section.objects.filter(volume=expert).order_by("z")),
        "plain": list(Section.objects.filter(volume=plain).order_by("z")),
    }


def include_imported(project):
    project.queue_includes_imported = True
    project.save(update_fields=["queue_includes_imported"])


def test_sections_with_imported_ground_truth_are_not_handed_out(project, two_cells, annotator):
    assert sorted(drain(annotator, project)) == sorted(s.pk for s in two_cells["plain"])


def test_a_project_that_includes_them_hands_every_section_out(project, two_cells, annotator):
    include_imported(project)
    handed = drain(annotator, project)
    assert sorted(handed) == sorted(s.pk for s in two_cells["plain"] + two_cells["expert"])


def test_nothing_is_left_once_only_imported_sections_remain(
    project, specimen, make_volume, manager, annotator
):
    volume = make_volume(specimen, shape=(3, *SHAPE))
    ground_truth_import_instances(volume=volume, labels=expert_labels(3), user=manager)
    assert next_section_peek(user=annotator, project=project) is None
    assert section_offer_claim(user=annotator, project=project) is None


def test_a_draft_begun_before_the_import_stays_in_the_queue(
    project, specimen, make_volume, manager, annotator
):
    volume = make_volume(specimen, shape=(3, *SHAPE))
    begun = Section.objects.get(volume=volume, z=1)
    save(begun, annotator)
    ground_truth_import_instances(volume=volume, labels=expert_labels(3), user=manager)
    assert section_offer_claim(user=annotator, project=project).pk == begun.pk


def test_most_informative_first_skips_a_scored_imported_section(project, two_cells, annotator):
    project.queue_mode = QueueMode.MOST_INFORMATIVE
    project.save(update_fields=["queue_mode"])
    for section, variance in ((two_cells["expert"][1], 0.2), (two_cells["plain"][0], 0.05)):
        SectionDisagreement.objects.create(
            section=section,
            project=project,
            variance=variance,
            pairwise_dice=0.5,
            folds=4,
            training_job_id=1,
        )
    assert next_section_peek(user=annotator, project=project).pk == two_cells["plain"][0].pk
    include_imported(project)
    assert next_section_peek(user=annotator, project=project).pk == two_cells["expert"][1].pk


def test_progress_counts_the_sections_the_queue_hands_out(project, two_cells, annotator):
    save(two_cells["plain"][0], annotator, submit=True)
    project.required_annotations = 1
    project.save(update_fields=["required_annotations"])
    progress = annotation_progress(user=annotator, project=project)
    assert progress["sections_total"] == 2
    assert progress["sections_complete"] == 1
    assert progress["sections_imported"] == 3
    assert progress["imported_in_queue"] is False
    include_imported(project)
    progress = annotation_progress(user=annotator, project=project)
    assert (progress["sections_total"], progress["sections_imported"]) == (5, 3)
