"""Disagreement scoring for the queue mode "most informative first": launching (``launch``)
and running as a job (``runner``)."""

from inference.services.disagreement.launch import (
    disagreement_after_mode_change,
    disagreement_after_training,
    disagreement_launch,
    fold_versions,
)
from inference.services.disagreement.runner import disagreement_work, sections_to_score

__all__ = [
    "disagreement_after_mode_change",
    "disagreement_after_training",
    "disagreement_launch",
    "disagreement_work",
    "fold_versions",
    "sections_to_score",
]
