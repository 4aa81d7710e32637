"""Export of a project's submitted masks as a zip: PNG per annotation, multi-page TIFF per
section, or the project's labels (class-map and instance TIFFs per section plus instances.csv,
``export_labels.py``; with the current ground truth for reviewers and managers, ``export_truth.py``,
but the consensus of sections blind to them).

The archive is written into a spooled temporary file (memory first, disk past a few MB) and
streamed from there, so a large project neither fills the web process's memory nor has to be
built twice.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
import zipfile
from typing import IO

import numpy as np
from django.db.models import F

from annotations.imaging.label_values import stored_labels
from annotations.models import AnnotationRevision, AnnotationStatus, Project, SectionStatus
from annotations.permissions import oversees, require_role
from annotations.selectors.annotation import blind_sections, hidden_from, truth_hidden_from
from annotations.services.export_labels import (
    REVISION_COLUMNS,
    LabelExportWriter,
    revision_cells,
    tiff_pages,
)
from annotations.services.export_truth import write_ground_truth
from cellweb.errors import InvalidInput

ANY_CLASS = range(1, 256)

__all__ = ["EXPORT_FORMATS", "INDEX_COLUMNS", "export_masks"]

EXPORT_FORMATS = ("png", "tiff", "labels")
INDEX_COLUMNS = [
    *REVISION_COLUMNS,
    "submitted_at",
    "filename",
    "page",
    "foreground_pixels",
]
# Sections whose co-annotators' masks (and confirmed consensus, in the labels format) a
# manager-annotator's export leaves out (the blind rule).
WITHHELD_COLUMNS = ["section_id", "specimen", "time_index", "z", "submitted"]
_SPOOL_BYTES = 8 * 1024 * 1024
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _safe(name: str) -> str:
    cleaned = _UNSAFE.sub("_", name).strip("._")
    return cleaned or "unnamed"


def _section_folder(section) -> str:
    return f"masks/{_safe(section.specimen.name)}/t{section.volume.time_index:03d}"


def _row(revision: AnnotationRevision, filename: str, page: int) -> list:
    submitted = revision.annotation.submitted_at or revision.created_at
    return [
        *revision_cells(revision),
        submitted.isoformat(),
        filename,
        page,
        revision.foreground_pixels,
    ]


def _submitted_revisions(*, user, project: Project):
    revisions = (
        AnnotationRevision.objects.filter(
            annotation__section__project=project,
            annotation__status=AnnotationStatus.SUBMITTED,
            number=F("annotation__revision"),
        )
        .exclude(annotation__section__status=SectionStatus.EXCLUDED)
        .select_related(
            "annotation__annotator",
            "annotation__section__specimen",
            "annotation__section__volume",
        )
        .order_by(
            "annotation__section__specimen__name",
            "annotation__section__volume__time_index",
            "annotation__section__z",
            "annotation__section_id",
            "annotation__annotator__username",
        )
    )
    if not oversees(user, project):
        return revisions.filter(annotation__annotator=user)
    # The blind rule holds for a reviewer or manager who also annotates: co-annotators' masks of
    # sections still open are left out (``withheld.csv`` says which).
    return revisions.exclude(hidden_from(user, project, via="annotation__"))


def _withheld_sections(*, user, project: Project):
    """The sections whose co-annotators' masks ``_submitted_revisions`` leaves out for ``user``
    (only a reviewer or manager who annotates has any)."""
    if not oversees(user, project):
        return []
    others = AnnotationRevision.objects.filter(
        annotation__status=AnnotationStatus.SUBMITTED, number=F("annotation__revision")
    ).exclude(annotation__annotator=user)
    return (
        blind_sections(user, project)
        .exclude(status=SectionStatus.EXCLUDED)
        .filter(annotations__revisions__in=others)
        .distinct()
        .select_related("specimen", "volume")
        .order_by("specimen__name", "volume__time_index", "z", "pk")
    )


def _withheld_csv(*, user, project: Project) -> str | None:
    rows = [
        [s.pk, s.specimen.name, s.volume.time_index, s.z, s.submitted_count]
        for s in _withheld_sections(user=user, project=project)
    ]
    if not rows:
        return None
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(WITHHELD_COLUMNS)
    writer.writerows(rows)
    return text.getvalue()


def export_annotation_count(*, user, project: Project) -> int:
    """How many masks an export of ``project`` by ``user`` holds (the export page says so)."""
    return _submitted_revisions(user=user, project=project).count()


def export_masks(*, user, project: Project, fmt: str) -> tuple[IO[bytes], str]:
    """Build the export archive; returns an open file positioned at its start and a file name.

    Reviewers and managers get every submitted annotation; an annotator only their own. A
    reviewer or manager who also annotates is blind on sections still open (or open again, a
    confirmed section that lost a submission): others' masks of those and their confirmed
    consensus are left out, and ``withheld.csv`` lists the sections.
    """
    require_role(user, project)
    if fmt not in EXPORT_FORMATS:
        raise InvalidInput(f"Unknown export format “{fmt}”; choose png, tiff or labels.")
    # Handed to the response, which closes it once the download is sent.
    spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115
    index = io.StringIO()
    writer = csv.writer(index, lineterminator="\n")
    writer.writerow(INDEX_COLUMNS)
    revisions = _submitted_revisions(user=user, project=project).iterator(chunk_size=200)
    try:
        with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            if fmt == "png":
                for revision in revisions:
                    annotation = revision.annotation
                    section = annotation.section
                    filename = (
                        f"{_section_folder(section)}/z{section.z:03d}_section{section.pk}_"
                        f"{_safe(annotation.annotator.get_username())}_r{revision.number}.png"
                    )
                    # Stored masks are PNG already: copy the bytes, do not recompress them.
                    archive.writestr(
                        filename, bytes(revision.mask_png), compress_type=zipfile.ZIP_STORED
                    )
                    writer.writerow(_row(revision, filename, 0))
            elif fmt == "tiff":
                _write_tiffs(archive, writer, revisions)
            else:
                labels = LabelExportWriter(archive, project, writer, _row, _section_folder)
                for group in _by_section(revisions):
                    labels.write_section(group)
                labels.finish()
                if oversees(user, project):
                    write_ground_truth(
                        archive, project, labels, hidden=truth_hidden_from(user, project)
                    )
            archive.writestr("index.csv", index.getvalue())
            withheld = _withheld_csv(user=user, project=project)
            if withheld is not None:
                archive.writestr("withheld.csv", withheld)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool, f"{project.slug}-masks-{fmt}.zip"


def _by_section(revisions):
    """The revisions (ordered by section) in one list per section."""
    group: list[AnnotationRevision] = []
    for revision in revisions:
        if group and group[0].annotation.section_id != revision.annotation.section_id:
            yield group
            group = []
        group.append(revision)
    if group:
        yield group


def _write_tiffs(archive: zipfile.ZipFile, writer, revisions) -> None:
    for group in _by_section(revisions):
        section = group[0].annotation.section
        filename = f"{_section_folder(section)}/z{section.z:03d}_section{section.pk}.tif"
        # A page is the foreground, whatever codec stored the mask (binary, class or instance map).
        pages = [
            stored_labels(bytes(revision.mask_png), ANY_CLASS, (), section.shape).class_map > 0
            for revision in group
        ]
        stack = [page.astype(np.uint8) * np.uint8(255) for page in pages]
        data = tiff_pages(stack, np.uint8, section)
        archive.writestr(filename, data, compress_type=zipfile.ZIP_STORED)
        for page, revision in enumerate(group):
            writer.writerow(_row(revision, filename, page))
