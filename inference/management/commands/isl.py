"""Launch an in-silico-labelling job from the shell: the same service as the API and the form.

    python manage.py isl --project SLUG [--arch osnet --folds 4 --epochs 100 ...] [--wait]

Without ``--wait`` the folds are queued for the Celery workers (queue ``gpu``). With ``--wait``
this process trains them itself and prints the PCC per fold.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from annotations.models import LABEL_FREE_MODALITIES
from inference.management.kit import (
    NETWORK_OPTIONS,
    add_launch_arguments,
    add_network_arguments,
    project_named,
    report_launch,
    require_worker_unless_waiting,
    training_launched,
    user_named,
    write_cancel_note,
)
from inference.reports.labels import mean_sd_text
from inference.services.isl import IslOptions, isl_job_launch
from inference.services.training import training_job_run_foreground


class Command(BaseCommand):
    help = "Pretrain a network to predict the stain from label-free images (paper 004)."

    def add_arguments(self, parser):
        d = IslOptions()
        add_network_arguments(parser, d)
        parser.add_argument("--input-size", type=int, default=d.input_size)
        parser.add_argument("--seed", type=int, default=d.seed)
        parser.add_argument(
            "--modality", action="append", default=[], choices=sorted(LABEL_FREE_MODALITIES)
        )
        parser.add_argument(
            "--specimen", action="append", type=int, default=[], help="Only this specimen id."
        )
        parser.add_argument("--final-model", action="store_true", help="Also train on all pairs.")
        add_launch_arguments(parser, prints="the PCC")

    def handle(self, *args, **o):
        project = project_named(o["project"])
        user = user_named(o["user"])
        require_worker_unless_waiting(o["wait"], run_here="train here")
        options = IslOptions(
            **{name: o[name] for name in NETWORK_OPTIONS},
            input_size=o["input_size"],
            seed=o["seed"],
            specimen_ids=o["specimen"],
            modalities=o["modality"],
            final_model=o["final_model"],
        )
        job = training_launched(
            lambda: isl_job_launch(project=project, user=user, options=options, queue=not o["wait"])
        )
        page = f"/training-jobs/{job.pk}/"
        if not report_launch(self, job, title="In-silico labelling job", page=page, wait=o["wait"]):
            return
        job = training_job_run_foreground(job=job, device=o["device"], report=self.stdout.write)
        self.stdout.write(f"Job {job.pk} {job.status}.")
        write_cancel_note(self, job)
        if job.error:
            self.stdout.write(self.style.ERROR(job.error))
        pcc = ((job.summary or {}).get("metrics") or {}).get("pcc") or {}
        if pcc.get("mean") is not None:
            folds = " ".join(f"{v:.4f}" if v is not None else "—" for v in pcc["per_fold"])
            self.stdout.write(f"PCC {mean_sd_text(pcc, 4)} (folds: {folds})")
        for version in job.model_versions.order_by("id"):
            self.stdout.write(f"  model version {version.pk}: {version.name}")
