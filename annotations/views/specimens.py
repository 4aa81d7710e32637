"""The specimen page: the viewer over a specimen's volumes."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from annotations.permissions import get_specimen
from annotations.selectors.viewer import specimen_viewer
from annotations.views.context import project_context


@login_required
def specimen_page(request, specimen_id: int):
    specimen = get_specimen(request.user, specimen_id)
    viewer = specimen_viewer(specimen=specimen, user=request.user)
    context = project_context(request, specimen.project) | {
        "specimen": specimen,
        "config": viewer["config"],
        "volumes": viewer["volumes"],
        "tags": sorted(specimen.tags.values_list("name", flat=True)),
    }
    return render(request, "annotations/specimen.html", context)
