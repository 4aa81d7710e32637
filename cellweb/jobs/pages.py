"""The config every job's live page hands its front-end module: the job's websocket, the REST
snapshot it falls back to, the cancel endpoint (only for who may cancel, by the kind's rule)
and the CSRF token; and ``JobPage``, a kind's page that shows only the job (one view serves
them all: ``annotations.views.context.job_page``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.middleware.csrf import get_token

from cellweb.errors import NotAllowed
from cellweb.jobs.lifecycle import kind_named


@dataclass(frozen=True)
class JobPage:
    """A kind's live page that shows only its job: the ``template`` (extending
    ``job_page.html``), the collection of the kind's REST endpoints (``api``), the front-end
    ``module`` that follows it, and what else that module needs: ``config(job, snapshot)``."""

    template: str
    api: str
    module: str
    config: Callable[[Any, dict[str, Any]], dict[str, Any]]


def job_page_config(
    request,
    job: Any,
    /,
    *,
    kind: str,
    api: str,
    can_cancel: bool | None = None,
    module: str = "job",
    **extra: Any,
) -> dict[str, Any]:
    """``api`` is the collection of the kind's REST endpoints (``"predictions"`` for
    ``/api/predictions/<id>/``); ``can_cancel``, whether the page offers to cancel, is by default
    whether the kind lets the requesting user cancel the job; ``extra`` adds what the page's
    module needs besides."""
    if can_cancel is None:
        can_cancel = may_cancel(request.user, kind, job)
    return {
        "module": module,
        "kind": kind,
        "wsUrl": f"/ws/jobs/{kind}/{job.pk}/",
        "snapshotUrl": f"/api/{api}/{job.pk}/",
        "cancelUrl": f"/api/{api}/{job.pk}/cancel/" if can_cancel else None,
        "csrfToken": get_token(request),
        **extra,
    }


def may_cancel(user, kind: str, job: Any) -> bool:
    """Whether ``kind`` lets ``user`` cancel ``job`` (its ``may_cancel`` rule)."""
    try:
        kind_named(kind).may_cancel(user, job)
    except NotAllowed:
        return False
    return True
