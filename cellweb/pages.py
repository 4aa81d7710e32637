"""What every HTML page shares: the refusal page for a request that cannot be served."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import render

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
