"""Evaluations: a model version (or none) x a specimen set x a ground-truth source.

``sets``: which specimens a set scores, with which model. ``launch``: the one path for the web
form, the API and ``manage.py evaluate``. ``scoring``: one volume segmented and scored;
``volume_numbers``: its 3D, object and nucleus numbers and stored mask.
``runner``: the job's work, cleanup and report. ``summary``: the aggregates the report shows.
"""

from inference.services.evaluation.launch import evaluation_cancel, evaluation_launch
from inference.services.evaluation.runner import (
    evaluation_cleanup,
    evaluation_report,
    evaluation_run,
    evaluation_work,
)
from inference.services.evaluation.scoring import BASELINE_PARAMS
from inference.services.evaluation.sets import SET_PARAM_KEYS
from inference.services.evaluation.summary import METRIC_KEYS, summarize

__all__ = [
    "BASELINE_PARAMS",
    "METRIC_KEYS",
    "SET_PARAM_KEYS",
    "evaluation_cancel",
    "evaluation_cleanup",
    "evaluation_launch",
    "evaluation_report",
    "evaluation_run",
    "evaluation_work",
    "summarize",
]
