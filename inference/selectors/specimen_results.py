"""Which evaluations and predictions hold results of a specimen: what deleting it would lose
(``annotations/services/specimen_removal.py``)."""

from __future__ import annotations

from annotations.models import Specimen
from inference.models import PredictionResult, SectionResult, VolumeResult


def specimen_results_said(specimen: Specimen) -> str:
    """“results of evaluation #2 and prediction #5”, or "" when none holds any."""
    evaluations = set(
        SectionResult.objects.filter(specimen=specimen).values_list("evaluation_id", flat=True)
    ) | set(VolumeResult.objects.filter(specimen=specimen).values_list("evaluation_id", flat=True))
    predictions = set(
        PredictionResult.objects.filter(specimen=specimen).values_list("prediction_id", flat=True)
    )
    named = [f"evaluation #{pk}" for pk in sorted(evaluations)]
    named += [f"prediction #{pk}" for pk in sorted(predictions)]
    return f"results of {' and '.join(named)}" if named else ""
