"""The specimen page: the viewer over a specimen's volumes, its frame interval, and the small
forms with which a manager sets or clears that interval or deletes a specimen nothing was made
from yet."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from annotations.models import Role
from annotations.permissions import get_specimen, require_role
from annotations.selectors.viewer import specimen_viewer
from annotations.services.specimen_removal import specimen_delete
from annotations.services.specimens import specimen_frame_interval_set
from annotations.views.context import project_context
from cellweb.errors import DomainError, InvalidInput
from cellweb.pages import refused, refusing


@login_required
@require_http_methods(["GET", "POST"])
def specimen_page(request, specimen_id: int):
    specimen = get_specimen(request.user, specimen_id)
    interval_error, status = "", 200
    if request.method == "POST":
        try:
            specimen_frame_interval_set(
                specimen=specimen, user=request.user, minutes=request.POST.get("frame_interval")
            )
        except InvalidInput as exc:
            interval_error, status = exc.message, exc.status_code
        except DomainError as exc:  # not a manager
            return refused(request, exc)
        else:
            messages.success(request, "Frame interval saved.")
            return redirect("specimen", specimen_id=specimen.pk)
    minutes = specimen.frame_interval_min
    viewer = specimen_viewer(specimen=specimen, user=request.user)
    context = project_context(request, specimen.project) | {
        "specimen": specimen,
        "config": viewer["config"],
        "volumes": viewer["volumes"],
        "tags": sorted(specimen.tags.values_list("name", flat=True)),
        # Minutes as a person writes them: 5, 0.5, 2.5 (not 5.0 or 0.500000).
        "interval": "" if minutes is None else f"{minutes:g}",
        "interval_error": interval_error,
        "interval_value": request.POST.get("frame_interval", "") if interval_error else "",
    }
    return render(request, "annotations/specimen.html", context, status=status)


@login_required
@require_POST
@refusing
def specimen_delete_page(request, specimen_id: int):
    """A manager takes an import back: the specimen goes, unless something was made from it."""
    specimen = get_specimen(request.user, specimen_id)
    project = specimen.project
    require_role(request.user, project, Role.MANAGER)
    name = specimen_delete(specimen=specimen)
    messages.success(request, f"Specimen “{name}” deleted; its files can be imported again.")
    return redirect("project", slug=project.slug)
