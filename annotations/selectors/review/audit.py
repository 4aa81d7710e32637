"""The audit trail: everything reviewers and the system did to a section, oldest first."""

from __future__ import annotations

from annotations.models import AuditEvent, ReviewAction, Section
from annotations.selectors.voxel_size import voxel_size_words


def audit_trail(section: Section) -> list[dict]:
    return [
        {"at": at, "actor": actor, "action": action, "detail": detail}
        for at, actor, action, detail in AuditEvent.objects.filter(section=section)
        .order_by("at", "id")
        .values_list("at", "actor__username", "action", "detail")
    ]


def _audit_summary(action: str, detail: dict) -> str:
    """One readable line per audit event; the raw detail stays available through the API."""
    detail = detail or {}
    if action == ReviewAction.CONSENSUS:
        inputs = ", ".join(
            f"{i.get('annotator')} r{i.get('revision')}" for i in detail.get("inputs", [])
        )
        return f"{detail.get('method', '')} from {inputs}; mean Dice {detail.get('mean_dice')}"
    if action in (ReviewAction.CONFIRM, ReviewAction.EDIT_CONFIRM):
        text = f"version {detail.get('version')} ({detail.get('method', '')})"
        if action == ReviewAction.EDIT_CONFIRM:
            text += f"; {detail.get('pixels_added', 0)} pixels added, {detail.get('pixels_removed', 0)} removed"
            if "pixels_reclassified" in detail:
                text += f", {detail['pixels_reclassified']} reclassified"
            if detail.get("instances_changed"):
                text += "; instances changed (split, merged or redrawn)"
        return text
    if action == ReviewAction.SEND_BACK:
        return f"to {', '.join(detail.get('annotators', []))}: “{detail.get('comment', '')}”"
    if action == ReviewAction.EXCLUDE:
        return f"“{detail.get('reason', '')}”"
    if action == ReviewAction.INCLUDE:
        return f"back to {detail.get('status', '')}: “{detail.get('reason', '')}”"
    if action == ReviewAction.STALE:
        return (
            f"{detail.get('annotator')} changed their annotation (r{detail.get('confirmed_revision')} → "
            f"r{detail.get('new_revision')}); version {detail.get('version')} is stale"
        )
    if action == ReviewAction.VOXEL_SIZE:
        before, after = detail.get("previous"), detail.get("voxel_size")
        return f"{voxel_size_words(before)} → {voxel_size_words(after)} (z × y × x)"
    if action == ReviewAction.REOPEN and detail.get("by") == "requirement":
        return (
            f"back to annotation: the project now needs {detail.get('required')} annotations per "
            f"section (was {detail.get('previous_required')}; {detail.get('submitted')} submitted)"
        )
    if action == ReviewAction.REOPEN:
        return f"{detail.get('annotator', '')} reopened revision {detail.get('revision')}"
    return ""


def audit_rows(section: Section) -> list[dict]:
    """The audit trail with a label and a one-line summary per event, for the review page."""
    labels = dict(ReviewAction.choices)
    return [
        {
            **event,
            "label": labels.get(event["action"], event["action"]),
            "summary": _audit_summary(event["action"], event["detail"]),
        }
        for event in audit_trail(section)
    ]
