"""Annotation pages: "next section", the annotate page, and the export page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from annotations.models import Role
from annotations.permissions import get_project, get_section, user_roles
from annotations.selectors.annotation import (
    LOCKED_SECTION_STATUSES,
    annotate_page_config,
    annotates,
    annotation_progress,
    can_see_all_annotations,
    next_section_peek,
    queue_reason,
    section_send_back,
)
from annotations.services.annotation import section_offer_claim
from annotations.services.export import export_annotation_count
from annotations.views.context import project_context
from cellweb.pages import refusing

# Mirrors the annotator module's own shortcut list (frontend/src/modules/annotator/shortcuts.ts and
# frontend/src/editor/keyboard.ts), so the page lists them even before the script runs
# (tests/unit/test_annotate_shortcut_list.py keeps the two alike).
SHORTCUTS = [
    (
        "Drawing",
        [
            (
                "P",
                "Polygon: click points, double-click or Enter closes, Esc cancels, Backspace removes the last point",
            ),
            ("L", "Lasso: drag an outline, release closes it"),
            ("B", "Brush"),
            ("E", "Eraser"),
            ("[ / ]", "Smaller / larger brush"),
            ("Shift + draw", "Subtract with polygon or lasso, erase with the brush"),
            ("K", "Cut: drag a line across touching instances to split them"),
            (
                "Alt + draw",
                "Add to the current instance (otherwise each shape or stroke is a new one)",
            ),
            ("Class key", "Select that class (the palette shows each key)"),
            ("F", "Fill holes"),
            ("Shift+Delete", "Clear the mask (undoable)"),
            ("Ctrl+Z", "Undo"),
            ("Ctrl+Shift+Z / Ctrl+Y", "Redo"),
            ("O", "Mask: filled / outline / hidden"),
        ],
    ),
    (
        "View",
        [
            ("Wheel / + −", "Zoom around the cursor"),
            ("0", "Fit the image to the window"),
            ("H", "Hand tool"),
            ("Space + drag", "Pan (also middle or right drag)"),
            ("W", "Display window: the physical default"),
            ("A", "Display window: auto, 0.5–99.5 % of this volume (again: default)"),
        ],
    ),
    (
        "Sections",
        [
            ("Ctrl+S", "Save the draft now (drafts also save automatically)"),
            ("Ctrl+Enter", "Submit this section"),
            (",", "Show / hide the previous section"),
            (".", "Show / hide the next section"),
            ("G", "Ghost: your outline on the adjacent section"),
            ("C", "Copy your mask from the previous section (Shift+C: from the next)"),
            ("N", "Next section (after submitting)"),
            ("?", "Show / hide the shortcut list"),
        ],
    ),
]
FLUORESCENCE_SHORTCUT = ("R", "Reference fluorescence panel")
PROPOSAL_SHORTCUT = ("M", "Load the model's proposal for this section (undoable)")
CHANNEL_SHORTCUT = ("X", "Next channel of a multi-channel image")


def _percent(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def _progress_context(progress: dict) -> dict:
    total = progress["sections_total"]
    return {
        **progress,
        "project_percent": _percent(progress["sections_complete"], total),
        "mine_percent": _percent(progress["mine_submitted"], total),
        "drafts_percent": _percent(progress["mine_drafts"], total),
    }


@login_required
@refusing
@require_http_methods(["GET", "POST"])
def annotate_next(request, slug: str):
    """The menu's "Annotate". GET shows the queue (progress, and whether anything is left) and
    records nothing; its button POSTs, which hands the next section out and opens it. The section
    opened and not saved yet comes back first, so this never skips a section silently (Skip is
    the annotate page's own button)."""
    project = get_project(request.user, slug, Role.ANNOTATOR)
    if request.method == "POST":
        section = section_offer_claim(user=request.user, project=project)
        if section is not None:
            return redirect("annotate", section_id=section.pk)
        return redirect("annotate-next", slug=project.slug)
    waiting = next_section_peek(user=request.user, project=project)
    progress = annotation_progress(user=request.user, project=project)
    return render(
        request,
        "annotations/annotate_next.html",
        project_context(request, project)
        | {"progress": _progress_context(progress), "waiting": waiting},
    )


@login_required
@refusing
def annotate(request, section_id: int):
    section = get_section(request.user, section_id)
    project = section.project
    progress = annotation_progress(user=request.user, project=project)
    is_annotator = Role.ANNOTATOR in user_roles(request.user, project)
    can_edit = (
        is_annotator and section.is_label_free and section.status not in LOCKED_SECTION_STATUSES
    )
    config = annotate_page_config(
        user=request.user, section=section, csrf_token=get_token(request), can_edit=can_edit
    )
    shortcuts = [(title, list(items)) for title, items in SHORTCUTS]
    if config["fluorescence"] is not None:
        shortcuts[-1][1].insert(-2, FLUORESCENCE_SHORTCUT)
    if config.get("proposal"):
        shortcuts[-1][1].insert(-2, PROPOSAL_SHORTCUT)
    if config["section"].get("channels"):
        shortcuts[1][1].append(CHANNEL_SHORTCUT)
    if not section.is_label_free:
        notice = "This is a fluorescence section; annotations are drawn on label-free sections."
    elif section.status in LOCKED_SECTION_STATUSES:
        notice = f"This section is {section.get_status_display().lower()}; it no longer takes annotations."
    elif not is_annotator:
        notice = "You are not an annotator in this project, so this page is read-only."
    else:
        notice = ""
    sent_back = section_send_back(section=section, user=request.user) if is_annotator else None
    return render(
        request,
        "annotations/annotate.html",
        project_context(request, project)
        | {
            "section": section,
            "config": config,
            "progress": _progress_context(progress),
            "shortcuts": shortcuts,
            "notice": notice,
            "is_annotator": is_annotator,
            "sent_back": sent_back,
            "queue_reason": queue_reason(section) if can_edit else None,
        },
    )


@login_required
@refusing
def export_page(request, slug: str):
    project = get_project(request.user, slug)
    return render(
        request,
        "annotations/export.html",
        project_context(request, project)
        | {
            "sees_all": can_see_all_annotations(request.user, project),
            # Blind on sections still open, whatever other roles they hold (the export says so).
            "annotates": annotates(request.user, project),
            "annotation_count": export_annotation_count(user=request.user, project=project),
        },
    )
