"""A live page's snapshot of one job: what its page and REST detail show, read so that no event
is lost between the snapshot and the websocket (``cellweb.jobs.consumer``).

The event number is read first, then the row, fresh from the database with its project and the
users it names: whatever changed after the read comes with a larger ``seq`` and the page applies
it on top (``cellweb.events.current_event_seq``). Every snapshot carries who cancelled the job
(``cellweb.jobs.cancel_note``); a kind's selector says only what else its page shows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from cellweb.events import current_event_seq
from cellweb.jobs.cancel_note import job_cancel_public

# The links every job row's answer reads: its project's slug, who launched it, who cancelled it.
ROW_LINKS = ("project", "created_by", "cancelled_by")


def live_snapshot(
    kind: str,
    job: Any,
    describe: Callable[[Any], dict[str, Any]],
    *,
    links: Iterable[str] = (),
) -> dict[str, Any]:
    """``describe(job)`` of the job of ``kind`` read again after its event number, with who
    cancelled it and that number as ``seq``; ``links`` are further relations ``describe`` reads
    (selected in the same query)."""
    seq = current_event_seq(kind, job.pk)
    fresh = type(job).objects.select_related(*ROW_LINKS, *links).get(pk=job.pk)
    return {**describe(fresh), **job_cancel_public(fresh), "seq": seq}
