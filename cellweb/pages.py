"""What every HTML page shares: the refusal page for a request that cannot be served, and the
launch of a job from a page's form."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import capfirst

from cellweb.errors import DomainError


def refused(request, error: DomainError) -> HttpResponse:
    """The site's frame with ``error``'s message, under the error's status code."""
    messages.error(request, error.message)
    return render(request, "base.html", status=error.status_code)


def refusing(view):
    """``view``, answering a domain error it raises (no such role, ...) with the refusal page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except DomainError as error:
            return refused(request, error)

    return wrapper


def launched_from_form(request, form, launch: Callable, *, page: str) -> HttpResponse | None:
    """Launch a job from a valid ``form``: ``launch()`` calls the service. Its refusal (a domain
    error) goes on the form, through the form's ``add_refusal(error)`` when it has one, and None
    is answered (the page shows the form again); a launched job is announced and the answer
    redirects to its live page, the URL named ``page``."""
    if not form.is_valid():
        return None
    try:
        job = launch()
    except DomainError as error:
        if hasattr(form, "add_refusal"):
            form.add_refusal(error)
        else:
            form.add_error(None, error.message)
        return None
    noun = capfirst(job._meta.verbose_name)
    messages.success(request, f"{noun} {job.pk} launched; this page follows it live.")
    return redirect(page, job.pk)
