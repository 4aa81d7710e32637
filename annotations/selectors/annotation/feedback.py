"""What review said back: a send-back's reviewer and comment, for the annotator it names (their
section, their queue, their home page) and, once they resubmit, for the reviewer (a response).

A send-back is an audit event (``ReviewAction.SEND_BACK``) whose detail names the annotators;
nothing else stores it, so every page reads it from there.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse

from annotations.models import (
    Annotation,
    AnnotationRevision,
    AnnotationStatus,
    AuditEvent,
    Project,
    ReviewAction,
    Section,
)
from annotations.selectors.display import section_label
from cellweb.times import utc_minute
from cellweb.words import quoted

from .queue import DRAFTABLE_SECTION_STATUSES  # sections a sent-back annotator can act on


def _send_backs(section_ids=None) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.filter(action=ReviewAction.SEND_BACK)
    if section_ids is not None:
        events = events.filter(section_id__in=section_ids)
    return events.select_related("actor").order_by("section_id", "-at", "-id")


def _public(event: AuditEvent, annotation: Annotation | None) -> dict:
    """One send-back as the annotator sees it; ``answered`` once they resubmitted after it."""
    submitted_at = annotation.submitted_at if annotation is not None else None
    return {
        "section_id": event.section_id,
        "reviewer": event.actor.get_username() if event.actor else "",
        "comment": (event.detail or {}).get("comment", ""),
        "at": event.at,
        "answered": bool(
            annotation is not None
            and annotation.status == AnnotationStatus.SUBMITTED
            and submitted_at is not None
            and submitted_at > event.at
        ),
    }


def _names(event: AuditEvent) -> list[str]:
    return list((event.detail or {}).get("annotators", []))


def section_send_back(
    *, section: Section, user, annotation: Annotation | None = None
) -> dict | None:
    """The latest send-back of ``section`` that named ``user``, or None."""
    username = user.get_username()
    for event in _send_backs([section.pk]):
        if username in _names(event):
            if annotation is None:
                annotation = Annotation.objects.filter(section=section, annotator=user).first()
            return _public(event, annotation)
    return None


def sent_back_said(sent_back: dict, then: str) -> str:
    """A send-back (``_public``) told to the annotator it names: who, when, the comment, then
    ``then`` (what it means for their annotation now)."""
    comment, stop = quoted(sent_back["comment"])
    return (
        f"{sent_back['reviewer'] or 'A reviewer'} sent this section back to you "
        f"({utc_minute(sent_back['at'])}){comment}{stop} {then}"
    )


def sent_back_to_draft(*, annotation: Annotation) -> dict | None:
    """The send-back that named ``annotation``'s author while it was a draft, when the save
    just stored (its latest revision) is the first since: what that save's answer tells them,
    once (``said`` added). None otherwise, and for an author whose submission the send-back
    reopened: their page learns it when it reopens (409 ``annotation_draft``) or reloads."""
    event = _send_backs([annotation.section_id]).first()
    username = annotation.annotator.get_username()
    if event is None or username not in _names(event):
        return None
    if username in (event.detail or {}).get("reopened", []):
        return None
    times = dict(
        AnnotationRevision.objects.filter(
            annotation=annotation, number__in=[annotation.revision - 1, annotation.revision]
        ).values_list("number", "created_at")
    )
    before, now = times.get(annotation.revision - 1), times.get(annotation.revision)
    if before is None or now is None or not before < event.at <= now:
        return None
    public = _public(event, annotation)
    then = (
        "Your submission was stored; reopen it if the comment asks for a change."
        if public["answered"]
        else "Your draft was saved: keep editing it and submit when done."
    )
    return public | {"said": sent_back_said(public, then)}


def sent_back_to(*, user, project: Project | None = None, limit: int = 50) -> list[dict]:
    """Sections sent back to ``user`` that wait for them (their annotation is a draft again),
    newest first, with who sent each back, why and where to open it."""
    drafts = Annotation.objects.filter(
        annotator=user,
        status=AnnotationStatus.DRAFT,
        section__status__in=DRAFTABLE_SECTION_STATUSES,
    )
    if project is not None:
        drafts = drafts.filter(section__project=project)
    named = AuditEvent.objects.filter(
        section_id=OuterRef("section_id"), action=ReviewAction.SEND_BACK
    )
    annotations = {
        a.section_id: a
        for a in drafts.filter(Exists(named)).select_related(
            "section__volume", "section__specimen", "section__project"
        )
    }
    username = user.get_username()
    found: dict[int, dict] = {}
    for event in _send_backs(list(annotations)):
        if event.section_id in found or username not in _names(event):
            continue
        annotation = annotations[event.section_id]
        section = annotation.section
        found[event.section_id] = {
            **_public(event, annotation),
            "section_label": section_label(section),
            "project": section.project.slug,
            "project_name": section.project.name,
            "url": reverse("annotate", args=[section.pk]),
        }
    rows = sorted(found.values(), key=lambda row: row["at"], reverse=True)
    return rows[: max(int(limit), 0)]


def send_back_responses(section_ids) -> dict[int, dict[str, dict]]:
    """Per section, per annotator named in its latest send-back: the send-back and whether that
    annotator resubmitted after it (``answered``) — what the reviewer sees as a response."""
    latest: dict[int, AuditEvent] = {}
    for event in _send_backs(list(section_ids)):
        latest.setdefault(event.section_id, event)
    if not latest:
        return {}
    annotations = Annotation.objects.filter(section_id__in=list(latest)).select_related("annotator")
    by_section: dict[int, dict[str, Annotation]] = {}
    for annotation in annotations:
        by_section.setdefault(annotation.section_id, {})[annotation.annotator.get_username()] = (
            annotation
        )
    responses: dict[int, dict[str, dict]] = {}
    for section_id, event in latest.items():
        mine = by_section.get(section_id, {})
        responses[section_id] = {name: _public(event, mine.get(name)) for name in _names(event)}
    return responses
