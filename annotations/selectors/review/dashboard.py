"""The project dashboard: section counts by workflow state, per annotator, with agreement."""

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

from .agreement import (
    agreement_distribution,
    annotator_agreement_table,
    specimen_agreement_distributions,
)

STATUS_KEYS = {
    SectionStatus.OPEN: "open",
    SectionStatus.REVIEW: "review",
    SectionStatus.CONFIRMED: "confirmed",
    SectionStatus.SENT_BACK: "sent_back",
    SectionStatus.EXCLUDED: "excluded",
}


def dashboard_counts(project: Project) -> dict:
    """Section counts by workflow state, and the same per annotator."""
    sections = Section.objects.filter(project=project, is_label_free=True)
    by_status = dict(sections.values("status").annotate(n=Count("id")).values_list("status", "n"))
    totals = {key: by_status.get(status, 0) for status, key in STATUS_KEYS.items()}
    totals["total"] = sum(by_status.values())
    totals["annotated"] = sections.filter(submitted_count__gt=0).count()
    totals["stale"] = GroundTruth.objects.filter(
        section__project=project, source=GroundTruthSource.CONSENSUS, is_current=True, stale=True
    ).count()

    submitted = Q(status=AnnotationStatus.SUBMITTED)
    per_annotator = (
        Annotation.objects.filter(section__project=project)
        .values(username=F("annotator__username"))
        .annotate(
            annotated=Count("id", filter=submitted),
            drafts=Count("id", filter=Q(status=AnnotationStatus.DRAFT)),
            review=Count("id", filter=submitted & Q(section__status=SectionStatus.REVIEW)),
            confirmed=Count("id", filter=Q(section__status=SectionStatus.CONFIRMED)),
            sent_back=Count(
                "id",
                filter=Q(section__status=SectionStatus.SENT_BACK, status=AnnotationStatus.DRAFT),
            ),
            excluded=Count("id", filter=Q(section__status=SectionStatus.EXCLUDED)),
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
                "review": 0,
                "confirmed": 0,
                "sent_back": 0,
                "excluded": 0,
            },
        )
    return {"totals": totals, "annotators": [rows[name] for name in sorted(rows)]}


def dashboard(project: Project) -> dict:
    """Everything the project dashboard shows: counts, the annotator table, distributions."""
    counts = dashboard_counts(project)
    agreement = {row["annotator"]: row for row in annotator_agreement_table(project)}
    empty_agreement = {
        "sections_in_consensus": 0,
        "mean_dice_others": None,
        "sections_confirmed": 0,
        "mean_dice_ground_truth": None,
        "mean_sensitivity": None,
        "mean_specificity": None,
    }
    annotators = []
    for row in counts["annotators"]:
        stats = agreement.pop(row["username"], None) or empty_agreement
        annotators.append({**row, **{k: v for k, v in stats.items() if k != "annotator"}})
    return {
        "totals": counts["totals"],
        "annotators": annotators,
        "distribution": agreement_distribution(project=project),
        "specimens": specimen_agreement_distributions(project),
    }
