"""Measure how held-out Dice grows with the number of annotated sections: the same service as
the launch form.

    python manage.py learning_curve --project SLUG [--n 1,2,5,10,20,50,all] [--seeds 3]
        [--from-version ID] [--samples 2000] [--arch osnet] [--input-size 448]
        [--gt-source consensus|imported|fluorescence] [--no-split-touching]
        [--user NAME] [--wait [--device cpu|cuda]]

Without ``--wait`` the job is queued for a Celery worker (queue ``gpu``). With ``--wait`` this
process runs it and prints the median Dice per n for each start and the 90%-of-plateau n.
"""

from __future__ import annotations

import argparse

from django.core.management.base import BaseCommand, CommandError

from annotations.models import GroundTruthSource
from cellweb.jobs import job_execute
from inference.management import kit
from inference.models import LearningCurve
from inference.selectors.learning_curve import learning_curve_page
from inference.services.learning_curve import (
    LearningCurveConfig,
    learning_curve_launch,
    parse_sizes,
)


class Command(BaseCommand):
    help = "Train on 1, 2, 5, … annotated sections and score each on held-out specimens."

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True, help="Project slug.")
        parser.add_argument("--n", default="1,2,5,10,20,50,all", help="Sizes, comma-separated.")
        parser.add_argument("--seeds", type=int, default=3, help="Draws per size.")
        parser.add_argument(
            "--from-version", type=int, default=None, help="Also train from this model version."
        )
        parser.add_argument("--samples", type=int, default=2000, help="Training samples a point.")
        parser.add_argument("--arch", default="osnet", help="Network when no version is given.")
        parser.add_argument("--input-size", type=int, default=448)
        parser.add_argument("--batch-size", type=int, default=8)
        parser.add_argument(
            "--gt-source",
            default=GroundTruthSource.CONSENSUS,
            choices=GroundTruthSource.values,
            help="Which ground truth is trained on and scored (imported: the demo's).",
        )
        parser.add_argument(
            "--split-touching",
            action=argparse.BooleanOptionalAction,
            default=True,
            help="Separate touching predicted nuclei by the watershed an evaluation uses before "
            "the held-out mAP is scored (default; --no-split-touching counts them as one).",
        )
        kit.add_launch_arguments(parser, prints="the curve")

    def handle(self, *args, **o):
        project = kit.project_named(o["project"])
        user = kit.user_named(o["user"])
        kit.require_worker_unless_waiting(o["wait"])

        def launch() -> LearningCurve:
            config = LearningCurveConfig(
                sizes=parse_sizes(o["n"]),
                seeds=o["seeds"],
                start_version=o["from_version"],
                samples=o["samples"],
                arch=o["arch"],
                input_size=o["input_size"],
                batch_size=o["batch_size"],
                gt_source=o["gt_source"],
                split_touching=o["split_touching"],
            )
            return learning_curve_launch(
                project=project, user=user, config=config, queue=not o["wait"]
            )

        curve = kit.launched(launch)
        run_here = kit.report_launch(
            self,
            curve,
            title="Learning curve",
            page=f"/learning-curves/{curve.pk}/",
            wait=o["wait"],
        )
        held = ", ".join(h["name"] for h in curve.held_out)
        self.stdout.write(f"Held out: {held} · {curve.total_points} points")
        if not run_here:
            return
        job_execute(
            "learning_curve",
            curve.pk,
            worker="manage.py learning_curve",
            options={"device": o["device"]},
        )
        curve = LearningCurve.objects.get(pk=curve.pk)
        self.stdout.write(f"Learning curve {curve.pk} {curve.status}.")
        kit.write_cancel_note(self, curve)
        if curve.status != "succeeded":
            raise CommandError(curve.error or f"The learning curve ended {curve.status}.")
        page = learning_curve_page(curve)
        keys = ("scratch_dice", "scratch_map", "pretrained_dice", "pretrained_map")
        names = ("scratch Dice", "scratch mAP", "pretrained Dice", "pretrained mAP")
        self.stdout.write(f"{'n':>6} " + " ".join(f"{name:>15}" for name in names))
        for row in page["rows"]:
            cells = [f"{row[k]['median']:.3f}" if k in row else "—" for k in keys]
            self.stdout.write(f"{row['n']:>6} " + " ".join(f"{cell:>15}" for cell in cells))
        self.stdout.write(
            "Median over seeds; held-out Dice pooled over pixels, mAP (IoU 0.50:0.05:0.95) "
            f"{page['map_grid']}."
        )
        self.stdout.write(f"Touching predicted nuclei: {page['prediction_split']}.")
        self.stdout.write(page["plateau_sentence"])
