"""Frozen sets of ground-truth versions, so that training on "the ground truth as of X" is
reproducible however often sections are re-confirmed afterwards."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from annotations.models import (
    AuditEvent,
    GroundTruth,
    GroundTruthSnapshot,
    GroundTruthSource,
    Project,
    ReviewAction,
    Specimen,
)
from annotations.selectors.annotation.visibility import BLIND_TRUTH_SOURCES
from annotations.selectors.review import snapshot_masks
from cellweb.errors import InvalidInput

__all__ = [
    "ground_truth_source_checked",
    "ground_truth_snapshot_create",
    "ground_truth_snapshot_of_entries",
    "ground_truth_as_of",
    "snapshot_masks",
]


def ground_truth_source_checked(source: str) -> str:
    """``source`` when it is a ground-truth source; 400 naming the choices otherwise."""
    if source not in GroundTruthSource.values:
        choices = ", ".join(GroundTruthSource.values)
        raise InvalidInput(f"Unknown ground-truth source “{source}”; choose one of {choices}.")
    return source


def ground_truth_as_of(
    *,
    project: Project,
    source: str = GroundTruthSource.CONSENSUS,
    as_of: datetime,
    specimen_ids: Iterable[int] | None = None,
) -> list[int]:
    """Ids of the ground-truth version each section had at ``as_of``.

    Only facts dated at or before ``as_of`` are used (confirmation and exclusion times), so the
    answer for a past instant never changes: a later re-confirmation has a later ``confirmed_at``
    and is ignored, an older version stays stored. A section excluded after its chosen version
    was confirmed (and not re-confirmed before ``as_of``) is left out. So is, for truth built
    from the annotators' masks (``BLIND_TRUTH_SOURCES``), a section sent back or reopened after
    its chosen version was confirmed: short of its submissions again it is blind again, and its
    truth leaves the set, for everyone, until it is re-confirmed.
    """
    withdrawing = [ReviewAction.EXCLUDE]
    if source in BLIND_TRUTH_SOURCES:
        withdrawing += [ReviewAction.SEND_BACK, ReviewAction.REOPEN]
    truths = GroundTruth.objects.filter(
        section__project=project, source=source, confirmed_at__lte=as_of
    )
    exclusions = AuditEvent.objects.filter(
        section__project=project, action__in=withdrawing, at__lte=as_of
    )
    if specimen_ids is not None:
        truths = truths.filter(section__specimen_id__in=specimen_ids)
        exclusions = exclusions.filter(section__specimen_id__in=specimen_ids)

    chosen: dict[int, tuple[int, datetime]] = {}
    for pk, section_id, confirmed_at in truths.order_by("section_id", "-version").values_list(
        "pk", "section_id", "confirmed_at"
    ):
        chosen.setdefault(section_id, (pk, confirmed_at))
    excluded_at: dict[int, datetime] = {}
    for section_id, at in exclusions.values_list("section_id", "at"):
        if section_id not in excluded_at or at > excluded_at[section_id]:
            excluded_at[section_id] = at
    return sorted(
        pk
        for section_id, (pk, confirmed_at) in chosen.items()
        if not (section_id in excluded_at and excluded_at[section_id] > confirmed_at)
    )


@transaction.atomic
def ground_truth_snapshot_create(
    *,
    project: Project,
    source: str = GroundTruthSource.CONSENSUS,
    as_of: datetime | None = None,
    user=None,
    specimen_ids: Iterable[int] | None = None,
) -> GroundTruthSnapshot:
    """Freeze the ground truth of ``project`` (optionally some specimens) as it was at ``as_of``."""
    ground_truth_source_checked(source)
    now = timezone.now()
    if as_of is None:
        as_of = now
    if timezone.is_naive(as_of):
        raise InvalidInput("The snapshot time needs a time zone.")
    if as_of > now:
        # The future is not settled yet: such a snapshot would not be reproducible.
        raise InvalidInput("A ground-truth snapshot cannot be taken as of a time in the future.")
    if specimen_ids is not None:
        specimen_ids = sorted({int(pk) for pk in specimen_ids})
        known = set(
            Specimen.objects.filter(project=project, pk__in=specimen_ids).values_list(
                "pk", flat=True
            )
        )
        unknown = [pk for pk in specimen_ids if pk not in known]
        if unknown:
            raise InvalidInput(
                f"Specimens {', '.join(map(str, unknown))} are not part of project “{project.name}”."
            )

    entry_ids = ground_truth_as_of(
        project=project, source=source, as_of=as_of, specimen_ids=specimen_ids
    )
    snapshot = GroundTruthSnapshot(project=project, source=source, as_of=as_of, created_by=user)
    snapshot.full_clean()
    snapshot.save()
    snapshot.entries.set(entry_ids)
    return snapshot


def ground_truth_snapshot_of_entries(
    *, project: Project, source: str, as_of: datetime, user, entries: Iterable
) -> GroundTruthSnapshot:
    """A snapshot of the entries' specimens that holds exactly the planned ``entries`` (items
    with ``specimen_id`` and ``ground_truth_id``: what a job trains on once its filters apply)."""
    entries = list(entries)
    snapshot = ground_truth_snapshot_create(
        project=project,
        source=source,
        as_of=as_of,
        user=user,
        specimen_ids=sorted({e.specimen_id for e in entries}),
    )
    snapshot.entries.set([e.ground_truth_id for e in entries])
    return snapshot
