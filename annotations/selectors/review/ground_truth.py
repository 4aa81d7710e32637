"""Confirmed ground truth: its versions, their details and the masks a snapshot froze."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from django.http import Http404

from annotations.imaging.label_values import stored_labels
from annotations.models import GroundTruth, GroundTruthSnapshot, GroundTruthSource, Section
from annotations.selectors.encoding import b64
from annotations.selectors.labels import label_classes


def _class_values(project) -> list[int]:
    return [entry["value"] for entry in label_classes(project)]


def ground_truth_public(truth: GroundTruth) -> dict:
    """What a reviewer who lost a race sees of the winner's result."""
    return {
        "version": truth.version,
        "mask_png": b64(truth.mask_png),
        "reviewer": truth.reviewer.get_username() if truth.reviewer_id else None,
        "confirmed_at": truth.confirmed_at.isoformat(),
    }


def _versions(section: Section, source: str):
    return GroundTruth.objects.filter(section=section, source=source).select_related("reviewer")


def ground_truth_versions(section: Section, *, source: str = GroundTruthSource.CONSENSUS):
    return _versions(section, source).defer("mask_png").order_by("-version")


# The fields of a ground-truth version its detail adds to ``ground_truth_public``, as stored.
_DETAIL_FIELDS = (
    "source",
    "is_current",
    "stale",
    "method",
    "params",
    "consensus_id",
    "input_revisions",
    "edited",
    "edit_summary",
    "foreground_pixels",
)


def ground_truth_detail(truth: GroundTruth) -> dict:
    return {
        **ground_truth_public(truth),
        **{name: getattr(truth, name) for name in _DETAIL_FIELDS},
    }


def snapshot_masks(
    snapshot: GroundTruthSnapshot, *, value: int | None = None
) -> Iterator[tuple[Section, np.ndarray]]:
    """Every (section, ground-truth mask) frozen in ``snapshot``, in section order: the bool
    mask of class ``value`` (``class_map == value``), or of any class when ``value`` is None."""
    values = _class_values(snapshot.project)
    entries = snapshot.entries.select_related("section__volume", "section__specimen").order_by(
        "section_id"
    )
    for truth in entries.iterator(chunk_size=200):
        class_map = stored_labels(bytes(truth.mask_png), values, (), truth.section.shape).class_map
        yield truth.section, (class_map != 0 if value is None else class_map == value)


def ground_truth_current(section: Section, *, source: str = GroundTruthSource.CONSENSUS):
    """The section's current ground truth from ``source`` (with its reviewer), or ``None``."""
    return _versions(section, source).filter(is_current=True).first()


def ground_truth_version_detail(section: Section, *, source: str, version: int) -> dict:
    """One ground-truth version of the section in full; 404 when there is no such version."""
    truth = _versions(section, source).filter(version=version).first()
    if truth is None:
        raise Http404("No such ground-truth version.")
    return ground_truth_detail(truth)


def section_ground_truth(section: Section, *, source: str) -> dict:
    """The current version in full (``None`` before the first) and the summary of every version."""
    current = ground_truth_current(section, source=source)
    return {
        "current": ground_truth_detail(current) if current else None,
        "versions": list(ground_truth_versions(section, source=source)),
    }
