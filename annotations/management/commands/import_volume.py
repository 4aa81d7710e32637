"""Import an image file from the server's disk, in the foreground, with a progress bar."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from annotations.management.import_options import (
    add_channel_arguments,
    add_origin_arguments,
    add_source_arguments,
    import_options,
)
from annotations.management.progress_bar import percent_bar
from annotations.models import Modality
from annotations.services.imports import import_file
from annotations.services.imports.listeners import ImportDone, import_listeners_notify
from annotations.services.projects import project_get_or_create
from annotations.services.volumes import atomic_with_file_cleanup
from cellweb.errors import DomainError
from cellweb.words import as_clause


class Command(BaseCommand):
    help = (
        "Import a tomogram or image (TCF, HDF5, TIFF/OME-TIFF, .npy, PNG) into a project, creating the "
        "project and the specimen when they are new. Refused files change nothing and exit non-zero."
    )

    def add_arguments(self, parser):
        add_source_arguments(parser, path_help="The image file.")
        parser.add_argument("--specimen", required=True, help="Specimen name; created when new.")
        parser.add_argument("--modality", required=True, choices=Modality.values)
        parser.add_argument("--channel", default="", help="Fluorescence channel name, e.g. DAPI.")
        parser.add_argument(
            "--dataset",
            default=None,
            help="Dataset path inside a generic HDF5 file. Left out, a file of one dataset per "
            "channel (BF, Hoechst) is read by the datasets' names.",
        )
        parser.add_argument(
            "--time",
            type=int,
            default=None,
            help="One frame: keep only this time point of a multi-time-point file, or store a "
            "single stack at it.",
        )
        parser.add_argument(
            "--first-time",
            type=int,
            default=None,
            metavar="T",
            help="Every frame: the file's time points go into the specimen's series from T on "
            "(a file holding t 0-9 of its own is stored at T to T+9), for a time-lapse saved in "
            "several files. Refused, before anything is stored, where the specimen already has "
            "any of those time points. Not with --time.",
        )
        add_channel_arguments(parser)
        add_origin_arguments(parser, what="the specimen", voxel_help="Voxel size in micrometres.")

    def handle(self, *args, **options):
        path = Path(options["path"])
        bar, progress = percent_bar(options["verbosity"])

        try:
            with atomic_with_file_cleanup():
                project, project_created = project_get_or_create(slug=options["project"])
                result = import_file(
                    path=path,
                    project=project,
                    specimen_name=options["specimen"],
                    options=import_options(
                        options,
                        channel=options["channel"],
                        dataset=options["dataset"] or "",
                        time_index=options["time"],
                        first_time_index=options["first_time"],
                    ),
                    original_name=path.name,
                    progress=progress,
                )
        except DomainError as exc:
            bar.close()
            raise CommandError(f"{path.name} was not imported: {as_clause(exc.message)}") from exc
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
