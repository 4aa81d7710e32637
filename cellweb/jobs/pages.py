"""The config every job's live page hands its front-end module: the job's websocket, the REST
snapshot it falls back to, the cancel endpoint (only for who may cancel) and the CSRF token."""

from __future__ import annotations

from typing import Any

from django.middleware.csrf import get_token


def job_page_config(
    request, job: Any, *, kind: str, api: str, can_cancel: bool, module: str = "job", **extra: Any
) -> dict[str, Any]:
    """``api`` is the collection of the kind's REST endpoints (``"predictions"`` for
    ``/api/predictions/<id>/``); ``extra`` adds what the page's module needs besides."""
    return {
        "module": module,
        "kind": kind,
        "wsUrl": f"/ws/jobs/{kind}/{job.pk}/",
        "snapshotUrl": f"/api/{api}/{job.pk}/",
        "cancelUrl": f"/api/{api}/{job.pk}/cancel/" if can_cancel else None,
        "csrfToken": get_token(request),
        **extra,
    }
