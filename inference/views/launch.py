"""The launch form of a job list page (training, evaluation, prediction, learning curve): bound
and launched on a POST, blank for a manager's GET, absent for anyone else."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import HttpResponse

from cellweb.pages import launched_from_form

__all__ = ["LaunchForm", "launch_form"]


@dataclass(frozen=True)
class LaunchForm:
    """The form the page shows, the page's status, and the answer that replaces the page (the
    redirect to a launched job's live page), if any."""

    form: forms.Form | None
    status: int = 200
    answer: HttpResponse | None = None


def launch_form(
    request,
    context: dict,
    form: Callable[..., forms.Form],
    launch: Callable[[forms.Form], Any],
    *,
    page: str,
    initial: dict | None = None,
) -> LaunchForm:
    """On a POST, ``form(request.POST)`` is bound and, when valid, ``launch(form)`` calls the
    service (``launched_from_form``): a launched job answers with its live page, the URL named
    ``page``; an invalid or refused form is shown again under 400, or the form's own
    ``refusal_status`` when it has one. A manager's GET gets ``form(initial=initial)``."""
    if request.method == "POST":
        bound = form(request.POST)
        answer = launched_from_form(request, bound, lambda: launch(bound), page=page)
        return LaunchForm(bound, getattr(bound, "refusal_status", 400), answer)
    return LaunchForm(form(initial=initial) if context["is_manager"] else None)
