"""The row every long job is: status, timestamps, heartbeat, progress, log, result, ownership.

A reload, a crash or a second browser always sees the truth because the truth is this row.
Workers write only the fields they own (``update_fields`` or a filtered ``update``), so a cancel
made on the web in the meantime is never overwritten.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

# One log cap for every kind: the newest lines are kept, each cut to a readable length.
LOG_LINES = 200
LOG_LINE_CHARS = 4000
# The longest reason a cancel may give (trimmed first; a longer one is refused).
CANCEL_REASON_CHARS = 500


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
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who asked to cancel it; null for the system (or a deleted user).",
    )
    cancelled_by_name = models.CharField(
        max_length=150,
        blank=True,
        default="",
        help_text="The canceller's username when they cancelled; blank for the system. It "
        "outlives the account, so a deleted user's cancel is not read as the system's.",
    )
    cancel_requested_at = models.DateTimeField(
        null=True, blank=True, help_text="When the cancel was asked."
    )
    cancel_reason = models.CharField(
        max_length=CANCEL_REASON_CHARS,
        blank=True,
        default="",
        help_text="Why it was cancelled, as the canceller wrote it (or the system's reason).",
    )
    task_id = models.CharField(
        max_length=64, blank=True, default="", help_text="The queued task that owns this job now."
    )
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Runs started, counting runs cut short by a lost worker."
    )
    finish_pending = models.BooleanField(
        default=False,
        db_index=True,
        help_text="Its final state is committed but the steps after it (cleanup, finish, "
        "listeners, the parent's gather) have not all run; the sweeper runs them when a killed "
        "worker left them.",
    )

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

    def log_append(self, line: str) -> None:
        """Add a line to ``log`` (the caller saves it)."""
        self.log = [*(self.log or []), log_entry(line)][-LOG_LINES:]


def log_entry(line: str) -> dict[str, str]:
    """A line of a job's ``log`` written now (a job launched with lines passes ``log``)."""
    return {"at": timezone.now().isoformat(), "line": str(line)[-LOG_LINE_CHARS:]}


class ProjectJobFields(JobFields):
    """A job launched in a project: listed newest first, looked up by project and date.

    The concrete model declares its ``project`` link (each with its own reverse name).
    """

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["project", "-created_at"])]
