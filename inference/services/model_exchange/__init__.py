"""Exchanging model versions with the field: export as a BioImage Model Zoo package, import a
package or a plain state dict (``docs/model_exchange.md``)."""

from inference.services.model_exchange.export import (
    model_version_export,
    model_version_export_file,
    model_version_provenance,
)
from inference.services.model_exchange.import_job import (
    model_import_finish,
    model_import_launch,
    model_import_work,
)
from inference.services.model_exchange.imports import MAX_IMPORT_BYTES, model_version_import

__all__ = [
    "MAX_IMPORT_BYTES",
    "model_version_export",
    "model_version_export_file",
    "model_import_finish",
    "model_import_launch",
    "model_import_work",
    "model_version_import",
    "model_version_provenance",
]
