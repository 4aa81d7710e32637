"""What the inference commands share: the project and the user they name (one clear error each),
the refusal to queue a job where no worker can take it, a launch's refusal as the command's
error, and the lines that say what was launched."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse
from django.utils.text import capfirst

from annotations.management.users import user_named
from annotations.models import Project
from cellweb.errors import DomainError
from cellweb.jobs.cancel_note import job_cancel_line
from inference.ml.nets import MODEL_NAMES
from inference.services.training.config import TrainingConfigError

T = TypeVar("T")


def add_launch_arguments(parser, *, prints: str) -> None:
    """--user, --wait and --device: who launches, and running here instead of on a worker."""
    parser.add_argument("--user", help="Launch as this user (a manager of the project).")
    parser.add_argument("--wait", action="store_true", help=f"Run here and print {prints}.")
    parser.add_argument("--device", default=None, help="With --wait: auto, cpu or cuda.")


# The network settings every training command takes, by the name of the setting.
NETWORK_OPTIONS = ("arch", "folds", "epochs", "batch_size", "lr")


def add_network_arguments(parser, defaults) -> None:
    """--project and the network settings of ``NETWORK_OPTIONS`` (defaults from ``defaults``)."""
    parser.add_argument("--project", required=True, help="Project slug.")
    parser.add_argument("--arch", default=defaults.arch, choices=MODEL_NAMES)
    parser.add_argument("--folds", type=int, default=defaults.folds)
    parser.add_argument("--epochs", type=int, default=defaults.epochs)
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size)
    parser.add_argument("--lr", type=float, default=defaults.lr)


def add_model_arguments(parser, *, version_help: str) -> None:
    """--project and --model-version (optional: ``version_help`` says what its absence means)."""
    parser.add_argument("--project", required=True, help="Project slug.")
    parser.add_argument("--model-version", type=int, default=None, help=version_help)


def model_launch_args(options: dict) -> dict:
    """What the options of ``add_model_arguments`` and --user name, as a launch service's
    ``project``, ``user`` and ``model_version_id``."""
    return {
        "project": project_named(options["project"]),
        "user": user_named(options["user"]),
        "model_version_id": options["model_version"],
    }


def project_named(slug: str) -> Project:
    project = Project.objects.filter(slug=slug).first()
    if project is None:
        raise CommandError(f"No project with slug “{slug}”.")
    return project


def require_worker_unless_waiting(wait: bool, *, run_here: str = "run it here") -> None:
    """Without REDIS_URL (embedded services) nothing takes a queued job: ask for --wait."""
    if not wait and settings.EMBEDDED_SERVICES:
        raise CommandError(
            f"Without REDIS_URL there is no worker to hand the job to; add --wait to {run_here}."
        )


def launched(launch: Callable[[], T]) -> T:
    """Run a launch service; its refusal (a domain error) becomes the command's error."""
    try:
        return launch()
    except DomainError as exc:
        raise CommandError(exc.message) from None


def training_launched(launch: Callable[[], T]) -> T:
    """``launched`` for a training launch: every setting out of range on its own line."""
    try:
        return launch()
    except TrainingConfigError as exc:
        raise CommandError("\n".join(exc.errors.values())) from None
    except DomainError as exc:
        raise CommandError(exc.message) from None


def report_launch(command: BaseCommand, job, *, title: str, page: str, wait: bool) -> bool:
    """Say what was launched, and without --wait where to follow it; True when the command goes
    on to run it here."""
    command.stdout.write(command.style.SUCCESS(f"{title} {job.pk}") + f" · {job.message}")
    if not wait:
        command.stdout.write(f"Queued on the gpu queue. Follow it at {page}")
    return wait


def launch_and_run(
    command: BaseCommand, options: dict, launch: Callable[..., T], *, run: Callable[..., T]
) -> T | None:
    """Launch with ``launch(queue=...)``, queued unless ``--wait`` (a refusal is the command's
    error), and say what was launched and where to follow it: the page named as the job's model.
    With ``--wait`` run it here, ``run(<model>_id=id, device=..., worker=...)`` on the
    ``--device`` of the options, and say how it ended. None when it was queued instead."""
    wait = options["wait"]
    job = launched(lambda: launch(queue=not wait))
    title = capfirst(job._meta.verbose_name)
    page = reverse(job._meta.model_name, args=[job.pk])
    if not report_launch(command, job, title=title, page=page, wait=wait):
        return None
    worker = f"manage.py {type(command).__module__.rsplit('.', 1)[-1]}"
    job_id = {f"{job._meta.model_name}_id": job.pk}
    job = run(**job_id, device=options["device"], worker=worker)
    command.stdout.write(f"{title} {job.pk} {job.status}.")
    write_cancel_note(command, job)
    return job


def write_cancel_note(command: BaseCommand, job) -> None:
    """Who cancelled ``job``, when and why, on its own line; nothing when nobody did."""
    note = job_cancel_line(job)
    if note:
        command.stdout.write(note)
