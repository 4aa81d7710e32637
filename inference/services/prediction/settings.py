"""A project's prediction settings, and "predict new imports": a volume imported into a project
that asks for it is segmented by the active model, as a prediction job of the system."""

from __future__ import annotations

import logging

from django.db import transaction

from annotations.models import ImportJob, Role
from annotations.permissions import require_role
from cellweb.errors import DomainError
from inference.models import ModelVersion, Prediction, PredictionSettings
from inference.services.prediction.launch import ORIGIN_NEW_IMPORT, prediction_launch

__all__ = ["predict_imported", "prediction_settings_set"]

logger = logging.getLogger(__name__)


@transaction.atomic
def prediction_settings_set(*, project, user, predict_new_imports: bool) -> PredictionSettings:
    """Switch "predict new imports" on or off (managers only)."""
    require_role(user, project, Role.MANAGER)
    row, _ = PredictionSettings.objects.select_for_update().get_or_create(project=project)
    row.predict_new_imports = bool(predict_new_imports)
    row.full_clean()
    row.save()
    return row


def predict_imported(import_job) -> Prediction | None:
    """The import listener: queue a prediction of the imported time points when the project
    predicts new imports and has an active model. A refusal (say, a modality the model was not
    trained on) is logged on the import job, not raised: the import itself succeeded.

    The launch and its record on the import (``result["prediction_id"]``) commit together, under
    the import row's lock: the listener run again for the same import (the sweeper finishing a
    job whose worker was killed after its final commit) finds it and launches nothing."""
    project = import_job.project
    wanted = PredictionSettings.objects.filter(project=project, predict_new_imports=True)
    if not wanted.exists() or import_job.specimen_id is None:
        return None
    if not ModelVersion.objects.filter(project=project, is_active=True).exists():
        return None
    times = sorted({int(v["time_index"]) for v in (import_job.result or {}).get("volumes") or []})

    def launch() -> Prediction:
        return prediction_launch(
            project=project,
            user=None,
            specimen_ids=[import_job.specimen_id],
            time_points=times or None,
            origin=ORIGIN_NEW_IMPORT,
        )

    try:
        if isinstance(import_job, ImportJob):
            with transaction.atomic():
                row = ImportJob.objects.select_for_update().get(pk=import_job.pk)
                if (row.result or {}).get("prediction_id") is not None:
                    return None
                prediction = launch()
                row.result = {**(row.result or {}), "prediction_id": prediction.pk}
                row.save(update_fields=["result"])
                import_job.result = row.result
        else:  # an import in the foreground (no worker): no job row, nothing runs it again
            prediction = launch()
    except DomainError as exc:
        logger.info("Import %s not predicted: %s", import_job.pk, exc.message)
        return None
    if import_job.created_by_id:
        # Shown as the importer's, so they may cancel it (it was launched without a user check).
        Prediction.objects.filter(pk=prediction.pk).update(created_by=import_job.created_by_id)
        prediction.created_by_id = import_job.created_by_id
    return prediction
