"""What every page inside a project shares: its context (the project, the user's roles in it,
its navigation), the frame of a project page whose form only managers may post, and the live
page of one of its jobs."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from annotations.models import Project, Role
from annotations.permissions import get_project, user_roles
from annotations.selectors.projects import project_links, sorted_roles
from cellweb.errors import NotAllowed
from cellweb.jobs.lifecycle import kind_named
from cellweb.jobs.pages import job_page_config
from cellweb.pages import refused, refusing


def project_context(request, project: Project) -> dict:
    """Template context for a page of ``project``: ``project``, ``roles`` (in display order),
    ``is_manager`` and ``project_links``."""
    roles = user_roles(request.user, project)
    return {
        "project": project,
        "roles": sorted_roles(roles),
        "is_manager": Role.MANAGER in roles,
        "project_links": project_links(project, roles),
    }


def managers_post(refusal: str):
    """Decorator of a project's page (URL keyword ``slug``) that shows on GET and takes a form on
    POST. The view is called as ``view(request, project, context)`` with the page's
    ``project_context``; a POST from a user without the manager role gets the refusal page
    with ``refusal`` and never reaches the view."""

    def decorate(view):
        @login_required
        @require_http_methods(["GET", "POST"])
        @wraps(view)
        def page(request, slug: str):
            project = get_project(request.user, slug)
            context = project_context(request, project)
            if request.method == "POST" and not context["is_manager"]:
                return refused(request, NotAllowed(refusal))
            return view(request, project, context)

        return page

    return decorate


@login_required
@refusing
def job_page(request, job_id: int, *, kind: str) -> HttpResponse:
    """The page of a job of ``kind`` that shows only the job (the kind's ``page``), found for
    the user and read by the kind's own rules (``get_for``: Http404 for an outsider;
    ``snapshot``). The template gets the project's context with ``job``, its snapshot as
    ``status``, ``percent`` and the front-end module's ``config``."""
    job_kind = kind_named(kind)
    page = job_kind.page
    if page is None:
        raise Http404("Jobs of this kind have no page.")
    job = job_kind.get_for(request.user, job_id)
    status = job_kind.snapshot(job)
    config = job_page_config(
        request,
        job,
        kind=kind,
        api=page.api,
        module=page.module,
        job=status,
        **page.config(job, status),
    )
    percent = round(100 * (job.progress or 0))
    context = {"job": job, "status": status, "percent": percent, "config": config}
    return render(request, page.template, project_context(request, job.project) | context)
