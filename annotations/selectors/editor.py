"""The configuration the section editor's front-end modules start from (the front-end contract).

Annotating (``annotator``), reviewing (``review``) and correcting fluorescence ground truth (the
``review`` module with the fluorescence mask as its proposal) share one editor: the section and
its picture, the display window, the neighbouring sections and the paired fluorescence. Each
page adds its own keys (``extra``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.urls import reverse

from annotations.models import Section
from annotations.selectors.display import (
    section_display_window,
    section_image_url,
    section_label,
    stain_image_url,
)
from annotations.selectors.labels import label_set


def _neighbours(section: Section, urls: Mapping[str, str]) -> dict:
    found: dict = {"prev": None, "next": None}
    for neighbour_id, z in Section.objects.filter(
        volume_id=section.volume_id, z__in=[section.z - 1, section.z + 1]
    ).values_list("id", "z"):
        found["prev" if z < section.z else "next"] = {
            "id": neighbour_id,
            "imageUrl": section_image_url(neighbour_id),
            **{key: reverse(name, args=[neighbour_id]) for key, name in urls.items()},
        }
    return found


def editor_label_set(project) -> dict:
    """The project's label set for the editor's palette (camel case, as the whole config)."""
    labels = label_set(project)
    return {
        "classes": labels["classes"],
        "paintRule": labels["paint_rule"],
        "version": project.label_set_version,
    }


def section_editor_config(
    *,
    section: Section,
    module: str,
    csrf_token: str,
    read_only: bool,
    label_prefix: str = "",
    neighbours: bool = True,
    neighbour_urls: Mapping[str, str] | None = None,
    fluorescence: bool = True,
    extra: Mapping[str, Any] | None = None,
    user=None,
) -> dict:
    """The editor page's ``config`` for ``section`` (its volume and specimen loaded).

    ``labels`` is the project's label set: ``classes`` ({value, name, colour, shortcut, kind})
    in value order and ``paintRule`` (``replace`` or ``background``).

    ``module`` names the front-end module; ``read_only`` shows the section without edits or
    actions. ``label_prefix`` says what the page is about, before the section's own label.
    ``neighbours`` offers the sections at z − 1 and z + 1 (each with its image; ``neighbour_urls``
    adds ``{key: URL name}`` reversed with the neighbour's id). ``fluorescence`` offers the paired
    fluorescence section, when there is one, as a reference, in its volume's window. ``extra``
    holds the module's own keys. ``user``'s saved display window for the section's volume comes
    with the window.
    """
    volume = section.volume
    label = section_label(section)
    return {
        "module": module,
        "csrfToken": csrf_token,
        "section": {
            "id": section.pk,
            "width": volume.size_x,
            "height": volume.size_y,
            "z": section.z,
            "nZ": volume.size_z,
            "modality": volume.modality,
            "imageUrl": section_image_url(section.pk),
            "label": f"{label_prefix} · {label}" if label_prefix else label,
            **({"channels": list(volume.channel_names)} if volume.channel_names else {}),
        },
        "window": section_display_window(section, user),
        "labels": editor_label_set(section.project),
        "neighbours": _neighbours(section, neighbour_urls or {})
        if neighbours
        else {"prev": None, "next": None},
        "fluorescence": {"imageUrl": stain_image_url(section.fluorescence_id)}
        if fluorescence and section.fluorescence_id
        else None,
        **(extra or {}),
        "readOnly": read_only,
    }
