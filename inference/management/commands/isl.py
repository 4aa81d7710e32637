"""Launch an in-silico-labelling job from the shell: the same service as the API and the form.

    python manage.py isl --project SLUG [--arch osnet --folds 4 --epochs 100 ...] [--wait]

Without ``--wait`` the folds are queued for the Celery workers (queue ``gpu``). With ``--wait``
this process trains them itself and prints the PCC per fold.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from annotations.models import LABEL_FREE_MODALITIES, Project
from cellweb.errors import DomainError
from inference.ml.nets import MODEL_NAMES
from inference.services.isl import IslOptions, isl_job_launch
from inference.services.training import TrainingConfigError, training_job_run_foreground


class Command(BaseCommand):
    help = "Pretrain a network to predict the stain from label-free images (paper 004)."

    def add_arguments(self, parser):
        d = IslOptions()
        parser.add_argument("--project", required=True, help="Project slug.")
        parser.add_argument("--arch", default=d.arch, choices=MODEL_NAMES)
        parser.add_argument("--folds", type=int, default=d.folds)
        parser.add_argument("--epochs", type=int, default=d.epochs)
        parser.add_argument("--batch-size", type=int, default=d.batch_size)
        parser.add_argument("--lr", type=float, default=d.lr)
        parser.add_argument("--input-size", type=int, default=d.input_size)
        parser.add_argument("--seed", type=int, default=d.seed)
        parser.add_argument(
            "--modality", action="append", default=[], choices=sorted(LABEL_FREE_MODALITIES)
        )
        parser.add_argument(
            "--specimen", action="append", type=int, default=[], help="Only this specimen id."
        )
        parser.add_argument("--final-model", action="store_true", help="Also train on all pairs.")
        parser.add_argument("--user", help="Launch as this user (a manager of the project).")
        parser.add_argument("--wait", action="store_true", help="Train here and print the PCC.")
        parser.add_argument("--device", default=None, help="With --wait: auto, cpu or cuda.")

    def handle(self, *args, **o):
        project = Project.objects.filter(slug=o["project"]).first()
        if project is None:
            raise CommandError(f"No project with slug “{o['project']}”.")
        user = None
        if o["user"]:
            user = get_user_model().objects.filter(username=o["user"]).first()
            if user is None:
                raise CommandError(f"No user “{o['user']}”.")
        if not o["wait"] and settings.EMBEDDED_SERVICES:
            raise CommandError("Without REDIS_URL no worker takes the folds; add --wait.")
        options = IslOptions(
            arch=o["arch"],
            folds=o["folds"],
            epochs=o["epochs"],
            batch_size=o["batch_size"],
            lr=o["lr"],
            input_size=o["input_size"],
            seed=o["seed"],
            specimen_ids=o["specimen"],
            modalities=o["modality"],
            final_model=o["final_model"],
        )
        try:
            job = isl_job_launch(project=project, user=user, options=options, queue=not o["wait"])
        except TrainingConfigError as exc:
            raise CommandError("\n".join(exc.errors.values())) from None
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            self.style.SUCCESS(f"In-silico labelling job {job.pk}") + f" · {job.message}"
        )
        if not o["wait"]:
            self.stdout.write(f"Queued on the gpu queue. Follow it at /training-jobs/{job.pk}/")
            return
        job = training_job_run_foreground(job=job, device=o["device"], report=self.stdout.write)
        self.stdout.write(f"Job {job.pk} {job.status}.")
        if job.error:
            self.stdout.write(self.style.ERROR(job.error))
        pcc = ((job.summary or {}).get("metrics") or {}).get("pcc") or {}
        if pcc.get("mean") is not None:
            folds = " ".join(f"{v:.4f}" if v is not None else "—" for v in pcc["per_fold"])
            self.stdout.write(f"PCC {pcc['mean']:.4f} ± {pcc['std']:.4f} (folds: {folds})")
        for version in job.model_versions.order_by("id"):
            self.stdout.write(f"  model version {version.pk}: {version.name}")
