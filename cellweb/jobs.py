"""Long work as database rows (NetBox's JobRunner pattern).

A job row carries its status, timestamps, heartbeat and log, so a reload, a crash or a second
browser always sees the truth. ``JobRunner`` wraps the work so that it always ends in a final
state, and writes only the fields it owns (``update_fields``) so a cancel made on the web in the
meantime is never overwritten.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

logger = logging.getLogger(__name__)


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


FINAL_STATUSES = {JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED}


class JobFields(models.Model):
    """Fields every long-running job shares."""

    status = models.CharField(
        max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    progress = models.FloatField(default=0.0)
    message = models.CharField(max_length=500, blank=True, default="")
    error = models.TextField(blank=True, default="")
    log = models.JSONField(default=list, blank=True)
    result = models.JSONField(default=dict, blank=True)
    cancel_requested = models.BooleanField(default=False)

    class Meta:
        abstract = True

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    def is_stale(self, now=None) -> bool:
        """A running job whose worker stopped sending heartbeats."""
        if self.status != JobStatus.RUNNING or self.heartbeat_at is None:
            return False
        now = now or timezone.now()
        return now - self.heartbeat_at > timedelta(seconds=settings.HEARTBEAT_TIMEOUT_S)


class JobCancelled(Exception):
    """Raised inside a job's work when a cancel was requested."""


class JobRunner:
    """start() -> run(work) -> terminate(status): a job can never stay running after a crash."""

    def __init__(self, job: JobFields, *, on_change: Callable[[JobFields], None] | None = None):
        self.job = job
        self.on_change = on_change

    def _save(self, *fields: str) -> None:
        self.job.save(update_fields=list(fields))
        if self.on_change:
            self.on_change(self.job)

    def start(self) -> None:
        now = timezone.now()
        self.job.status = JobStatus.RUNNING
        self.job.started_at = self.job.started_at or now
        self.job.heartbeat_at = now
        self._save("status", "started_at", "heartbeat_at")

    def heartbeat(self, *, progress: float | None = None, message: str | None = None) -> None:
        """Record liveness and progress; raise JobCancelled when a cancel was requested."""
        fields = ["heartbeat_at"]
        self.job.heartbeat_at = timezone.now()
        if progress is not None:
            self.job.progress = max(0.0, min(1.0, float(progress)))
            fields.append("progress")
        if message is not None:
            self.job.message = message[:500]
            fields.append("message")
        self._save(*fields)
        cancelled = type(self.job).objects.filter(pk=self.job.pk, cancel_requested=True).exists()
        if cancelled:
            raise JobCancelled()

    def log(self, line: str) -> None:
        self.job.log = [*self.job.log, {"at": timezone.now().isoformat(), "line": line}][-500:]
        self._save("log")

    def terminate(self, status: str, *, error: str = "", result: dict | None = None) -> None:
        self.job.status = status
        self.job.finished_at = timezone.now()
        self.job.error = error
        fields = ["status", "finished_at", "error"]
        if status == JobStatus.SUCCEEDED:
            self.job.progress = 1.0
            fields.append("progress")
        if result is not None:
            self.job.result = result
            fields.append("result")
        self._save(*fields)

    def run(self, work: Callable[[JobRunner], dict | None]) -> None:
        self.start()
        try:
            result = work(self)
        except JobCancelled:
            self.terminate(JobStatus.CANCELLED, error="")
        except Exception as exc:  # the job must end in a final state whatever happened
            logger.exception("Job %s failed", self.job.pk)
            message = getattr(exc, "message", None) or str(exc) or exc.__class__.__name__
            self.job.log = [
                *self.job.log,
                {"at": timezone.now().isoformat(), "line": traceback.format_exc()[-4000:]},
            ]
            self.job.save(update_fields=["log"])
            self.terminate(JobStatus.FAILED, error=message)
        else:
            self.terminate(JobStatus.SUCCEEDED, result=result or {})
