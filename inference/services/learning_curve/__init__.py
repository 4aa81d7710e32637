"""The learning-curve job: settings (``config``), what it trains on (``plan``), launching
(``launch``), the work (``runner``), the summary per start (``summary``) and the report files
(``report``). The pure part, draws and the plateau, is ``inference.ml.learning_curve``."""

from inference.services.learning_curve.config import (
    LearningCurveConfig,
    LearningCurveError,
    parse_sizes,
)
from inference.services.learning_curve.launch import learning_curve_cancel, learning_curve_launch
from inference.services.learning_curve.report import learning_curve_report, points_csv
from inference.services.learning_curve.runner import learning_curve_work
from inference.services.learning_curve.summary import curve_summary

__all__ = [
    "LearningCurveConfig",
    "LearningCurveError",
    "curve_summary",
    "learning_curve_cancel",
    "learning_curve_launch",
    "learning_curve_report",
    "learning_curve_work",
    "parse_sizes",
    "points_csv",
]
