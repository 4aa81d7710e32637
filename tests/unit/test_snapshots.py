"""ground_truth_snapshot_create: frozen, reproducible sets of ground-truth versions."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from annotations.imaging.masks import decode_mask, encode_mask
from annotations.models import GroundTruth, GroundTruthSource, Specimen
from annotations.services.review import review_exclude, review_send_back
from annotations.services.snapshots import ground_truth_snapshot_create, snapshot_masks
from cellweb.errors import InvalidInput
from tests.review_support import confirm, disk, sections_of, with_consensus

SHAPE = (32, 32)


@pytest.fixture
def sections(specimen, make_volume, cast):
    """Two sections, each with a consensus of three jittered disks."""
    return [with_consensus(section, cast) for section in sections_of(specimen, make_volume)[:2]]


def _confirm(section, consensus, reviewer, *, base_version=None, mask=None):
    return confirm(
        section, reviewer, consensus, mask=mask, edited=mask is not None, base_version=base_version
    )


def test_a_snapshot_holds_the_current_version_of_every_confirmed_section(
    project, sections, reviewer
):
    (first, c1), (second, c2) = sections
    v1 = _confirm(first, c1, reviewer)
    v2 = _confirm(second, c2, reviewer)

    snapshot = ground_truth_snapshot_create(project=project, user=reviewer)

    assert set(snapshot.entries.values_list("pk", flat=True)) == {v1.pk, v2.pk}
    assert snapshot.source == "consensus" and snapshot.created_by == reviewer


def test_a_snapshot_as_of_a_past_time_is_the_same_after_a_reconfirmation(
    project, sections, reviewer
):
    (section, consensus), _ = sections
    version_1 = _confirm(section, consensus, reviewer)
    as_of = timezone.now()
    before = ground_truth_snapshot_create(project=project, as_of=as_of)
    edited = decode_mask(bytes(version_1.mask_png), SHAPE).copy()
    edited[0:4, 0:4] = True
    version_2 = _confirm(section, consensus, reviewer, base_version=1, mask=edited)

    again = ground_truth_snapshot_create(project=project, as_of=as_of)
    now = ground_truth_snapshot_create(project=project)

    assert list(again.entries.values_list("pk", flat=True)) == [version_1.pk]
    assert list(before.entries.values_list("pk", flat=True)) == [version_1.pk]
    assert list(now.entries.values_list("pk", flat=True)) == [version_2.pk]
    [(masked_section, mask)] = list(snapshot_masks(again))
    assert masked_section == section
    np.testing.assert_array_equal(mask, decode_mask(bytes(version_1.mask_png), SHAPE))


def test_snapshot_masks_decode_every_entry_in_section_order(project, sections, reviewer):
    for section, consensus in sections:
        _confirm(section, consensus, reviewer)

    snapshot = ground_truth_snapshot_create(project=project)
    pairs = list(snapshot_masks(snapshot))

    assert [s.pk for s, _ in pairs] == sorted(s.pk for s, _ in sections)
    for _, mask in pairs:
        assert mask.shape == SHAPE and mask.dtype == bool and mask.any()


def test_a_section_excluded_after_confirmation_leaves_later_snapshots_only(
    project, sections, reviewer
):
    (section, consensus), (other, other_consensus) = sections
    kept = _confirm(other, other_consensus, reviewer)
    truth = _confirm(section, consensus, reviewer)
    before_exclusion = timezone.now()
    review_exclude(section=section, reviewer=reviewer, reason="Out of focus")

    earlier = ground_truth_snapshot_create(project=project, as_of=before_exclusion)
    later = ground_truth_snapshot_create(project=project)

    assert set(earlier.entries.values_list("pk", flat=True)) == {truth.pk, kept.pk}
    assert set(later.entries.values_list("pk", flat=True)) == {kept.pk}


@pytest.mark.parametrize("source", [GroundTruthSource.IMPORTED, GroundTruthSource.FLUORESCENCE])
def test_imported_and_fluorescence_ground_truth_snapshot_by_source(
    project, specimen, make_volume, source
):
    section = sections_of(specimen, make_volume)[0]
    mask = disk(SHAPE, 16, 16, 6)
    versions = [(1, timedelta(hours=2), False), (2, timedelta(minutes=1), True)]
    old, new = (
        GroundTruth.objects.create(
            section=section,
            source=source,
            version=version,
            mask_png=encode_mask(mask),
            confirmed_at=timezone.now() - age,
            is_current=is_current,
        )
        for version, age, is_current in versions
    )

    current = ground_truth_snapshot_create(project=project, source=source)
    past = ground_truth_snapshot_create(
        project=project, source=source, as_of=timezone.now() - timedelta(hours=1)
    )
    other_source = ground_truth_snapshot_create(project=project, source=GroundTruthSource.CONSENSUS)

    assert list(current.entries.values_list("pk", flat=True)) == [new.pk]
    assert list(past.entries.values_list("pk", flat=True)) == [old.pk]
    assert other_source.entries.count() == 0


def test_a_snapshot_can_be_limited_to_some_specimens(project, sections, reviewer, make_volume):
    for section, consensus in sections:
        _confirm(section, consensus, reviewer)
    elsewhere = Specimen.objects.create(project=project, name="cell-02")

    snapshot = ground_truth_snapshot_create(project=project, specimen_ids=[elsewhere.pk])

    assert snapshot.entries.count() == 0


def test_a_snapshot_refuses_specimens_of_other_projects_and_future_times(project):
    from annotations.models import Project

    foreign = Specimen.objects.create(
        project=Project.objects.create(slug="other", name="Other"), name="x"
    )
    with pytest.raises(InvalidInput):
        ground_truth_snapshot_create(project=project, specimen_ids=[foreign.pk])
    with pytest.raises(InvalidInput):
        ground_truth_snapshot_create(project=project, as_of=timezone.now() + timedelta(hours=1))
    with pytest.raises(InvalidInput):
        ground_truth_snapshot_create(project=project, source="guesswork")


def test_a_section_sent_back_after_confirmation_leaves_the_truth_set_until_reconfirmed(
    project, sections, reviewer, cast
):
    (section, consensus), (other, other_consensus) = sections
    kept = _confirm(other, other_consensus, reviewer)
    truth = _confirm(section, consensus, reviewer)
    before_send_back = timezone.now()
    review_send_back(
        section=section, reviewer=reviewer, comment="Redraw", annotator_ids=[cast[2].pk]
    )
    section.refresh_from_db()
    assert section.submitted_count < project.required_annotations

    earlier = ground_truth_snapshot_create(project=project, as_of=before_send_back)
    later = ground_truth_snapshot_create(project=project)

    assert set(earlier.entries.values_list("pk", flat=True)) == {truth.pk, kept.pk}
    assert set(later.entries.values_list("pk", flat=True)) == {kept.pk}
