"""Predictions: launching (``launch``), running as a job (``runner``), exporting (``export``)."""

from inference.services.prediction.export import labels_tiff_bytes, nuclei_csv, write_to_dir
from inference.services.prediction.launch import (
    prediction_cancel,
    prediction_launch,
    resolve_model_version,
)
from inference.services.prediction.runner import (
    prediction_cleanup,
    prediction_ending,
    prediction_finish,
    prediction_run,
    prediction_work,
)

__all__ = [
    "labels_tiff_bytes",
    "nuclei_csv",
    "prediction_cancel",
    "prediction_cleanup",
    "prediction_ending",
    "prediction_finish",
    "prediction_launch",
    "prediction_run",
    "prediction_work",
    "resolve_model_version",
    "write_to_dir",
]
