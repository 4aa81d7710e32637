"""Read, estimate or set the shift of a stain against its label-free image: the same services as
the fluorescence ground-truth page.

python manage.py stain_shift --project SLUG --volume STAIN_ID            # print the stored shift
python manage.py stain_shift --project SLUG --volume STAIN_ID --estimate [--z Z]
python manage.py stain_shift --project SLUG --volume STAIN_ID --dy -2 --dx -3 [--series]
    [--user NAME]

An estimate is printed, never applied. Setting a shift derives the stain's fluorescence ground
truth again (docs/fluorescence.md, "Stain shift").
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from annotations.models import Volume
from cellweb.errors import DomainError
from inference.management.kit import project_named, user_named
from inference.services.fluorescence_gt import (
    stain_shift_estimate,
    stain_shift_public,
    stain_shift_set,
    stain_volume_check,
)


class Command(BaseCommand):
    help = "Print, estimate or set the shift of a stain volume against its label-free image."

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True)
        parser.add_argument("--volume", type=int, required=True, help="The stain volume's id.")
        parser.add_argument("--dy", type=int, default=None, help="Rows, down is positive.")
        parser.add_argument("--dx", type=int, default=None, help="Columns, right is positive.")
        parser.add_argument(
            "--series", action="store_true", help="Every time point of this channel too."
        )
        parser.add_argument("--estimate", action="store_true", help="Print a suggestion only.")
        parser.add_argument("--z", type=int, default=None, help="Section for --estimate.")
        parser.add_argument("--user", default=None, help="Record this reviewer.")

    def handle(self, *args, **o):
        project = project_named(o["project"])
        stain = Volume.objects.filter(pk=o["volume"], specimen__project=project).first()
        if stain is None:
            raise CommandError(f"No volume {o['volume']} in project “{project.slug}”.")
        if (o["dy"] is None) != (o["dx"] is None):
            raise CommandError("Give both --dy and --dx.")
        try:
            stain_volume_check(stain)
            if o["estimate"]:
                estimate, z = stain_shift_estimate(stain=stain, z=o["z"])
                verdict = "reliable" if estimate.reliable else "; ".join(estimate.warnings)
                self.stdout.write(
                    f"Suggested ({estimate.dy}, {estimate.dx}) px from z{z}: peak ratio "
                    f"{estimate.peak_ratio:.2f}; {verdict}. Not applied."
                )
                return
            if o["dy"] is not None:
                result = stain_shift_set(
                    stain=stain,
                    user=user_named(o["user"]),
                    dy=o["dy"],
                    dx=o["dx"],
                    base_version=None,
                    series=o["series"],
                )
                self.stdout.write(
                    self.style.SUCCESS(f"Shift ({o['dy']}, {o['dx']}) px")
                    + f" on {result.volumes} stain volume(s); {result.rederived} fluorescence "
                    "ground-truth sections derived again."
                )
                return
        except DomainError as exc:
            raise CommandError(exc.message) from None
        shift = stain_shift_public(stain)
        self.stdout.write(
            f"Shift ({shift['dy']}, {shift['dx']}) px, version {shift['version']}"
            + (f", set by {shift['set_by']}" if shift["set_by"] else "")
            + "."
        )
