"""The report's figures: which there are, in what order, what each shows, and drawing them so
that one that cannot be drawn is left out with a note instead of failing the report (and the
evaluation whose final step writes it)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from matplotlib.figure import Figure

from inference.models import Evaluation

from .class_figures import class_figure
from .labels import AGGREGATIONS
from .plotting import FigureLeftOut, png
from .score_figures import dice_figure, pr_figure
from .section_figures import orthogonal_figure, worst_figure
from .set_figures import timelapse_figure, volume_figure

__all__ = [
    "FIGURES",
    "FIGURE_TITLES",
    "FigureSet",
    "draw_figures",
    "report_figures",
]

logger = logging.getLogger(__name__)
BOX = AGGREGATIONS["box"]


@dataclass(frozen=True)
class _Spec:
    title: str
    build: Callable[[Evaluation, dict], Figure]


SPECS: dict[str, _Spec] = {
    "pr_curves": _Spec("Precision-recall curves per class (pixels pooled over the set)", pr_figure),
    "classes": _Spec(
        "Per class: Dice over all sections (mean ± sample SD over sections) and object mAP "
        "(mean ± sample SD over volumes) of every method; no error bar over one value; region "
        "classes have no objects",
        class_figure,
    ),
    "dice_boxplot": _Spec(
        f"Per-section Dice per class, all sections and sections with the class ({BOX})",
        dice_figure,
    ),
    "volume_agreement": _Spec(
        "Volume of each class per 3D volume: prediction vs ground truth, and Bland–Altman",
        volume_figure,
    ),
    "orthogonal": _Spec("Orthogonal views of one 3D prediction", orthogonal_figure),
    "timelapse": _Spec(
        "Time-lapse: the largest predicted nucleus at each time point (no averaging)",
        timelapse_figure,
    ),
    "worst": _Spec(
        "Worst sections of each class (lowest Dice, among sections whose ground truth holds it)",
        worst_figure,
    ),
}
FIGURES = tuple(SPECS)
FIGURE_TITLES = {name: spec.title for name, spec in SPECS.items()}


@dataclass
class FigureSet:
    """PNG bytes of the figures drawn, and for each one left out, why."""

    images: dict[str, bytes] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)


def draw_figures(evaluation: Evaluation) -> FigureSet:
    summary = evaluation.summary or {}
    drawn = FigureSet()
    for name, spec in SPECS.items():
        try:
            # A savepoint: a failed query in one figure must not poison the next ones.
            with transaction.atomic():
                drawn.images[name] = png(spec.build(evaluation, summary))
        except FigureLeftOut as reason:
            drawn.notes[name] = str(reason)
        except Exception as exc:  # a figure is an illustration; the numbers are stored
            logger.exception("Figure %s of evaluation %s failed", name, evaluation.pk)
            drawn.notes[name] = (
                f"This figure could not be drawn ({type(exc).__name__}: {exc}). "
                "Every number it would show is in the tables and the CSV."
            )
    return drawn


def report_figures(evaluation: Evaluation) -> dict[str, bytes]:
    """The figures that can be drawn, by name."""
    return draw_figures(evaluation).images
