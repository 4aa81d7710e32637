"""What the inference commands share: the project and the user they name (one clear error each),
and the refusal to queue a job where no worker can take it."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from annotations.models import Project


def project_named(slug: str) -> Project:
    project = Project.objects.filter(slug=slug).first()
    if project is None:
        raise CommandError(f"No project with slug “{slug}”.")
    return project


def user_named(username: str | None):
    """The user named by --user, or None (the command acts as no one in particular)."""
    if not username:
        return None
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"No user “{username}”.")
    return user


def require_worker_unless_waiting(wait: bool, *, run_here: str = "run it here") -> None:
    """Without REDIS_URL (embedded services) nothing takes a queued job: ask for --wait."""
    if not wait and settings.EMBEDDED_SERVICES:
        raise CommandError(
            f"Without REDIS_URL there is no worker to hand the job to; add --wait to {run_here}."
        )
