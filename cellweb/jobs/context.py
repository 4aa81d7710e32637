"""What a job's ``work`` gets as ``ctx``: progress, keepalive, log, ownership and cancel checks.

A run owns its job while the row's ``task_id`` and ``attempts`` are the ones it claimed and the
row is running: the sweeper re-queues a silent job under a new task id, and a takeover after a
lost worker counts an attempt. Every write here is filtered on that ownership, so one job never
has two writers; a run that lost it stops with ``JobSuperseded``, a cancelled one with
``JobCancelled``.

Work that holds a transaction open (an import stores all its volumes or none) would hide its
progress from the web until it commits, so progress made inside such a transaction is written
by a side thread on a connection of its own; that thread also keeps the heartbeat alive during
long blocking reads (``ctx.keepalive()``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from cellweb import events
from cellweb.jobs.fields import JobStatus

if TYPE_CHECKING:
    from cellweb.jobs.kinds import JobKind

logger = logging.getLogger(__name__)

KEEPALIVE_MAX_S = 20.0


class JobSuperseded(Exception):
    """This run no longer owns its job (re-queued elsewhere, taken over, or ended)."""


class JobCancelled(Exception):
    """A cancel was requested; the run stops and the job ends cancelled."""


class JobContext:
    def __init__(
        self,
        kind: JobKind,
        job: Any,
        *,
        worker: str,
        options: dict[str, Any] | None = None,
        outer_atomic: bool = False,
    ):
        self.kind = kind
        self.job = job
        self.worker = worker
        self.where = worker
        self.options = dict(options or {})
        self.owner = (job.task_id, job.attempts)
        self.ended = False
        # Already inside a transaction when the run began (eager tasks in tests): another
        # connection could not see the row, so everything is written in line.
        self._outer_atomic = outer_atomic
        self._last_progress = float("-inf")
        self._side: _SideWriter | None = None

    @property
    def report(self) -> Callable[[str], None]:
        """Lines for a person watching a foreground run (``manage.py train --wait``)."""
        return self.options.get("report") or (lambda line: None)

    # -- ownership and cancel

    def _owned(self):
        task_id, attempts = self.owner
        return self.kind.model.objects.filter(
            pk=self.job.pk, task_id=task_id, attempts=attempts, status=JobStatus.RUNNING
        )

    def stop_requested(self) -> bool:
        """One indexed read: True when a cancel was requested; JobSuperseded when not owned."""
        row = (
            self.kind.model.objects.filter(pk=self.job.pk)
            .values_list("cancel_requested", "task_id", "attempts", "status")
            .first()
        )
        if row is None or (row[1], row[2]) != self.owner or row[3] != JobStatus.RUNNING:
            raise JobSuperseded()
        return bool(row[0])

    def check(self) -> None:
        if self.stop_requested():
            raise JobCancelled()

    def lock(self) -> Any:
        """The job row locked for the rest of the caller's transaction; JobSuperseded when this
        run no longer owns it."""
        locked = self._owned().select_for_update().first()
        if locked is None:
            raise JobSuperseded()
        return locked

    # -- writes

    def _write(
        self, values: dict[str, Any], event: dict[str, Any] | None, *, honour_cancel: bool = True
    ) -> None:
        values = {**values, "heartbeat_at": timezone.now()}
        owned = self._owned()
        if honour_cancel:
            owned = owned.filter(cancel_requested=False)
        if not owned.update(**values):
            self.check()  # tells a cancel from a lost ownership
            raise JobSuperseded()
        if event is not None:
            self.emit(event)

    def save(self, *fields: str) -> None:
        """Write these fields of ``ctx.job`` and the heartbeat if this run still owns the job,
        cancel requested or not (what the work already did stays recorded)."""
        self._flush_side()
        self.job.heartbeat_at = timezone.now()
        values = {name: getattr(self.job, name) for name in fields}
        self._write(values, None, honour_cancel=False)

    def emit(self, event: dict[str, Any]) -> None:
        """An event on the page that watches this job (after commit)."""
        target, target_id = self.kind.event_target(self.job)
        events.emit(target, target_id, {**event, **self.kind.event_fields(self.job)})

    def progress(
        self,
        fraction: float,
        *,
        message: str | None = None,
        fields: tuple[str, ...] = (),
        force: bool = False,
        **event_fields: Any,
    ) -> None:
        """Record progress (0..1), a message and ``fields`` of the job, and send a progress event.

        Throttled to one write per ``kind.progress_interval_s`` unless ``force`` or done. Raises
        JobCancelled when a cancel was requested, JobSuperseded when another run owns the job.
        """
        if self._side is not None:
            self._side.raise_noticed()
        now = time.monotonic()
        if (
            not force
            and fraction < 1.0
            and now - self._last_progress < self.kind.progress_interval_s
        ):
            return
        self._last_progress = now
        job = self.job
        job.progress = max(0.0, min(1.0, float(fraction)))
        values = {"progress": job.progress, **{name: getattr(job, name) for name in fields}}
        event: dict[str, Any] = {"type": "progress", "progress": job.progress, **event_fields}
        if message is not None:
            job.message = message[:500]
            values["message"] = job.message
            event["message"] = job.message
        if self._inside_work_transaction():
            self._side_writer().submit(values, event)
        else:
            self._flush_side()
            self._write(values, event)

    def log(self, line: str) -> None:
        self.job.log_append(line)
        self.save("log")

    @contextmanager
    def keepalive(self) -> Iterator[None]:
        """Keep the heartbeat alive around long blocking calls that report no progress (only
        inside the block: a run stuck elsewhere still goes silent and is swept)."""
        if self._outer_atomic:
            yield
            return
        side = self._side_writer()
        side.keepalive(+1)
        try:
            yield
        finally:
            side.keepalive(-1)

    @contextmanager
    def finishing(self, *fields: str) -> Iterator[Any]:
        """The run's last step in one transaction: yields the locked row; when the block ends
        cleanly the job is marked succeeded with ``fields`` (set on the yielded row) saved."""
        from cellweb.jobs.lifecycle import mark_final

        with transaction.atomic():
            locked = self.lock()
            yield locked
            mark_final(self.kind, locked, JobStatus.SUCCEEDED, fields=fields)
        self.job = locked
        self.ended = True

    # -- the side writer

    def _inside_work_transaction(self) -> bool:
        return connection.in_atomic_block and not self._outer_atomic

    def _side_writer(self) -> _SideWriter:
        if self._side is None:
            self._side = _SideWriter(self)
        return self._side

    def _flush_side(self) -> None:
        """Before a write in line outside the work's transaction: the progress handed to the
        side writer lands first, so it never overwrites what the work says after it (a
        batch field's "Imported 2 volume(s)" replaced by its stain file's own last words)."""
        if self._side is not None and not self._inside_work_transaction():
            self._side.flush()

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None


class _SideWriter:
    """A thread that writes the latest progress on its own connection and, in between, the
    heartbeat; what it notices (a cancel, a lost ownership) is raised at the next progress."""

    def __init__(self, ctx: JobContext):
        self.ctx = ctx
        self.keepalive_s = min(KEEPALIVE_MAX_S, settings.HEARTBEAT_TIMEOUT_S / 3)
        self._cond = threading.Condition()
        self._pending: tuple[dict, dict] | None = None
        self._keepalive_depth = 0
        self._closing = False
        self._noticed: Exception | None = None
        self._writing = False
        self._thread = threading.Thread(
            target=self._loop, name=f"job-{ctx.kind.name}-{ctx.job.pk}", daemon=True
        )
        self._thread.start()

    def submit(self, values: dict, event: dict) -> None:
        with self._cond:
            self._pending = (values, event)
            self._cond.notify_all()

    def keepalive(self, change: int) -> None:
        with self._cond:
            self._keepalive_depth += change

    def raise_noticed(self) -> None:
        if self._noticed is not None:
            raise self._noticed

    def flush(self) -> None:
        """Wait until the progress submitted so far is written (or given up)."""
        with self._cond:
            while (self._pending is not None or self._writing) and self._thread.is_alive():
                self._cond.wait(0.1)

    def close(self) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self._thread.join()

    def _loop(self) -> None:
        try:
            while True:
                with self._cond:
                    if self._pending is None and not self._closing:
                        self._cond.wait(self.keepalive_s)
                    item, self._pending = self._pending, None
                    closing = self._closing
                    alive = self._keepalive_depth > 0
                    self._writing = item is not None
                if item is not None:
                    try:
                        self._write(*item)
                    finally:
                        with self._cond:
                            self._writing = False
                            self._cond.notify_all()
                elif alive and not closing:
                    self._write({}, None)
                if closing and item is None:
                    return
        finally:
            connection.close()

    def _write(self, values: dict, event: dict | None) -> None:
        if self._noticed is not None:
            return
        try:
            self.ctx._write(values, event)
        except (JobCancelled, JobSuperseded) as exc:
            self._noticed = exc
        except Exception:  # progress is a courtesy; the work itself goes on
            logger.warning("Could not record the progress of a job", exc_info=True)
