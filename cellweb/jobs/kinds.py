"""Job kinds: what one kind of long work is, and the registry that finds it by name.

A kind names its model (a ``JobFields`` row), its queue, its parent (a fold belongs to a training
job), its retry policy and one ``work(job, ctx)`` method. Everything around the work — queueing,
claiming, progress, cancel, heartbeats, the sweeper, events — is the framework's (see
``cellweb.jobs.lifecycle``), so a new kind is one small class and one ``@register``.

Kinds live in a ``job_kinds`` module of their app (``annotations/job_kinds.py``), found the first
time the registry is asked, in every process alike: web, worker, sweeper, management command.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.utils.module_loading import autodiscover_modules, import_string

from cellweb.jobs.cancel_note import job_cancel_public
from cellweb.jobs.fields import JobFields

if TYPE_CHECKING:
    from cellweb.jobs.context import JobContext
    from cellweb.jobs.pages import JobPage

# A kind that is never retried still runs once more when its worker vanished mid-run and the
# broker hands the message back: it starts cleanly. Bounded, so a file that kills its worker
# cannot kill workers forever.
RERUNS_AFTER_LOST_WORKER = 1


@dataclass(frozen=True)
class RetryPolicy:
    """How often a job runs again after an error or a silent worker.

    ``retries`` (a callable, so a setting is read when needed) makes a retrying kind: an error or
    a silent worker queues the job again while attempts are left. ``None``: an error is final
    and the sweeper fails a silent job. ``resume``: a new attempt continues from what the last
    one saved (a checkpoint); otherwise ``JobKind.cleanup`` removes partial results first.
    """

    retries: Callable[[], int] | None = None
    resume: bool = False

    @property
    def retrying(self) -> bool:
        return self.retries is not None

    def max_attempts(self) -> int:
        extra = self.retries() if self.retries is not None else RERUNS_AFTER_LOST_WORKER
        return 1 + int(extra)

    def may_retry(self, attempts: int) -> bool:
        return self.retrying and attempts < self.max_attempts()


@dataclass(frozen=True)
class Watch:
    """How a kind's jobs are watched: ``get(user=..., <id_kwarg>=job_id)`` finds a job for a user
    (Http404 for an unknown job or an outsider) and ``snapshot(job)`` is what its live page shows.
    """

    get: Callable[..., Any]
    snapshot: Callable[[Any], dict[str, Any]]
    id_kwarg: str = "job_id"


class JobKind:
    """One kind of long work. Subclasses set the class attributes and override what they need."""

    name: ClassVar[str]
    model: ClassVar[type[JobFields]]
    queue: ClassVar[str] = "celery"
    parent: ClassVar[str | None] = None
    parent_field: ClassVar[str] = ""
    retry: ClassVar[RetryPolicy] = RetryPolicy()
    # The selectors of a kind whose jobs have a live page; None: not watched (or ``get_for`` and
    # ``snapshot`` overridden).
    watch: ClassVar[Watch | None] = None
    # Its page that shows only the job (``cellweb.jobs.pages.JobPage``); None: no such page.
    page: ClassVar[JobPage | None] = None
    # Progress rows and events: a few per second at most.
    progress_interval_s: ClassVar[float] = 0.25

    # -- the work

    @property
    def runs(self) -> bool:
        """False for a parent that only gathers what its children do."""
        return type(self).work is not JobKind.work

    def work(self, job: Any, ctx: JobContext) -> dict | None:
        """Do the work; return the JSON result stored on the row. Report with ``ctx.progress``."""
        raise NotImplementedError

    def started(self, job: Any, ctx: JobContext) -> Iterable[str]:
        """Under the claim's lock, before the run: set fields, return their names."""
        return ()

    def report(self, job: Any, ctx: JobContext) -> dict | None:
        """The last step of a successful run (a report's files); merged into the result."""
        return None

    def cleanup(self, job: Any) -> None:
        """Remove partial results of a run that did not succeed (also before a clean re-run)."""

    def ending(self, job: Any) -> Iterable[str]:
        """Under the lock that ends the job, before it is saved: set fields, return their names."""
        return ()

    def finish(self, job: Any) -> None:
        """After a final state is committed, whatever it is (staged files, checkpoints)."""

    def lost_note(self, job: Any) -> str:
        """Where a lost run had got to, for the log (“at epoch 3”)."""
        return ""

    # -- events

    def event_target(self, job: Any) -> tuple[str, int]:
        """The job page whose group hears this job: its own, or its parent's."""
        if self.parent:
            return self.parent, getattr(job, f"{self.parent_field}_id")
        return self.name, job.pk

    def event_fields(self, job: Any) -> dict[str, Any]:
        """Fields every event of this job carries (a fold's index on its parent's page)."""
        return {}

    def status_event(self, job: Any) -> dict[str, Any]:
        """A status change; with who cancelled it, when and why (``cellweb.jobs.cancel_note``)."""
        status = {"type": "job_status", "status": job.status, "error": job.error or None}
        return {**status, **job_cancel_public(job)}

    # -- parents

    def children(self, job: Any) -> QuerySet | None:
        return None

    def gather(self, job_id: int) -> None:
        """A child ended: settle this parent's status once every child has ended."""

    # -- who may watch, who may cancel

    def get_for(self, user, job_id: int) -> Any:
        """The job for ``user``; Http404 for an unknown job or an outsider."""
        if self.watch is None:
            raise Http404("Jobs of this kind cannot be watched.")
        return self.watch.get(user=user, **{self.watch.id_kwarg: job_id})

    def snapshot(self, job: Any) -> dict[str, Any]:
        """Everything the live page shows, with the ``seq`` read before the rows."""
        if self.watch is None:
            raise NotImplementedError
        return self.watch.snapshot(job)

    def may_cancel(self, user, job: Any) -> None:
        """Raise NotAllowed unless ``user`` may cancel ``job``; by default the project's rule,
        ``settings.JOB_CANCEL_RULE`` (a manager of the job's project or whoever launched it)."""
        import_string(settings.JOB_CANCEL_RULE)(user, job)


_KINDS: dict[str, JobKind] = {}
_discovered = False
# Held while the apps' job_kinds modules are imported, so that a second thread asking meanwhile
# (the in-process worker runs two) waits for every kind instead of finding none.
_DISCOVERY = threading.RLock()


def register(cls: type[JobKind]) -> type[JobKind]:
    """Class decorator: make ``cls`` known under ``cls.name``."""
    _KINDS[cls.name] = cls()
    return cls


def _discover() -> None:
    global _discovered
    if _discovered:
        return
    with _DISCOVERY:
        if not _discovered:
            autodiscover_modules("job_kinds")
            _discovered = True


def get_kind(name: str) -> JobKind | None:
    _discover()
    return _KINDS.get(name)


def kinds() -> list[JobKind]:
    _discover()
    return list(_KINDS.values())
