"""Import a mask stack as ground truth (source "imported") of a specimen's volume.

A binary stack (0/1, 0/255) is one class (``--class NAME``, else the project's only class or its
instance class); in a project of several classes, a class map whose values are the classes'
values. ``--instances`` reads an instance label image (each positive value one object, as Fiji,
napari or QuPath write them) and stores it as instance maps of its class; with
``--instances``, a folder or .zip of one mask file per nucleus (as the 2018 Data Science Bowl
sets hold them) is merged into one such image first. ``--labelled-only`` stores only the
sections whose mask holds something (experts who labelled some z sections), ``--sections 3,8,13``
the ones listed, and leaves the others as they were. ``--user NAME`` records the project's
manager who imports (the review card names the importer, as it does for an upload).
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from annotations.management.users import user_named
from annotations.models import Project, Role, Specimen
from annotations.permissions import user_roles
from annotations.services.groundtruth_masks import read_truth_masks, store_truth_masks
from annotations.services.groundtruth_sections import stored_sections_note
from annotations.services.mask_files import label_free_volume
from annotations.services.object_mask_files import merged_summary
from cellweb.errors import DomainError
from cellweb.words import as_clause


class Command(BaseCommand):
    help = (
        "Import a binary mask stack (z, y, x), or with --instances an instance label image, as "
        "imported ground truth of a specimen's label-free volume; with --instances also a "
        "folder or .zip of one mask file per nucleus."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--project", required=True)
        parser.add_argument("--specimen", required=True)
        parser.add_argument(
            "--user", default=None, help="Record this manager of the project as the importer."
        )
        parser.add_argument(
            "--time", type=int, default=0, help="Time point of the label-free volume (default 0)."
        )
        parser.add_argument("--dataset", default=None, help="Dataset path inside an HDF5 file.")
        parser.add_argument(
            "--instances",
            action="store_true",
            help="The file is an instance label image: 0 background, each positive value one "
            "object of the class; or PATH is a folder or .zip of one binary mask file per "
            "nucleus (.png, .tif, .npy), merged in file-name order. Stored as instance maps "
            "(one id per object); the instances are counted.",
        )
        parser.add_argument(
            "--class",
            dest="class_name",
            default=None,
            help="The class a binary mask (or, with --instances, every instance) belongs to; "
            "default: the project's only class, or its instance class.",
        )
        which = parser.add_mutually_exclusive_group()
        which.add_argument(
            "--labelled-only",
            action="store_true",
            help="Store only the sections whose mask holds something; the empty ones are left "
            "without new ground truth (open for annotators, not scored). A stack with no "
            "labelled section is refused.",
        )
        which.add_argument(
            "--sections",
            default="",
            metavar="Z-LIST",
            help="Store only these sections, empty or not (e.g. 3,8,13 or z3,z8); the others are "
            "left without new ground truth.",
        )

    def handle(self, *args, **options):
        path = Path(options["path"])
        project = Project.objects.filter(slug=options["project"]).first()
        if project is None:
            raise CommandError(f"There is no project “{options['project']}”.")
        specimen = Specimen.objects.filter(project=project, name=options["specimen"]).first()
        if specimen is None:
            raise CommandError(f"Project “{project.slug}” has no specimen “{options['specimen']}”.")
        importer = user_named(options["user"])
        if importer is not None and Role.MANAGER not in user_roles(importer, project):
            raise CommandError(
                f"“{importer.get_username()}” is not a manager of project “{project.slug}”: "
                "ground truth is imported by a manager."
            )
        try:
            volume = label_free_volume(specimen, options["time"])
            masks, merged = read_truth_masks(
                path,
                name=path.name,
                instances=options["instances"],
                dataset=options["dataset"],
                time_index=options["time"],
                ask_instances="add --instances",
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        try:
            stored = store_truth_masks(
                volume=volume,
                masks=masks,
                instances=options["instances"],
                class_name=options["class_name"],
                labelled_only=options["labelled_only"],
                sections=options["sections"],
                file_name=path.name,
                user=importer,
            )
        except DomainError as exc:
            raise CommandError(
                f"{path.name} was not imported (nothing was written): {as_clause(exc.message)}"
            ) from exc
        only, count = stored.stored, stored.sections
        if merged is not None:
            self.stdout.write(merged_summary(merged))
        if stored.counts is not None:
            self._report_instances(stored.counts, only)
        if only is not None:
            left_are = "empty" if options["labelled_only"] else "other"
            note = stored_sections_note(only, volume.size_z, left_are=left_are)
            self.stdout.write(f"Sections: {note}.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported ground truth for {count} section(s) of “{specimen.name}” "
                f"({volume.modality}, time point {volume.time_index})."
            )
        )

    def _report_instances(self, counts, only) -> None:
        for z, found in enumerate(counts.per_section):
            if only is None or z in only:
                self.stdout.write(f"Section z={z}: {found} instance(s).")
        where = "the volume" if only is None else "the stored sections"
        self.stdout.write(
            f"{counts.total} instance(s) in {where} (a nucleus that spans sections counts once). "
            "Each was stored with its own id (16-bit instance maps), so evaluation and export "
            "use these instances."
        )
