"""Predictions: launching (``launch``), running as a job (``runner``), exporting (``export``),
settings and "predict new imports" (``settings``)."""

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
from inference.services.prediction.settings import predict_imported, prediction_settings_set

__all__ = [
    "labels_tiff_bytes",
    "predict_imported",
    "nuclei_csv",
    "prediction_cancel",
    "prediction_cleanup",
    "prediction_ending",
    "prediction_finish",
    "prediction_launch",
    "prediction_run",
    "prediction_settings_set",
    "prediction_work",
    "resolve_model_version",
    "write_to_dir",
]
