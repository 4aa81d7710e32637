"""Reads for the training launch form: the data filters with their counts, the networks and the
ground-truth sources."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q

from annotations.models import (
    LABEL_FREE_MODALITIES,
    GroundTruth,
    GroundTruthSource,
    Modality,
    Project,
    Specimen,
)
from annotations.selectors.projects import project_filter_counts
from inference.ml.nets import MODEL_NAMES, model_label


def training_form_choices(project: Project) -> dict[str, Any]:
    """Data filters with counts, networks and ground-truth sources, for the launch form."""
    modality_counts = dict(
        Specimen.objects.filter(project=project, volumes__modality__in=LABEL_FREE_MODALITIES)
        .values_list("volumes__modality")
        .annotate(n=Count("id", distinct=True))
    )
    modalities = [
        {"value": m.value, "label": m.label, "n": modality_counts.get(m.value, 0)}
        for m in Modality
        if m.value in LABEL_FREE_MODALITIES and modality_counts.get(m.value)
    ]
    gt_counts = dict(
        GroundTruth.objects.filter(section__project=project, is_current=True)
        .values_list("source")
        .annotate(n=Count("id"))
    )
    gt_specimens = dict(
        GroundTruth.objects.filter(section__project=project, is_current=True)
        .values_list("source")
        .annotate(n=Count("section__specimen", distinct=True))
    )
    sources = [
        {
            "value": s.value,
            "label": s.label,
            "sections": gt_counts.get(s.value, 0),
            "specimens": gt_specimens.get(s.value, 0),
        }
        for s in GroundTruthSource
    ]
    return {
        **project_filter_counts(project=project),
        "modalities": modalities,
        "sources": sources,
        "networks": [{"value": name, "label": model_label(name)} for name in MODEL_NAMES],
        "specimens": Specimen.objects.filter(project=project).count(),
        "specimens_with_gt": Specimen.objects.filter(project=project)
        .filter(Q(sections__ground_truths__is_current=True))
        .distinct()
        .count(),
    }
