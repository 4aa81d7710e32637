"""The "labels" export: per section, a class-map TIFF and an instance-label TIFF, and a CSV of
every instance with its class.

Class maps are 8-bit (0 background, each class its value); instance maps 16-bit (0 none, one id
per object), one page per annotator in both, as Fiji, napari and QuPath read them.
``instances.csv`` names each instance's class; its ``numbered_by`` column says whether the ids
were stored with the mask (``stored``) or numbered here by 4-connected components of an instance
class (``connected components``: masks drawn without instance ids, where touching objects are one).
Reviewers and managers also get the current ground truth as its own files (``export_truth.py``).
"""

from __future__ import annotations

import csv
import io
import zipfile

import numpy as np

from annotations.imaging.label_values import StoredLabels, instance_classes_only, stored_labels
from annotations.imaging.tiff_out import imagej_tiff_bytes
from annotations.models import AnnotationRevision, LabelKind, Project
from annotations.selectors.labels import label_classes

# The columns that name a revision, first in every table of an export; ``revision_cells`` fills
# them.
REVISION_COLUMNS = ["annotator", "specimen", "section_id", "z", "time_point", "revision"]


def revision_cells(revision: AnnotationRevision) -> list:
    """The ``REVISION_COLUMNS`` of a revision: who, which section, which revision."""
    annotation = revision.annotation
    section = annotation.section
    return [
        annotation.annotator.get_username(),
        section.specimen.name,
        section.pk,
        section.z,
        section.volume.time_index,
        revision.number,
    ]


# The columns of one instance, after the columns that say whose mask it is; ``instance_cells``
# fills them.
INSTANCE_FIELDS = [
    "filename",
    "page",
    "instance",
    "class_value",
    "class_name",
    "pixels",
    "numbered_by",
]
INSTANCE_COLUMNS = [*REVISION_COLUMNS, *INSTANCE_FIELDS]


def tiff_pages(pages: list[np.ndarray], dtype, section) -> bytes:
    """One section's pages (a mask per annotator or per ground-truth version) as an ImageJ TIFF
    in the section's pixel size, so Fiji measures the masks in µm."""
    volume = section.volume
    known = volume.voxel_size_y is not None and volume.voxel_size_x is not None
    return imagej_tiff_bytes(
        np.stack(pages).astype(dtype),
        pixel_size_yx=(volume.voxel_size_y, volume.voxel_size_x) if known else None,
    )


class LabelExportWriter:
    """Writes one section's group of revisions at a time into ``archive``."""

    def __init__(self, archive: zipfile.ZipFile, project: Project, index_writer, row, folder):
        classes = label_classes(project)
        self.archive = archive
        self.index_writer = index_writer
        self.row = row
        self.folder = folder
        self.values = [c["value"] for c in classes]
        self.instance_values = [c["value"] for c in classes if c["kind"] == LabelKind.INSTANCES]
        self.names = {c["value"]: c["name"] for c in classes}
        self.instances_csv = io.StringIO()
        self.instance_writer = csv.writer(self.instances_csv, lineterminator="\n")
        self.instance_writer.writerow(INSTANCE_COLUMNS)

    def write_section(self, group: list[AnnotationRevision]) -> None:
        section = group[0].annotation.section
        stem = f"{self.folder(section)}/z{section.z:03d}_section{section.pk}"
        decoded = [self.decode(r.mask_png, section.shape) for r in group]
        classes_name, instances_name = self.write_pages(stem, decoded, section)
        for page, (revision, labels) in enumerate(zip(group, decoded)):
            self.index_writer.writerow(self.row(revision, classes_name, page))
            self._instance_rows(revision, labels, instances_name, page)

    def decode(self, mask_png, shape) -> StoredLabels:
        """The class map and the instance-class objects of a stored mask under the project's
        classes (region classes have no instances, however the mask was stored)."""
        labels = stored_labels(bytes(mask_png), self.values, self.instance_values, shape)
        return instance_classes_only(labels, self.instance_values)

    def write_pages(self, stem: str, decoded: list[StoredLabels], section) -> tuple[str, str]:
        """``{stem}_classes.tif`` and ``{stem}_instances.tif``, one page per decoded mask."""
        classes_name, instances_name = f"{stem}_classes.tif", f"{stem}_instances.tif"
        for name, pages, dtype in (
            (classes_name, [d.class_map for d in decoded], np.uint8),
            (instances_name, [d.instances for d in decoded], np.uint16),
        ):
            data = tiff_pages(pages, dtype, section)
            self.archive.writestr(name, data, compress_type=zipfile.ZIP_STORED)
        return classes_name, instances_name

    def _instance_rows(self, revision, labels: StoredLabels, filename: str, page: int) -> None:
        for cells in self.instance_cells(labels, filename, page):
            self.instance_writer.writerow([*revision_cells(revision), *cells])

    def instance_cells(self, labels: StoredLabels, filename: str, page: int) -> list[list]:
        """The ``INSTANCE_FIELDS`` of each instance of a decoded page, in instance order."""
        pixels = np.bincount(labels.instances.ravel(), minlength=len(labels.classes) + 1)
        numbered_by = "stored" if labels.stored_instances else "connected components"
        return [
            [
                filename,
                page,
                instance,
                value,
                self.names.get(value, ""),
                int(pixels[instance]) if instance < len(pixels) else 0,
                numbered_by,
            ]
            for instance, value in sorted(labels.classes.items())
        ]

    def finish(self) -> None:
        self.archive.writestr("instances.csv", self.instances_csv.getvalue())
