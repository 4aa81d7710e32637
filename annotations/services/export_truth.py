"""The current ground truth in the "labels" export: its own class-map and instance TIFFs per
section, one page per source (confirmed consensus, fluorescence, imported), and two tables.

``ground_truth.csv`` has one row per page (source, version, who confirmed it and when, whether it
was edited); ``ground_truth_instances.csv`` one row per instance with its class and
``numbered_by``: ``stored`` where the mask holds instance ids (drawn or imported with instances, a
corrected fluorescence mask stored as an instance map), ``connected components`` where it holds
none (a binary or class-map mask: touching objects are one instance here).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator

import numpy as np
from django.db.models import Q

from annotations.models import GroundTruth, Project, SectionStatus

from .export_labels import INSTANCE_FIELDS, LabelExportWriter

__all__ = ["TRUTH_COLUMNS", "TRUTH_INSTANCE_COLUMNS", "write_ground_truth"]

_WHERE = ["source", "version", "specimen", "section_id", "z", "time_point"]
TRUTH_COLUMNS = [
    *_WHERE,
    "reviewer",
    "confirmed_at",
    "edited",
    "filename",
    "page",
    "foreground_pixels",
]
TRUTH_INSTANCE_COLUMNS = [*_WHERE, *INSTANCE_FIELDS]


def _current_truths(project: Project, hidden: Q):
    return (
        GroundTruth.objects.filter(section__project=project, is_current=True)
        .exclude(section__status=SectionStatus.EXCLUDED)
        .exclude(hidden)
        .select_related("section__specimen", "section__volume", "reviewer")
        .order_by(
            "section__specimen__name",
            "section__volume__time_index",
            "section__z",
            "section_id",
            "source",
        )
    )


def _by_section(truths: Iterable[GroundTruth]) -> Iterator[list[GroundTruth]]:
    group: list[GroundTruth] = []
    for truth in truths:
        if group and group[0].section_id != truth.section_id:
            yield group
            group = []
        group.append(truth)
    if group:
        yield group


def _where(truth: GroundTruth) -> list:
    section = truth.section
    return [
        truth.source,
        truth.version,
        section.specimen.name,
        section.pk,
        section.z,
        section.volume.time_index,
    ]


def write_ground_truth(
    archive: zipfile.ZipFile, project: Project, labels: LabelExportWriter, *, hidden: Q
):
    """Write every current ground truth of ``project`` but the ``hidden`` ones (the blind rule,
    ``truth_hidden_from``; excluded sections left out too)."""
    pages_csv, instances_csv = io.StringIO(), io.StringIO()
    pages_writer = csv.writer(pages_csv, lineterminator="\n")
    instance_writer = csv.writer(instances_csv, lineterminator="\n")
    pages_writer.writerow(TRUTH_COLUMNS)
    instance_writer.writerow(TRUTH_INSTANCE_COLUMNS)
    for group in _by_section(_current_truths(project, hidden).iterator(chunk_size=200)):
        section = group[0].section
        stem = f"{labels.folder(section)}/z{section.z:03d}_section{section.pk}_truth"
        decoded = [labels.decode(t.mask_png, section.shape) for t in group]
        classes_name, instances_name = labels.write_pages(stem, decoded, section)
        for page, (truth, found) in enumerate(zip(group, decoded)):
            pages_writer.writerow(
                [
                    *_where(truth),
                    truth.reviewer.get_username() if truth.reviewer else "",
                    truth.confirmed_at.isoformat() if truth.confirmed_at else "",
                    truth.edited,
                    classes_name,
                    page,
                    int(np.count_nonzero(found.class_map)),
                ]
            )
            for cells in labels.instance_cells(found, instances_name, page):
                instance_writer.writerow([*_where(truth), *cells])
    archive.writestr("ground_truth.csv", pages_csv.getvalue())
    archive.writestr("ground_truth_instances.csv", instances_csv.getvalue())
