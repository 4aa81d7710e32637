"""Launch a cross-validated training job from the shell: the same service as the form and the API.

    python manage.py train --project SLUG --arch osnet --folds 4 --epochs 300 [--wait] ...

Without ``--wait`` the folds are queued for the Celery workers (queue ``gpu``). With ``--wait``
this process trains them itself, one after the other, and prints the cross-validation summary.
"""

from __future__ import annotations

import signal
import time

from django.core.management.base import BaseCommand, CommandError

from annotations.models import LABEL_FREE_MODALITIES, GroundTruthSource
from inference.management.kit import (
    NETWORK_OPTIONS,
    add_network_arguments,
    project_named,
    require_worker_unless_waiting,
    training_launched,
    user_named,
    write_cancel_note,
)
from inference.ml.heads import INSTANCE_OUTPUTS
from inference.reports.labels import mean_sd_text
from inference.selectors.training import METRIC_LABELS, OBJECT_LABELS
from inference.services import training as services
from inference.services.training import NATIVE_CROPS, TrainingConfig


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "unknown"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


class Command(BaseCommand):
    help = (
        "Launch k-fold cross-validated training of a segmentation network (optionally run it here)."
    )

    def add_arguments(self, parser):
        d = TrainingConfig()
        add_network_arguments(parser, d)
        parser.add_argument("--beta1", type=float, default=d.betas[0])
        parser.add_argument("--beta2", type=float, default=d.betas[1])
        parser.add_argument("--loss", default=d.loss, choices=list(services.LOSSES))
        parser.add_argument(
            "--input-size",
            type=int,
            default=d.input_size,
            help="Multiple of 16 (448 as in the paper).",
        )
        parser.add_argument("--seed", type=int, default=d.seed)
        parser.add_argument("--no-elastic", action="store_true", help="No elastic deformation.")
        parser.add_argument("--no-flips", action="store_true", help="No flips.")
        parser.add_argument("--no-enlarge", action="store_true", help="No enlarge-then-crop.")
        parser.add_argument("--aug-fraction", type=float, default=d.aug_fraction)
        parser.add_argument(
            "--native-crops",
            choices=list(NATIVE_CROPS),
            default="auto",
            help="Train on native-resolution crops of the input size (auto: on for label-free "
            "2D fields larger than the input, off with RI tomograms).",
        )
        parser.add_argument(
            "--crop-foreground",
            type=float,
            default=d.crop_foreground,
            help="With native crops: the share of crops centred on a nucleus pixel (0-1).",
        )
        parser.add_argument("--gt-source", default=d.gt_source, choices=GroundTruthSource.values)
        parser.add_argument(
            "--lab", action="append", default=[], help="Only specimens of this lab (repeatable)."
        )
        parser.add_argument(
            "--tag", action="append", default=[], help="Only specimens with this tag (repeatable)."
        )
        parser.add_argument(
            "--modality",
            action="append",
            default=[],
            choices=sorted(str(m) for m in LABEL_FREE_MODALITIES),
        )
        parser.add_argument(
            "--specimen", action="append", type=int, default=[], help="Only this specimen id."
        )
        parser.add_argument(
            "--final-model", action="store_true", help="Also train a final model on all data."
        )
        parser.add_argument(
            "--from-version",
            type=int,
            default=None,
            metavar="ID",
            help="Fine-tune: start every fold from this model version's weights (same network).",
        )
        parser.add_argument(
            "--classes",
            default="",
            metavar="NAME",
            help="One class name: the class a binary network learns (default: the project's "
            "nucleus class). 'all', or several names separated by commas: those classes with a "
            "softmax output (cross-entropy + Dice per class).",
        )
        parser.add_argument(
            "--instances",
            default="",
            choices=["", *INSTANCE_OUTPUTS],
            help="Add an output that separates touching nuclei: the distance map (MSE + "
            "alpha x class loss, paper 004) or the nuclei's boundaries.",
        )
        parser.add_argument(
            "--class-weights",
            default="",
            metavar="W0,W1,...",
            help="One weight per class of --classes, background first.",
        )
        parser.add_argument("--instance-alpha", type=float, default=d.instance_alpha)
        parser.add_argument(
            "--foreground-normalise",
            action="store_true",
            help="Normalise each image on its nuclei's statistics (paper 003).",
        )
        parser.add_argument(
            "--user", help="Launch as this user (must be a manager of the project)."
        )
        parser.add_argument(
            "--wait",
            action="store_true",
            help="Train here, fold after fold, and print the summary.",
        )
        parser.add_argument(
            "--device", default=None, help="With --wait: auto (default), cpu or cuda."
        )

    def handle(self, *args, **o):
        project = project_named(o["project"])
        user = user_named(o["user"])
        require_worker_unless_waiting(o["wait"], run_here="train here")
        config = TrainingConfig(
            **{name: o[name] for name in NETWORK_OPTIONS},
            betas=(o["beta1"], o["beta2"]),
            loss=o["loss"],
            elastic=not o["no_elastic"],
            flips=not o["no_flips"],
            enlarge_crop=not o["no_enlarge"],
            aug_fraction=o["aug_fraction"],
            input_size=o["input_size"],
            seed=o["seed"],
            gt_source=o["gt_source"],
            labs=o["lab"],
            modalities=o["modality"],
            tags=o["tag"],
            specimen_ids=o["specimen"],
            final_model=o["final_model"],
            from_version=o["from_version"],
            native_crops=NATIVE_CROPS[o["native_crops"]],
            crop_foreground=o["crop_foreground"],
            **_class_options(o),
        )
        job = training_launched(
            lambda: services.training_job_launch(
                project=project, user=user, config=config, queue=not o["wait"]
            )
        )

        self.stdout.write(self.style.SUCCESS(f"Training job {job.pk}") + f" · {job.message}")
        self.stdout.write(_learns(job.config))
        if config.from_version:
            self.stdout.write(
                f"Every fold starts from its weights: fine-tuning from model version {config.from_version}."
            )
        self.stdout.write(
            f"Estimated compute: {_duration(job.estimate_s)} on {job.device_kind or 'cpu'}"
        )
        for fold in job.folds.order_by("index"):
            held_out = ", ".join(s["name"] for s in fold.val_specimens) or "none (all data)"
            self.stdout.write(
                f"  {fold.label:<12} train {fold.train_sections:>4} sections · validate {fold.val_sections:>4} "
                f"sections · held out: {held_out}"
            )
        if not o["wait"]:
            self.stdout.write(
                f"Queued one task per fold on the gpu queue. Follow it at /training-jobs/{job.pk}/"
            )
            return

        started = time.monotonic()
        previous = signal.getsignal(signal.SIGTERM)
        signal.signal(signal.SIGTERM, signal.default_int_handler)  # a plain kill ends like Ctrl+C
        try:
            job = services.training_job_run_foreground(
                job=job, device=o["device"], report=self.stdout.write
            )
        except KeyboardInterrupt:
            services.training_job_cancel(
                job=job, user=None, reason="interrupted at the command line", stop_running_now=True
            )
            raise CommandError(f"Interrupted; training job {job.pk} is cancelled.") from None
        finally:
            signal.signal(signal.SIGTERM, previous)
        elapsed = time.monotonic() - started
        self.stdout.write(f"Job {job.pk} {job.status} in {_duration(elapsed)}.")
        write_cancel_note(self, job)
        if job.error:
            self.stdout.write(self.style.ERROR(job.error))
        self._summary(job)

    def _summary(self, job) -> None:
        summary = job.summary or {}
        metrics = summary.get("metrics")
        if not metrics:
            return
        folds = summary.get("folds", [])
        header = f"{'metric':<10} {'mean ± SD':>18} " + " ".join(
            f"{'fold ' + str(i + 1):>8}" for i in folds
        )
        self.stdout.write(header)
        self._rows(metrics, METRIC_LABELS, 10)
        objects = summary.get("objects")
        if objects:  # jobs trained before nuclei were scored have none
            self.stdout.write(f"Nuclei: {objects['aggregation']}.")
            self._rows(objects["metrics"], OBJECT_LABELS, 28)
            for block in objects.get("per_class") or []:  # several instance classes
                self.stdout.write(f"Nuclei of class {block['name']}:")
                self._rows(block["metrics"], OBJECT_LABELS, 28)

    def _rows(self, metrics: dict, labels: dict[str, str], width: int) -> None:
        for key, label in labels.items():
            row = metrics.get(key) or {}
            cell = mean_sd_text(row, 4)
            per = " ".join(
                f"{v:>8.4f}" if v is not None else f"{'—':>8}" for v in row.get("per_fold", [])
            )
            self.stdout.write(f"{label:<{width}} {cell:>18} {per}")


def _class_options(o: dict) -> dict:
    """--classes NAME keeps the binary target class; 'all' or several names train classes."""
    names = [n.strip() for n in o["classes"].split(",") if n.strip()]
    try:
        weights = [float(w) for w in o["class_weights"].split(",") if w.strip()]
    except ValueError:
        raise CommandError("--class-weights takes numbers separated by commas.") from None
    several = o["classes"].strip().casefold() == "all" or len(names) > 1
    return {
        "target_class": "" if several else o["classes"],
        "classes": ("all" if len(names) == 1 else names) if several else "",
        "instance_head": o["instances"],
        "class_weights": weights,
        "instance_alpha": o["instance_alpha"],
        "foreground_normalise": o["foreground_normalise"],
    }


def _learns(config: dict) -> str:
    instance = config.get("instance_head")
    extra = f", with a {instance} output separating touching nuclei" if instance else ""
    if config.get("classes"):
        return f"Learns {len(config['class_values'])} classes with a softmax output{extra}."
    return (
        f"Learns class {config['target_class']} (value {config['target_value']}) "
        f"against everything else{extra}."
    )
