"""Segment label-free specimens with a model version: the same service as the web and the API.

    python manage.py predict --project SLUG [--model-version ID] [--specimen NAME ...]
        [--tag TAG] [--time T ...] [--threshold 0.5] [--tta] [--split-touching] [--h 1.0]
        [--min-voxels 27] [--wait [--device cpu|cuda] [--out DIR] [--include-edge-nuclei]]

The model defaults to the project's active one, the specimens to all of them, the time points
to every one. Without ``--wait`` the job is queued for a Celery worker (queue ``gpu``). With
``--wait`` this process runs it and prints a table (specimen, time point, nuclei, those touching
the field's edge, total nucleus volume or area over all of them, mean nucleus volume or area over
those away from the edge, or over all with ``--include-edge-nuclei``; "no signal" for a blank
frame); ``--out DIR`` also writes ``<specimen>_t<T>_labels.tif`` per volume and ``nuclei.csv``.
"""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from inference.management import kit
from inference.selectors.prediction import prediction_results
from inference.selectors.prediction_summary import summary_row
from inference.services.prediction import prediction_launch, prediction_run, write_to_dir
from inference.services.prediction.launch import ORIGIN_COMMAND


class Command(BaseCommand):
    help = "Predict nucleus instances and their quantities on label-free specimens."

    def add_arguments(self, parser):
        kit.add_model_arguments(parser, version_help="Model version id (default: active).")
        parser.add_argument(
            "--specimen", action="append", default=[], help="Specimen name (repeatable)."
        )
        parser.add_argument("--tag", default=None, help="Only specimens with this tag.")
        parser.add_argument(
            "--time", action="append", type=int, default=[], help="Time point (repeatable)."
        )
        parser.add_argument("--threshold", type=float, default=0.5)
        parser.add_argument("--tta", action="store_true", help="Flip test-time augmentation.")
        parser.add_argument(
            "--split-touching",
            action="store_true",
            help="Separate touching nuclei by an h-maxima seeded watershed.",
        )
        parser.add_argument(
            "--h", dest="watershed_h", type=float, default=1.0, help="Watershed depth h (µm)."
        )
        parser.add_argument("--min-voxels", type=int, default=27, help="Smallest nucleus kept.")
        parser.add_argument(
            "--track-gap",
            type=int,
            default=2,
            help="Time points a nucleus may be missed and keep its track id (0: none).",
        )
        kit.add_launch_arguments(parser, prints="the table")
        parser.add_argument("--out", default=None, help="With --wait: write TIFFs and CSV here.")
        parser.add_argument(
            "--include-edge-nuclei",
            action="store_true",
            help="With --wait: the table's means count the nuclei touching the field's edge too.",
        )

    def handle(self, *args, **o):
        where = kit.model_launch_args(o)
        if o["out"] and not o["wait"]:
            raise CommandError("--out needs --wait (the files are written when the job ends).")
        if o["out"]:
            _out_folder(Path(o["out"]))
        kit.require_worker_unless_waiting(o["wait"])
        launch = partial(
            prediction_launch,
            **where,
            specimen_names=o["specimen"],
            tag=o["tag"],
            time_points=o["time"],
            threshold=o["threshold"],
            tta=o["tta"],
            split_touching=o["split_touching"],
            watershed_h=o["watershed_h"],
            min_voxels=o["min_voxels"],
            track_gap=o["track_gap"],
            origin=ORIGIN_COMMAND,
        )
        prediction = kit.launch_and_run(self, o, launch, run=prediction_run)
        if prediction is None:
            return
        if prediction.status != "succeeded":
            raise CommandError(prediction.error or f"The prediction ended {prediction.status}.")
        results = prediction_results(prediction).select_related("volume")
        self._table(
            [
                summary_row(r, r.specimen.name, include_edge=o["include_edge_nuclei"])
                for r in results
            ]
        )
        if o["out"]:
            written = write_to_dir(prediction_results(prediction), Path(o["out"]))
            self.stdout.write(f"Wrote {len(written)} files to {o['out']}")

    def _table(self, rows) -> None:
        # A stack's nuclei sum to a volume, a single section's (bright-field, phase) to an area;
        # the means leave out the nuclei the field's edge cuts unless asked to include them.
        edge = "edge nuclei in" if rows and rows[0]["edge_nuclei_included"] else "edge nuclei out"
        self.stdout.write(
            f"{'specimen':<24} {'time':>5} {'nuclei':>9} {'at edge':>7} "
            f"{'total volume (µm³)':>19} {'total area (µm²)':>17} "
            f"{'mean volume (µm³)':>18} {'mean area (µm²)':>16}   (totals: all nuclei; "
            f"means: {edge})"
        )
        for row in rows:
            figures = (
                _total(row.get(key))
                for key in (
                    "total_volume_um3",
                    "total_area_um2",
                    "mean_volume_um3",
                    "mean_area_um2",
                )
            )
            volume, area, mean_volume, mean_area = figures
            nuclei = "no signal" if row["no_signal"] else row["n_nuclei"]
            at_edge = "—" if row["no_signal"] else row["n_edge_nuclei"]
            at_edge = "unknown" if at_edge is None else at_edge  # stored before the flag
            self.stdout.write(
                f"{row['specimen'][:24]:<24} {row['time_index']:>5} {nuclei:>9} {at_edge:>7} "
                f"{volume:>19} {area:>17} {mean_volume:>18} {mean_area:>16}"
            )


def _out_folder(path: Path) -> None:
    """--out made (or found) a writable folder before anything runs, so the files of a run
    that took hours are not lost to a traceback at its end."""
    if path.exists() and not path.is_dir():
        raise CommandError(f"--out {path} is a file, not a folder; give a folder for the TIFFs.")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CommandError(f"--out {path} cannot be made: {exc.strerror}.") from exc
    if not os.access(path, os.W_OK):
        raise CommandError(f"--out {path} is not writable.")


def _total(value) -> str:
    return f"{value:.1f}" if value is not None else "—"
