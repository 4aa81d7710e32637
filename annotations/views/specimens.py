"""The specimen page: the viewer over a specimen's volumes, its frame interval and voxel size,
and the small forms with which a manager sets or clears that interval, sets the voxel size, or
deletes a specimen nothing was made from yet."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from annotations.models import Role
from annotations.permissions import get_specimen, require_role
from annotations.selectors.viewer import specimen_viewer
from annotations.selectors.voxel_size import specimen_voxel_size, voxel_size_words
from annotations.services.imports import parse_voxel_size
from annotations.services.specimen_removal import specimen_delete
from annotations.services.specimens import specimen_frame_interval_set
from annotations.services.voxel_size import specimen_voxel_size_set
from annotations.views.context import project_context
from cellweb.errors import DomainError, InvalidInput
from cellweb.pages import refused, refusing


@login_required
@require_http_methods(["GET", "POST"])
def specimen_page(request, specimen_id: int):
    specimen = get_specimen(request.user, specimen_id)
    errors, status = {}, 200
    if request.method == "POST":
        # One page, two small forms: the voxel size's names its field, the interval's its own.
        form = "voxel_size" if "voxel_size" in request.POST else "interval"
        try:
            saved = _save(request, specimen, form)
        except InvalidInput as exc:
            errors[form], status = exc.message, exc.status_code
        except DomainError as exc:  # not a manager; a specimen without images
            return refused(request, exc)
        else:
            messages.success(request, saved)
            return redirect("specimen", specimen_id=specimen.pk)
    minutes = specimen.frame_interval_min
    viewer = specimen_viewer(specimen=specimen, user=request.user)
    voxel = specimen_voxel_size(specimen=specimen)
    shown = voxel["voxel_size"] if voxel["stack"] else (voxel["voxel_size"] or [])[1:] or None
    context = project_context(request, specimen.project) | {
        "specimen": specimen,
        "config": viewer["config"],
        "volumes": viewer["volumes"],
        "tags": sorted(specimen.tags.values_list("name", flat=True)),
        # Minutes as a person writes them: 5, 0.5, 2.5 (not 5.0 or 0.500000).
        "interval": "" if minutes is None else f"{minutes:g}",
        "interval_error": errors.get("interval", ""),
        # One time point has no time between frames: the page says so instead of asking for it.
        "time_points": len(viewer["config"]["timePoints"]),
        "interval_value": request.POST.get("frame_interval", "") if errors else "",
        "voxel": voxel,
        # A field of single sections shows its pixel size (y × x); its stored z is y's copy.
        "voxel_words": voxel_size_words(shown),
        "voxel_text": ",".join(f"{v:g}" for v in shown or []),
        "voxel_error": errors.get("voxel_size", ""),
        "voxel_value": request.POST.get("voxel_size", "") if errors else "",
    }
    return render(request, "annotations/specimen.html", context, status=status)


def _save(request, specimen, form: str) -> str:
    """Store what the page's ``form`` posted; the line that says it was saved."""
    if form == "interval":
        specimen_frame_interval_set(
            specimen=specimen, user=request.user, minutes=request.POST.get("frame_interval")
        )
        return "Frame interval saved."
    given = parse_voxel_size(request.POST.get("voxel_size", ""))
    change = specimen_voxel_size_set(specimen=specimen, user=request.user, values=given or [])
    if not change.volumes:
        return f"Voxel size unchanged: its volumes have {voxel_size_words(change.voxel_size)}."
    return (
        f"Voxel size {voxel_size_words(change.voxel_size)} (z × y × x) saved on "
        f"{change.volumes} volume{'s' if change.volumes != 1 else ''}. Evaluations and "
        "predictions made from now on use it; those made before keep the size they were made "
        "with."
    )


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
