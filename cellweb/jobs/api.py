"""The REST piece every job kind shares: the fields every job answers with, and reading a job
(its live page's snapshot) and cancelling it.

A kind's API subclasses these with its ``kind``, the URL keyword of the id and its output
serializer (and its schema); who may read and who may cancel are the kind's rules.
"""

from __future__ import annotations

from typing import ClassVar

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from cellweb.api import RefusesUnknownFields, error_responses, parse
from cellweb.jobs.cancel import job_cancel
from cellweb.jobs.fields import CANCEL_REASON_CHARS
from cellweb.jobs.lifecycle import kind_named

# The times of a job's (or a fold's) run, ISO 8601 (``cellweb.jobs.lifecycle``).
STARTED_AT = "When a worker first took it up (a retry keeps this time); null until then."
FINISHED_AT = "When it ended: succeeded, failed or cancelled; null until then."
HEARTBEAT_AT = (
    "The worker's last sign of life (its start, progress reports and keepalives); a running one "
    "silent for longer than the heartbeat timeout is queued again, or fails after its last try."
)

# Shapes several answers share, each under a comment rather than a docstring: the schema would
# give a docstring as the description of every serializer that inherits it.


# A job's (or a fold's) state (``cellweb.jobs.fields.JobStatus``).
STATUS = "queued, running, succeeded, failed or cancelled."
# Why a job (or a fold) failed (``cellweb.jobs.lifecycle``).
ERROR = "Why it failed; while a retry waits, why the last try failed; null when nothing went wrong."


# The fields every job's list row and detail answer start with (a kind adds its own).
class JobSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The job's id.")
    status = serializers.CharField(help_text=STATUS)
    created_at = serializers.CharField(help_text="When it was launched (ISO 8601).")
    finished_at = serializers.CharField(allow_null=True, help_text=FINISHED_AT)
    created_by = serializers.CharField(
        allow_null=True,
        help_text="Who launched it (username); null when no user did (an automatic run) or that "
        "user was deleted.",
    )
    progress = serializers.FloatField(help_text="The share of the work done, 0 to 1.")
    error = serializers.CharField(allow_null=True, help_text=ERROR)


# The fields every job's detail answer starts with (a kind's serializer adds its own).
class JobRowSerializer(JobSummarySerializer):
    project = serializers.CharField(help_text="The project's slug.")
    message = serializers.CharField(
        allow_blank=True, help_text="Its latest progress line, as its page shows it; may be blank."
    )


# A live page's snapshot: the number of the latest event it includes (``cellweb.events``).
class LiveSnapshotSerializer(serializers.Serializer):
    seq = serializers.IntegerField(
        help_text="The latest event number; live events with a smaller seq are older."
    )


# Who cancelled a job, when and why (``cellweb.jobs.cancel_note``).
class JobCancelSerializer(serializers.Serializer):
    cancel_requested = serializers.BooleanField(
        help_text="Someone asked to cancel it: a queued one ends at once, a running one at its "
        "next progress check."
    )
    cancelled_by = serializers.CharField(
        allow_null=True,
        help_text="Who asked to cancel it (username, kept when that user is deleted since); null "
        "when nobody did or the system did (a cancelled training job's folds, an interrupted "
        "command).",
    )
    cancel_requested_at = serializers.CharField(
        allow_null=True, help_text="When the cancel was asked (ISO 8601); null when it was not."
    )
    cancel_reason = serializers.CharField(
        allow_null=True,
        help_text="Why, as the canceller wrote it, or the system's reason; null "
        "when none was given.",
    )
    cancel_note = serializers.CharField(
        allow_null=True,
        help_text="The line its page shows: “Cancelled by <username> at <time zone> — <reason>” "
        "(“by the system”; “by <username> (a deleted user)”; “Cancel requested” until a running job "
        "stops); null when nobody asked.",
    )


# A cancellable job's snapshot (``cellweb.jobs.cancel``).
class JobSnapshotSerializer(JobCancelSerializer, LiveSnapshotSerializer):
    pass


# The body of every cancel endpoint (all of it optional).
class JobCancelInputSerializer(RefusesUnknownFields, serializers.Serializer):
    reason = serializers.CharField(
        max_length=CANCEL_REASON_CHARS,
        required=False,
        allow_blank=True,
        default="",
        help_text=f"Why it is cancelled, shown with the job (trimmed; at most "
        f"{CANCEL_REASON_CHARS} characters).",
    )


# Start, end and heartbeat of a run (a job, or one fold of a training job).
class RunTimesSerializer(serializers.Serializer):
    started_at = serializers.CharField(allow_null=True, help_text=STARTED_AT)
    finished_at = serializers.CharField(allow_null=True, help_text=FINISHED_AT)
    heartbeat_at = serializers.CharField(allow_null=True, help_text=HEARTBEAT_AT)


def job_row_public(job) -> dict:
    """``JobRowSerializer``'s fields of a job row (its project and creator loaded)."""
    return {
        "id": job.pk,
        "project": job.project.slug,
        "status": job.status,
        "progress": job.progress,
        "message": job.message,
        "error": job.error or None,
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "created_by": job.created_by.get_username() if job.created_by else None,
    }


def job_launched_response(kind: str, job, output: type[serializers.Serializer]) -> Response:
    """201 with a just-launched job's snapshot (what its detail endpoint answers)."""
    return Response(output(kind_named(kind).snapshot(job)).data, status=status.HTTP_201_CREATED)


class _JobApi(APIView):
    kind: ClassVar[str]
    id_kwarg: ClassVar[str] = "job_id"
    output: ClassVar[type[serializers.Serializer]]

    def job_for(self, request, kwargs):
        return kind_named(self.kind).get_for(request.user, kwargs[self.id_kwarg])

    def answer(self, job) -> Response:
        return Response(self.output(kind_named(self.kind).snapshot(job)).data)


class JobDetailApi(_JobApi):
    def get(self, request, **kwargs):
        return self.answer(self.job_for(request, kwargs))


class JobCancelApi(_JobApi):
    # A JSON body, a form's fields or no body at all (then no reason).
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def post(self, request, **kwargs):
        job = self.job_for(request, kwargs)
        kind_named(self.kind).may_cancel(request.user, job)  # 403 before the body is read
        reason = parse(JobCancelInputSerializer, request.data)["reason"]
        return self.answer(job_cancel(self.kind, job=job, user=request.user, reason=reason))


def job_api_views(
    kind: str,
    *,
    output: type[serializers.Serializer],
    summaries: tuple[str, str],
    errors: dict | None = None,
    id_kwarg: str = "job_id",
    operations: tuple[str, str] | None = None,
) -> tuple[type[JobDetailApi], type[JobCancelApi]]:
    """The detail and cancel endpoints of ``kind``, with their schema: ``summaries`` (detail
    first, cancel second), the error answers ``errors`` (by default the 400, 403 and 404 every
    endpoint can give) and the operation ids ``operations`` (by default ``<kind>_get`` and
    ``<kind>_cancel``)."""
    errors = error_responses(400, 403, 404) if errors is None else errors
    operations = operations or (f"{kind}_get", f"{kind}_cancel")
    attrs = {"kind": kind, "id_kwarg": id_kwarg, "output": output}
    conflict = OpenApiResponse(errors[400].response, description="The job has already ended.")
    detail = extend_schema_view(
        get=extend_schema(
            operation_id=operations[0], summary=summaries[0], responses={200: output, **errors}
        )
    )(type(f"{kind.title()}DetailApi", (JobDetailApi,), attrs))
    cancel = extend_schema_view(
        post=extend_schema(
            operation_id=operations[1],
            summary=summaries[1],
            request=JobCancelInputSerializer,
            responses={200: output, 409: conflict, **errors},
        )
    )(type(f"{kind.title()}CancelApi", (JobCancelApi,), attrs))
    return detail, cancel
