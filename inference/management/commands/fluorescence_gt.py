"""Derive fluorescence ground truth from the paired nuclear stain: the same service as the page.

python manage.py fluorescence_gt --project SLUG [--specimen ID ...] [--method otsu|fixed]
    [--value V] [--scope section|volume] [--sigma 1.0] [--min-size 64] [--no-fill-holes]
    [--keep-border] [--small-objects volume|section] [--no-local-fill] [--channel DAPI]
    [--user NAME]

It ends with the number of sections whose stain and mask disagree (docs/fluorescence.md).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from annotations.models import GroundTruth, GroundTruthSource
from cellweb.errors import DomainError
from inference.management.kit import project_named, user_named
from inference.selectors.fluorescence_gt import fluorescence_flag_counts
from inference.services.fluorescence_gt import (
    fluorescence_gt_create,
    fluorescence_gt_params,
    fluorescence_pairs,
)


class Command(BaseCommand):
    help = "Threshold the stain paired with each label-free volume into fluorescence ground truth."

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True)
        parser.add_argument("--specimen", action="append", type=int, default=[])
        parser.add_argument("--method", choices=["otsu", "fixed"], default="otsu")
        parser.add_argument("--value", type=float, default=None, help="Fixed threshold.")
        parser.add_argument("--scope", choices=["section", "volume"], default="volume")
        parser.add_argument("--sigma", type=float, default=1.0, help="Gaussian smoothing, px.")
        parser.add_argument("--min-size", type=int, default=64)
        parser.add_argument("--no-fill-holes", action="store_true")
        parser.add_argument("--keep-border", action="store_true")
        parser.add_argument(
            "--small-objects",
            choices=["volume", "section"],
            default="volume",
            help="Count objects under --min-size in 3D (default) or per section.",
        )
        parser.add_argument(
            "--no-local-fill",
            action="store_true",
            help="No half-maximum mask where the stain shows signal but Otsu leaves none.",
        )
        parser.add_argument("--channel", default=None)
        parser.add_argument("--user", default=None, help="Record this reviewer or manager.")
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help="Do nothing when the project already has fluorescence ground truth.",
        )

    def handle(self, *args, **o):
        project = project_named(o["project"])
        if (
            o["if_missing"]
            and GroundTruth.objects.filter(
                section__project=project, source=GroundTruthSource.FLUORESCENCE
            ).exists()
        ):
            self.stdout.write("Fluorescence ground truth already present; nothing changed.")
            return
        user = user_named(o["user"])
        specimens = o["specimen"] or None
        try:
            params = fluorescence_gt_params(
                {
                    "method": o["method"],
                    "value": o["value"],
                    "scope": o["scope"],
                    "smoothing_sigma": o["sigma"],
                    "min_size": o["min_size"],
                    "fill_holes": not o["no_fill_holes"],
                    "remove_border": not o["keep_border"],
                    "small_objects": o["small_objects"],
                    "local_fill": not o["no_local_fill"],
                }
            )
            pairs = fluorescence_pairs(project=project, specimens=specimens, channel=o["channel"])
            created = fluorescence_gt_create(
                project=project, user=user, params=params, specimens=specimens, channel=o["channel"]
            )
        except DomainError as exc:
            raise CommandError(exc.message) from None
        flagged = fluorescence_flag_counts([p.label_free.pk for p in pairs])
        counts = ", ".join(f"{c['n']} {c['label']}" for c in flagged if c["n"])
        self.stdout.write(
            self.style.SUCCESS(f"{created} fluorescence ground-truth sections")
            + f" from {len(pairs)} volumes ({params.method}, per {params.scope}); flagged: "
            + (counts or "none")
            + "."
        )
