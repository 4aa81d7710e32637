"""The annotate page's editor configuration (the ``annotator`` front-end module)."""

from __future__ import annotations

from django.apps import apps
from django.urls import reverse

from annotations.models import ProposalMode, Section
from annotations.selectors.annotation.independence import proposals_withheld_reason
from annotations.selectors.editor import section_editor_config


def proposal_config(section: Section, *, can_edit: bool) -> dict | None:
    """The editor's "Load model proposal" (or start-from-proposal) when the project asks for it
    and has an active model, and not while the section lacks its first K annotations made
    without one; a model of another modality is refused (409) when it is loaded."""
    mode = section.project.proposals
    if not can_edit or mode == ProposalMode.OFF:
        return None
    model_version = apps.get_model("inference", "ModelVersion")
    if not model_version.objects.filter(project_id=section.project_id, is_active=True).exists():
        return None
    if proposals_withheld_reason(section.pk, section.project.annotations_before_proposals):
        return None
    return {"url": reverse("api-section-proposal", args=[section.pk]), "mode": mode}


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
            # "Next section" means one thing on this page: the next section of the queue. The
            # page shows the queue (a GET, no writes); the API hands the section out (a POST).
            "nextUrl": reverse("annotate-next", args=[slug]),
            "nextApiUrl": reverse("api-annotate-next", args=[slug]),
            # Skip: this section goes to the back of the queue; the answer names the next one.
            "skipUrl": f"{reverse('api-annotate-next', args=[slug])}?skip={section.pk}"
            if can_edit
            else None,
            "progressUrl": reverse("api-annotation-progress", args=[slug]),
            "proposal": proposal_config(section, can_edit=can_edit),
        },
    )
