"""Import a folder of a dish from the server's disk: files paired into fields by a name pattern,
one specimen per field, each field all or nothing, with a report of what was paired and skipped."""

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
from annotations.models import LABEL_FREE_MODALITIES, Modality, Project
from annotations.services.imports.batch import batch_options_check
from annotations.services.imports.checks import stains_by_name
from annotations.services.imports.fields import field_files, import_field
from annotations.services.imports.options import ImportOptions
from annotations.services.imports.pairing import (
    DEFAULT_LABEL_FREE,
    DEFAULT_PATTERN,
    DEFAULT_STAIN,
    FieldFiles,
    pair_files,
)
from annotations.services.projects import project_get_or_create
from cellweb.errors import DomainError
from cellweb.words import as_clause


class Command(BaseCommand):
    help = (
        "Import every field of a folder (e.g. 16 fields of a dish, each a label-free image and its "
        "stain) into a project, one specimen per field. Files are paired by a name pattern; a "
        "refused field imports none of its files and the others are still imported. Exits "
        "non-zero when a field was refused."
    )

    def add_arguments(self, parser):
        add_source_arguments(parser, path_help="The folder (its files, not its subfolders).")
        parser.add_argument(
            "--pattern",
            default=DEFAULT_PATTERN,
            help="File name pattern with {specimen} and optionally {channel} and {time}; * matches "
            f"anything (default “{DEFAULT_PATTERN}”: dish1_f03_c1.tif + dish1_f03_c2.tif → "
            "dish1_f03). {time} numbers the frames of a time-lapse saved one file per frame: "
            "“{specimen}_t{time}.tif” makes pos1_t001.tif, pos1_t002.tif, … time points 1, 2, … "
            "of specimen pos1.",
        )
        parser.add_argument(
            "--label-free",
            default=DEFAULT_LABEL_FREE,
            help="The {channel} value of label-free images (default 1).",
        )
        parser.add_argument(
            "--stain",
            default=DEFAULT_STAIN,
            help="The {channel} value of stain images (default 2).",
        )
        parser.add_argument(
            "--modality",
            default=Modality.RI,
            choices=sorted(LABEL_FREE_MODALITIES),
            help="Modality of the label-free images (default ri).",
        )
        parser.add_argument(
            "--stain-name", default="", help="The stain's channel name, e.g. DAPI or Hoechst."
        )
        add_origin_arguments(
            parser,
            what="the dish",
            voxel_help="Voxel size in micrometres, for files that do not carry it.",
        )
        add_channel_arguments(parser)
        parser.add_argument(
            "--dry-run", action="store_true", help="Only show how the files would be paired."
        )

    def handle(self, *args, **options):
        folder = Path(options["path"])
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder.")
        try:
            shared, stain_name = batch_options_check(
                import_options(options), stain_name=options["stain_name"]
            )
            names = [p.name for p in folder.iterdir() if p.is_file()]
            pairing = pair_files(
                names,
                pattern=options["pattern"],
                label_free=options["label_free"],
                stain=options["stain"],
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"{len(pairing.fields)} field(s) paired, {len(pairing.skipped)} file(s) skipped:"
        )
        named, refusals = _stains_by_name(folder, pairing.fields, shared, options["project"])
        for line in pairing.describe(stain_channels=shared.stain_channels, named=named):
            self.stdout.write(line)
        for specimen, reason in refusals:
            self.stdout.write(f"  {specimen} will be refused: {reason}")
        if not pairing.fields:
            raise CommandError(
                f"No field could be paired by “{options['pattern']}”; nothing imported."
                + _subfolder_hint(folder)
            )
        if options["dry_run"]:
            return

        try:
            project, project_created = project_get_or_create(slug=options["project"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        if project_created:
            self.stdout.write(f"Created project “{project.slug}”.")
        refused = []
        for number, fieldfiles in enumerate(pairing.fields, start=1):
            label = f"[{number}/{len(pairing.fields)}] {fieldfiles.specimen}"
            try:
                result = import_field(
                    project=project,
                    specimen_name=fieldfiles.specimen,
                    files=field_files(
                        field=fieldfiles, folder=folder, options=shared, stain_channel=stain_name
                    ),
                    progress=self._bar(label, options["verbosity"]),
                )
            except DomainError as exc:
                self._close_bar()
                refused.append(fieldfiles.specimen)
                self.stdout.write(
                    self.style.ERROR(
                        f"{label}: refused, nothing imported: {as_clause(exc.message)}"
                    )
                )
                continue
            self._close_bar()
            interval = result.specimen.frame_interval_min
            self.stdout.write(
                self.style.SUCCESS(
                    f"{label}: {len(result.volumes)} volume(s), {len(result.time_points)} time "
                    f"point(s), {result.sections_text()}"
                    + (f", {interval:g} min apart" if interval is not None else "")
                )
            )
            for note in result.notes:
                self.stdout.write(f"  Note: {note}")
            for warning in result.warnings:
                self.stdout.write(f"  Warning: {warning}")
        imported = len(pairing.fields) - len(refused)
        if project_created and not imported:
            # A project made for this folder alone would stay behind empty.
            project.delete()
            raise CommandError(
                f"Every field was refused; project “{project.slug}” was not created."
            )
        self.stdout.write(
            f"Imported {imported} of {len(pairing.fields)} field(s) into project “{project.slug}”; "
            f"{len(pairing.skipped)} file(s) skipped."
        )
        if refused:
            raise CommandError(f"{len(refused)} field(s) refused: {', '.join(refused)}.")

    _progress_bar = None

    def _bar(self, label: str, verbosity: int):
        self._progress_bar, progress = percent_bar(verbosity, label)
        return progress

    def _close_bar(self) -> None:
        if self._progress_bar is not None:
            self._progress_bar.close()
            self._progress_bar = None


def _stains_by_name(
    folder: Path, fields: list[FieldFiles], options: ImportOptions, slug: str
) -> tuple[dict[str, tuple[str, ...]], list[tuple[str, str]]]:
    """By field without a stain file, the stain channels its label-free file names itself (from
    the file's header, as the import will pick them); and the fields whose names the import
    will refuse, with the reason."""
    project = Project.objects.filter(slug=slug).first()
    named: dict[str, tuple[str, ...]] = {}
    refusals: list[tuple[str, str]] = []
    for fieldfiles in fields:
        if fieldfiles.stain or any(frame.stain for frame in fieldfiles.frames):
            continue
        try:
            named[fieldfiles.specimen] = stains_by_name(
                path=folder / fieldfiles.label_free, options=options, project=project
            )
        except DomainError as exc:
            refusals.append((fieldfiles.specimen, exc.message))
    return named, refusals


def _subfolder_hint(folder: Path) -> str:
    """Published sets often keep a folder per field (``<id>/images/<id>.png``); the pairing reads
    only the files directly in the folder, so say why those were not seen."""
    subfolders = sorted(p.name for p in folder.iterdir() if p.is_dir())
    if not subfolders:
        return ""
    shown = ", ".join(subfolders[:3]) + (", …" if len(subfolders) > 3 else "")
    return (
        f" {folder.name} holds {len(subfolders)} sub-folder(s) ({shown}), which are not read: "
        "the pattern pairs the files directly in the folder. Put the fields' images in one "
        "folder, or import a field per folder with import_volume."
    )
