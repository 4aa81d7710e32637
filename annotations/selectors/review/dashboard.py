"""The project dashboard: section counts by workflow state, per annotator, with agreement with
the other annotators and, where a section has fluorescence ground truth, with the stain (that
table in ``stain.py``), all as the viewer may see them under the blind rule."""

from __future__ import annotations

from django.db.models import Count, F, Q

from annotations.models import (
    Annotation,
    AnnotationStatus,
    GroundTruth,
    GroundTruthSource,
    Membership,
    Project,
    Role,
    Section,
    SectionStatus,
)
from annotations.selectors.annotation import annotates, blind_sections, hidden_from
from annotations.selectors.effort import effort_summary
from annotations.selectors.imported_truth import has_imported_truth

from .agreement import (
    agreement_distribution,
    annotator_agreement_table,
    specimen_agreement_distributions,
)
from .stain import stain_agreement

__all__ = ["STATUS_KEYS", "blind_note", "dashboard", "dashboard_counts", "stain_agreement"]

STATUS_KEYS = {
    SectionStatus.OPEN: "open",
    SectionStatus.REVIEW: "review",
    SectionStatus.CONFIRMED: "confirmed",
    SectionStatus.SENT_BACK: "sent_back",
    SectionStatus.EXCLUDED: "excluded",
}


def dashboard_counts(project: Project, viewer) -> dict:
    """Section counts by workflow state, and the same per annotator as ``viewer`` may count
    them (``hidden_from``: a viewer who annotates counts all of their own annotations, and the
    others' without the sections still open)."""
    sections = Section.objects.filter(project=project, is_label_free=True)
    by_status = dict(sections.values("status").annotate(n=Count("id")).values_list("status", "n"))
    totals = {key: by_status.get(status, 0) for status, key in STATUS_KEYS.items()}
    totals["total"] = sum(by_status.values())
    totals["annotated"] = sections.filter(submitted_count__gt=0).count()
    # Counted in their status too (usually open): the imported mask is their ground truth.
    totals["imported"] = sections.filter(has_imported_truth()).count()
    totals["imported_in_queue"] = project.queue_includes_imported
    totals["stale"] = GroundTruth.objects.filter(
        section__project=project, source=GroundTruthSource.CONSENSUS, is_current=True, stale=True
    ).count()

    # Each submitted annotation is in exactly one state column (its section's state), so a row's
    # state columns add up to "annotated"; drafts are counted apart, with those sent back to them.
    submitted = Q(status=AnnotationStatus.SUBMITTED)
    draft = Q(status=AnnotationStatus.DRAFT)
    per_annotator = (
        Annotation.objects.filter(section__project=project)
        .exclude(hidden_from(viewer, project))
        .values(username=F("annotator__username"))
        .annotate(
            annotated=Count("id", filter=submitted),
            drafts=Count("id", filter=draft),
            drafts_sent_back=Count("id", filter=draft & Q(section__status=SectionStatus.SENT_BACK)),
            **{
                key: Count("id", filter=submitted & Q(section__status=status))
                for status, key in STATUS_KEYS.items()
            },
        )
        .order_by("username")
    )
    rows = {row["username"]: row for row in per_annotator}
    for name in Membership.objects.filter(project=project, role=Role.ANNOTATOR).values_list(
        "user__username", flat=True
    ):
        rows.setdefault(
            name,
            {
                "username": name,
                "annotated": 0,
                "drafts": 0,
                "drafts_sent_back": 0,
                **dict.fromkeys(STATUS_KEYS.values(), 0),
            },
        )
    return {"totals": totals, "annotators": [rows[name] for name in sorted(rows)]}


EMPTY_STAIN = {
    "stain_sections": 0,
    "stain_both_empty": 0,
    "mean_dice_stain": None,
    "pooled_dice_stain": None,
    "mean_dice_others_on_stain": None,
}


def blind_note(project: Project, viewer) -> dict:
    """What the blind rule leaves out of ``viewer``'s dashboard: nothing for a member who does
    not annotate; for one who does, the sections still open (``blind_sections``) that hold
    another annotator's work, counted, and the sentence the page shows."""
    if not annotates(viewer, project):
        return {"applies": False, "sections_left_out": 0, "note": ""}
    others = Annotation.objects.exclude(annotator=viewer)
    left_out = blind_sections(viewer, project).filter(annotations__in=others).distinct().count()
    required = project.required_annotations
    still_open = f"still open (fewer than {required} submission{'s' if required != 1 else ''})"
    if left_out:
        plural = "s" if left_out != 1 else ""
        what = (
            f"leave out the {left_out} section{plural} {still_open} where they have worked, "
            f"until each has all its submissions"
        )
    else:
        what = f"leave out the sections {still_open} where they have worked; there are none now"
    note = (
        f"You annotate in this project: the other annotators' figures and every agreement here "
        f"{what}. Your own counts and Dice with the stain include all of yours."
    )
    return {"applies": True, "sections_left_out": left_out, "note": note}


def dashboard(project: Project, viewer) -> dict:
    """Everything the project dashboard shows ``viewer``: counts, the annotator table,
    distributions and the correction effort per model version, with what the blind rule leaves
    out of them (``blind_note``)."""
    counts = dashboard_counts(project, viewer)
    agreement = {row["annotator"]: row for row in annotator_agreement_table(project, viewer)}
    empty_agreement = {
        "sections_in_consensus": 0,
        "mean_dice_others": None,
        "sections_confirmed": 0,
        "mean_dice_ground_truth": None,
        "mean_sensitivity": None,
        "mean_specificity": None,
    }
    stain = stain_agreement(project, viewer)
    annotators = []
    for row in counts["annotators"]:
        stats = agreement.pop(row["username"], None) or empty_agreement
        annotators.append(
            {
                **row,
                **{k: v for k, v in stats.items() if k != "annotator"},
                **stain["annotators"].get(row["username"], EMPTY_STAIN),
            }
        )
    return {
        "totals": counts["totals"],
        "annotators": annotators,
        "stain": {k: v for k, v in stain.items() if k != "annotators"},
        "distribution": agreement_distribution(project=project, viewer=viewer),
        "specimens": specimen_agreement_distributions(project, viewer),
        "effort": effort_summary(project, viewer),
        "blind": blind_note(project, viewer),
    }
