"""Label-free sections with their registered stain: the pairs in-silico labelling learns from.

A pair is a label-free section with its fluorescence section (``Section.fluorescence``, set when
a fluorescence volume is imported beside its label-free partner).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from annotations.models import Section


@dataclass(frozen=True)
class StainPair:
    """A label-free section and its stain; ``specimen_*`` for folds and ``FoldPlan.specimens``."""

    section_id: int
    fluorescence_id: int
    specimen_id: int
    specimen_name: str
    modality: str


def pairs_of(sections) -> list[StainPair]:
    rows = (
        sections.filter(is_label_free=True, fluorescence__isnull=False)
        .order_by("specimen__name", "specimen_id", "volume_id", "z", "id")
        .values_list("id", "fluorescence_id", "specimen_id", "specimen__name", "volume__modality")
    )
    return [StainPair(*row) for row in rows]


def pairs_for_sections(section_ids: Iterable[int]) -> list[StainPair]:
    """The pairs a job pinned at launch (those whose stain was deleted since are left out)."""
    return pairs_of(Section.objects.filter(pk__in=list(section_ids)))
