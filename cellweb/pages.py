"""What every HTML page shares: the refusal page for a request that cannot be served."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import render

from cellweb.errors import DomainError


def refused(request, error: DomainError) -> HttpResponse:
    """The site's frame with ``error``'s message, under the error's status code."""
    messages.error(request, error.message)
    return render(request, "base.html", status=error.status_code)
