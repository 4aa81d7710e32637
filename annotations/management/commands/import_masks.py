"""Import a mask stack as ground truth (source "imported") of a specimen's volume.

A binary stack (0/1, 0/255) is one class (``--class NAME``, else the project's only class or its
instance class); in a project of several classes, a class map whose values are the classes'
values. ``--instances`` reads an instance label image (each positive value one object, as Fiji,
napari or QuPath write them) and imports its foreground as its class.
"""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import tifffile
from django.core.management.base import BaseCommand, CommandError
from PIL import Image

from annotations.models import LABEL_FREE_MODALITIES, Project, Specimen, Volume
from annotations.services.groundtruth_import import (
    ground_truth_import,
    ground_truth_import_instances,
)
from cellweb.errors import DomainError

_RAW_PNG_MODES = ("1", "L", "I", "I;16", "I;16B", "I;16L")


def read_mask_stack(path: Path, dataset: str | None) -> np.ndarray:
    """A mask array from .npy, TIFF, HDF5 (with ``dataset``) or PNG, read as stored (bool kept)."""
    if not path.is_file():
        raise CommandError(f"The file '{path}' does not exist.")
    with open(path, "rb") as fh:
        head = fh.read(8)
    try:
        if head.startswith(b"\x93NUMPY"):
            return np.load(path, allow_pickle=False)
        if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
            return tifffile.imread(path)
        if head.startswith(b"\x89PNG"):
            with Image.open(path) as image:
                if image.mode in _RAW_PNG_MODES:  # labels as stored (16-bit ones included)
                    return np.asarray(image)
                return np.asarray(image.convert("L"))
        if h5py.is_hdf5(str(path)):
            with h5py.File(path, "r") as f:
                if not dataset:
                    names = []
                    f.visititems(
                        lambda n, o: names.append("/" + n) if isinstance(o, h5py.Dataset) else None
                    )
                    raise CommandError(
                        f"{path.name} is an HDF5 file: say which dataset holds the masks with --dataset "
                        f"(it has: {', '.join(names[:20]) or 'no datasets'})."
                    )
                obj = f.get(dataset)
                if not isinstance(obj, h5py.Dataset):
                    raise CommandError(f"Dataset '{dataset}' does not exist in {path.name}.")
                return obj[()]
    except CommandError:
        raise
    except Exception as exc:
        raise CommandError(f"{path.name} could not be read as a mask stack ({exc}).") from exc
    raise CommandError(f"{path.name} is not a .npy, TIFF, HDF5 or PNG file.")


class Command(BaseCommand):
    help = (
        "Import a binary mask stack (z, y, x), or with --instances an instance label image, as "
        "imported ground truth of a specimen's label-free volume."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--project", required=True)
        parser.add_argument("--specimen", required=True)
        parser.add_argument(
            "--time", type=int, default=0, help="Time point of the label-free volume (default 0)."
        )
        parser.add_argument("--dataset", default=None, help="Dataset path inside an HDF5 file.")
        parser.add_argument(
            "--instances",
            action="store_true",
            help="The file is an instance label image: 0 background, each positive value one "
            "nucleus. Its foreground is imported; the instances are counted.",
        )
        parser.add_argument(
            "--class",
            dest="class_name",
            default=None,
            help="The class a binary mask (or, with --instances, every instance) belongs to; "
            "default: the project's only class, or its instance class.",
        )

    def handle(self, *args, **options):
        path = Path(options["path"])
        project = Project.objects.filter(slug=options["project"]).first()
        if project is None:
            raise CommandError(f"There is no project “{options['project']}”.")
        specimen = Specimen.objects.filter(project=project, name=options["specimen"]).first()
        if specimen is None:
            raise CommandError(f"Project “{project.slug}” has no specimen “{options['specimen']}”.")
        volume = (
            Volume.objects.filter(
                specimen=specimen, time_index=options["time"], modality__in=LABEL_FREE_MODALITIES
            )
            .order_by("id")
            .first()
        )
        if volume is None:
            raise CommandError(
                f"Specimen “{specimen.name}” has no label-free volume at time point {options['time']}; "
                "import the image first."
            )
        masks = read_mask_stack(path, options["dataset"])
        if masks.ndim == 4 and masks.shape[0] > options["time"]:
            masks = masks[options["time"]]
        try:
            if options["instances"]:
                counts = ground_truth_import_instances(
                    volume=volume, labels=masks, class_name=options["class_name"]
                )
                count = len(counts.per_section)
            else:
                count = ground_truth_import(
                    volume=volume, masks=masks, class_name=options["class_name"]
                )
        except DomainError as exc:
            raise CommandError(
                f"{path.name} was not imported (nothing was written): {exc.message}"
            ) from exc
        if options["instances"]:
            self._report_instances(counts)
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported ground truth for {count} section(s) of “{specimen.name}” "
                f"({volume.modality}, time point {volume.time_index})."
            )
        )

    def _report_instances(self, counts) -> None:
        for z, found in enumerate(counts.per_section):
            self.stdout.write(f"Section z={z}: {found} instance(s).")
        self.stdout.write(
            f"{counts.total} instance(s) in the volume (a nucleus that spans sections counts once). "
            "Only their foreground was stored, as their class: instance identities are not "
            "stored yet in imported ground truth."
        )
