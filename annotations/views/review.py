"""Review pages: the queue, one section's review, and the project dashboard."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render

from annotations.forms_review import ReviewQueueFilterForm
from annotations.models import Role, SectionStatus
from annotations.permissions import REVIEW_ROLES, get_project, user_roles
from annotations.selectors import review as selectors
from annotations.selectors.annotation import review_section
from annotations.selectors.effort import effort_chart
from cellweb.pages import refusing


def _bar_chart(distribution: dict) -> list[dict]:
    """Bars of a histogram as percentages of the tallest, for a CSS bar chart."""
    counts = distribution["counts"]
    edges = distribution["edges"]
    tallest = max(counts) if counts and max(counts) > 0 else 1
    return [
        {
            "lo": edges[i],
            "hi": edges[i + 1],
            "count": count,
            "height": round(100.0 * count / tallest, 1),
        }
        for i, count in enumerate(counts)
    ]


QUEUE_PAGE_ROWS = 200


@login_required
@refusing
def review_queue_page(request, slug: str):
    """The queue, narrowed by the filter form's GET parameters (a bad one: 400, the form says
    which), ``QUEUE_PAGE_ROWS`` rows a page."""
    project = get_project(request.user, slug, *REVIEW_ROLES)
    form = ReviewQueueFilterForm(request.GET, project=project)
    if not form.is_valid():
        context = {"project": project, "form": form, "rows": [], "waiting": 0, "invalid": True}
        return render(request, "annotations/review_queue.html", context, status=400)
    page = form.page_number()
    queue = selectors.review_queue_page(
        project=project,
        user=request.user,
        limit=QUEUE_PAGE_ROWS,
        offset=(page - 1) * QUEUE_PAGE_ROWS,
        only=form.queue_filter(),
    )
    rows = queue["results"]
    labels = dict(SectionStatus.choices)
    for row in rows:
        row["status_label"] = labels.get(row["status"], row["status"])
    first = (page - 1) * QUEUE_PAGE_ROWS
    return render(
        request,
        "annotations/review_queue.html",
        {
            "project": project,
            "form": form,
            "rows": rows,
            # All that wait, not only the rows shown: a long day's queue is longer than the table.
            "waiting": queue["count"],
            "first_row": first + 1,
            "last_row": first + len(rows),
            "previous_query": form.query_for_page(page - 1) if page > 1 else None,
            "next_query": form.query_for_page(page + 1)
            if first + len(rows) < queue["count"]
            else None,
            "first_page_query": form.query_for_page(1),
            "filtered": form.queue_filter() != selectors.QueueFilter(),
            # A one-class project has no worst class: the header names only the mean Dice.
            "classes": any(row["worst_class"] for row in rows),
            "self_review": project.allow_self_review,
        },
    )


@login_required
@refusing
def review_next(request, slug: str):
    project = get_project(request.user, slug, *REVIEW_ROLES)
    section_id = selectors.review_queue_next(project=project, user=request.user)
    if section_id is None:
        messages.info(request, "Nothing is waiting for your review in this project.")
        return redirect("review-queue", slug=project.slug)
    return redirect("review", section_id=section_id)


@login_required
@refusing
def dashboard_page(request, slug: str):
    project = get_project(request.user, slug, *REVIEW_ROLES)
    data = selectors.dashboard(project, request.user)
    specimens = [
        {**entry, "bars": _bar_chart(entry["distribution"])} for entry in data["specimens"]
    ]
    return render(
        request,
        "annotations/dashboard.html",
        {
            "project": project,
            "totals": data["totals"],
            "annotators": data["annotators"],
            "stain": data["stain"],
            "distribution": data["distribution"],
            "bars": _bar_chart(data["distribution"]),
            "specimens": specimens,
            "effort": data["effort"],
            "effort_chart": effort_chart(data["effort"]),
            "blind": data["blind"],
        },
    )


@login_required
@refusing
def review_page(request, section_id: int):
    section = review_section(request.user, section_id)
    is_reviewer = Role.REVIEWER in user_roles(request.user, section.project)
    blocked = selectors.self_review_blocked(section=section, user=request.user)
    if blocked and is_reviewer:
        messages.warning(
            request,
            "You annotated this section and this project does not allow self-review: you can look, "
            "but another reviewer has to decide.",
        )
    config = selectors.review_page_config(
        section=section,
        user=request.user,
        csrf_token=get_token(request),
        can_act=is_reviewer and not blocked,
    )
    return render(
        request,
        "annotations/review.html",
        {
            "project": section.project,
            "section": section,
            "config": config,
            "agreement": selectors.section_agreement(section),
            "audit": selectors.audit_rows(section),
            "send_back": selectors.review_send_back(section),
        },
    )
