"""Import an image file from the server's disk, in the foreground, with a progress bar."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from annotations.management.channel_options import add_channel_arguments, channel_options
from annotations.models import Modality
from annotations.services.imports import import_file
from annotations.services.imports.listeners import ImportDone, import_listeners_notify
from annotations.services.projects import project_get_or_create
from annotations.services.volumes import atomic_with_file_cleanup
from cellweb.errors import DomainError


class Command(BaseCommand):
    help = (
        "Import a tomogram or image (TCF, HDF5, TIFF/OME-TIFF, .npy, PNG) into a project, creating the "
        "project and the specimen when they are new. Refused files change nothing and exit non-zero."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The image file.")
        parser.add_argument(
            "--project", required=True, help="Project short name (slug); created when new."
        )
        parser.add_argument("--specimen", required=True, help="Specimen name; created when new.")
        parser.add_argument("--modality", required=True, choices=Modality.values)
        parser.add_argument("--channel", default="", help="Fluorescence channel name, e.g. DAPI.")
        parser.add_argument(
            "--dataset", default=None, help="Dataset path inside a generic HDF5 file."
        )
        parser.add_argument(
            "--time",
            type=int,
            default=None,
            help="Keep only this time point of a multi-time-point file, or store a single stack at it.",
        )
        add_channel_arguments(parser)
        parser.add_argument("--lab", default="", help="The lab that imaged the specimen.")
        parser.add_argument(
            "--voxel-size",
            nargs=3,
            type=float,
            metavar=("Z", "Y", "X"),
            help="Voxel size in micrometres.",
        )

    def handle(self, *args, **options):
        path = Path(options["path"])
        show_bar = options["verbosity"] > 0
        bar = tqdm(
            total=100,
            unit="%",
            file=sys.stderr,
            disable=not show_bar,
            leave=False,
            dynamic_ncols=True,
        )

        def progress(fraction: float, message: str) -> None:
            target = round(100 * max(0.0, min(1.0, fraction)))
            if target > bar.n:
                bar.update(target - bar.n)
            bar.set_description_str(message[:60])

        try:
            with atomic_with_file_cleanup():
                project, project_created = project_get_or_create(slug=options["project"])
                result = import_file(
                    path=path,
                    project=project,
                    specimen_name=options["specimen"],
                    modality=options["modality"],
                    channel=options["channel"],
                    dataset=options["dataset"],
                    time_index=options["time"],
                    lab=options["lab"],
                    voxel_size=options["voxel_size"],
                    original_name=path.name,
                    progress=progress,
                    **channel_options(options),
                )
        except DomainError as exc:
            bar.close()
            raise CommandError(f"{path.name} was not imported: {exc.message}") from exc
        bar.close()
        # Committed: the other apps follow up as after an import job (predictions, proposals).
        import_listeners_notify(
            ImportDone(project=project, specimen_id=result.specimen.pk, result=result.summary())
        )
        if project_created:
            self.stdout.write(f"Created project “{project.slug}”.")
        self.stdout.write(
            self.style.SUCCESS(f"Imported {path.name} into project “{project.slug}”:")
        )
        for line in result.describe():
            self.stdout.write(line)
