"""The API documentation pages (Swagger UI and Redoc): for signed-in users, and self-contained.

Both are served from our own static files (drf-spectacular-sidecar). A Content-Security-Policy
keeps the browser from fetching anything else either: Redoc's bundle links a logo on its
makers' CDN, which an offline lab server cannot reach and an intranet one need not announce
its visitors to.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView

SELF_CONTAINED_CSP = "; ".join(
    [
        "default-src 'self'",
        # drf-spectacular writes each page's settings into an inline script and style.
        "script-src 'self' 'unsafe-inline'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "worker-src 'self' blob:",
    ]
)


def _self_contained_page(view):
    @wraps(view)
    def page(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.headers["Content-Security-Policy"] = SELF_CONTAINED_CSP
        return response

    # A visitor is sent to the sign-in form rather than shown an empty page.
    return login_required(page)


swagger_ui = _self_contained_page(SpectacularSwaggerView.as_view(url_name="api-schema"))
redoc = _self_contained_page(
    SpectacularRedocView.as_view(url_name="api-schema", template_name="cellweb/api_redoc.html")
)
