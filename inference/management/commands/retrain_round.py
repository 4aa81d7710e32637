"""Launch the next retrain round of a project from the shell: the same service as the rounds page.

    python manage.py retrain_round --project SLUG [--epochs N] [--gt-source SOURCE] [--user NAME]

The round's fine-tuning folds are queued for the workers (queue ``gpu``); when the training job
succeeds, its evaluation on the held-out specimens is queued by itself, and the round ends with it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from annotations.models import GroundTruthSource
from inference.management.kit import launched, project_named, user_named
from inference.services.rounds import MAX_ROUND_EPOCHS, retrain_round_launch


class Command(BaseCommand):
    help = (
        "Fine-tune the active model on the confirmed ground truth and score it on the held-out set."
    )

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True, help="Project slug.")
        parser.add_argument(
            "--epochs",
            type=int,
            default=None,
            help=f"Fine-tuning epochs (1-{MAX_ROUND_EPOCHS}); default: the project's round epochs.",
        )
        parser.add_argument(
            "--gt-source",
            choices=GroundTruthSource.values,
            default=None,
            help="Ground truth to train and score on; default: the series' (fixed by round 1), "
            "else the source the active model was trained on.",
        )
        parser.add_argument("--user", help="Launch as this user (a manager of the project).")

    def handle(self, *args, **o):
        project = project_named(o["project"])
        user = user_named(o["user"])
        if settings.EMBEDDED_SERVICES:
            # A round is two jobs chained by a worker's listener: it cannot run in this process.
            raise CommandError(
                "Without REDIS_URL there is no worker to hand the round's jobs to; start the "
                "services (docs/rounds.md) and run this again."
            )
        if o["epochs"] is not None and not 1 <= o["epochs"] <= MAX_ROUND_EPOCHS:
            raise CommandError(f"--epochs must be between 1 and {MAX_ROUND_EPOCHS}.")
        row = launched(
            lambda: retrain_round_launch(
                project=project, user=user, epochs=o["epochs"], gt_source=o["gt_source"]
            )
        )
        job = row.training_job
        self.stdout.write(
            self.style.SUCCESS(f"Round {row.number}")
            + f" · training job {job.pk}: {row.message} ({job.config['epochs']} epochs)"
        )
        self.stdout.write(
            f"Held out (scored every round, never trained on): "
            f"{', '.join(s['name'] for s in row.held_out)}"
        )
        self.stdout.write(
            f"Sections with {row.get_gt_source_display().lower()} ground truth now: "
            f"{row.gt_sections}. "
            f"Follow it at /projects/{project.slug}/rounds/{row.number}/"
        )
