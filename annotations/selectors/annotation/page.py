"""The annotate page's editor configuration (the ``annotator`` front-end module)."""

from __future__ import annotations

from django.urls import reverse

from annotations.models import Section
from annotations.selectors.editor import section_editor_config


def annotate_page_config(*, user, section: Section, csrf_token: str, can_edit: bool) -> dict:
    """The ``annotator`` front-end module's configuration (the front-end contract)."""
    slug = section.project.slug
    return section_editor_config(
        section=section,
        user=user,
        module="annotator",
        csrf_token=csrf_token,
        read_only=not can_edit,
        neighbour_urls={"ownMaskUrl": "api-annotation-mine"},
        fluorescence=section.project.allow_fluorescence_reference,
        extra={
            "annotationUrl": reverse("api-annotation-mine", args=[section.pk]),
            # "Next section" means one thing on this page: the next section of the queue.
            "nextUrl": reverse("annotate-next", args=[slug]),
            # Skip: this section goes to the back of the queue; the answer names the next one.
            "skipUrl": f"{reverse('api-annotate-next', args=[slug])}?skip={section.pk}"
            if can_edit
            else None,
            "progressUrl": reverse("api-annotation-progress", args=[slug]),
        },
    )
