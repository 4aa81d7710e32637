"""One job machine for every kind of long work (imports, training folds, evaluations, ...).

A job is a row (``JobFields``); a kind (``JobKind``, registered with ``@register`` in an app's
``job_kinds`` module) says what the work is. The framework saves and queues after commit
(``job_create``, ``job_enqueue``), claims and runs (``job_execute``, through the one Celery task in
``cellweb.jobs.tasks``), reports progress (``JobContext``), cancels (``job_cancel``), sweeps
silent jobs (``cellweb.jobs.sweeper``) and relays events to the one websocket route
(``cellweb.jobs.consumer``). See docs/jobs.md.
"""

from cellweb.jobs.cancel import job_cancel
from cellweb.jobs.context import JobCancelled, JobContext, JobSuperseded
from cellweb.jobs.fields import FINAL_STATUSES, LOG_LINES, JobFields, JobStatus, log_entry
from cellweb.jobs.kinds import JobKind, RetryPolicy, Watch, get_kind, kinds, register
from cellweb.jobs.lifecycle import emit_status, job_execute, job_fail_unstarted
from cellweb.jobs.listeners import job_listener_register, job_listeners_notify
from cellweb.jobs.queue import job_create, job_enqueue, job_launch

__all__ = [
    "FINAL_STATUSES",
    "LOG_LINES",
    "JobCancelled",
    "JobContext",
    "JobFields",
    "JobKind",
    "JobStatus",
    "JobSuperseded",
    "RetryPolicy",
    "Watch",
    "emit_status",
    "get_kind",
    "job_cancel",
    "job_create",
    "job_enqueue",
    "job_execute",
    "job_fail_unstarted",
    "job_launch",
    "job_listener_register",
    "job_listeners_notify",
    "kinds",
    "log_entry",
    "register",
]
