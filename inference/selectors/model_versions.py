"""Reads for model versions: lists, one version with its provenance, side-by-side comparison."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from annotations.models import Project
from annotations.permissions import require_role
from cellweb.errors import ConflictError
from inference.ml.nets import model_label
from inference.models import ModelVersion

METRIC_LABELS = {
    "dice": "Dice",
    "jaccard": "Jaccard",
    "f05": "F0.5",
    "precision": "Precision",
    "recall": "Recall",
    "auc_pr": "AUC-PR",
}
# Nuclei (``metrics["objects"]`` of a fold, ``services/training/fold_objects.py``), named with
# their IoU threshold; pooled over the fold's held-out sections.
OBJECT_LABELS = {
    "precision_iou50": "Object precision (IoU > 0.5)",
    "recall_iou50": "Object recall (IoU > 0.5)",
    "f1_iou50": "Object F1 (IoU > 0.5)",
    "map": "mAP (IoU 0.50:0.05:0.95)",
}


def arch_label(arch: str | None) -> str:
    try:
        return model_label(arch or "")
    except ValueError:
        return arch or ""


def model_versions_for_project(project: Project) -> QuerySet[ModelVersion]:
    return (
        ModelVersion.objects.filter(project=project)
        .select_related("created_by", "job")
        .order_by("-created_at", "-id")
    )


def model_version_get(*, user, version_id: int) -> ModelVersion:
    try:
        version = ModelVersion.objects.select_related("project", "created_by", "snapshot").get(
            pk=version_id
        )
    except ModelVersion.DoesNotExist:
        raise Http404("No such model version.") from None
    require_role(user, version.project)
    return version


def model_version_public(version: ModelVersion) -> dict[str, Any]:
    config = version.config or {}
    return {
        "id": version.pk,
        "name": version.name,
        "kind": version.kind,
        "task": version.task,
        # An in-silico-labelling version is scored by its held-out PCC, not by Dice.
        "pcc": (version.metrics or {}).get("pcc") if version.task == "isl" else None,
        "arch": version.arch,
        "arch_label": arch_label(version.arch),
        "job": version.job_id,
        "fold": version.fold.index if version.fold_id and version.fold else None,
        "created_at": version.created_at.isoformat(),
        "created_by": version.created_by.get_username() if version.created_by else None,
        "is_active": version.is_active,
        "code_version": version.code_version,
        "snapshot": version.snapshot_id,
        "gt_source": version.snapshot.source
        if version.snapshot_id and version.snapshot
        else config.get("gt_source"),
        "input_size": config.get("input_size"),
        "epochs": config.get("epochs"),
        "config": config,
        "train_specimens": [s.get("name") for s in version.train_specimens],
        "val_specimens": [s.get("name") for s in version.val_specimens],
        "metrics": version.metrics,
        "download_url": f"/api/model-versions/{version.pk}/download/",
        "provenance": version.provenance,
        "parent": version.parent_id,
        "origin": version.origin,
        # Set on import where the package's test tensors could not be run
        # (inference.ml.bioimageio_tensors), or were and were reproduced (bioimageio_check).
        "unverified": (version.origin or {}).get("unverified"),
        "verified": verified_note((version.origin or {}).get("verified")),
        "bioimageio_url": f"/api/model-versions/{version.pk}/bioimageio/",
    }


def verified_note(verified: dict | None) -> str | None:
    """How an imported package's test output was reproduced, in words; None when it was not."""
    if not isinstance(verified, dict):
        return None
    tol = verified.get("tolerance") or {}
    return (
        f"test output reproduced: largest absolute difference {verified['max_abs_diff']:.2g} "
        f"over its {verified['values']:,} values ({verified['beyond_tolerance']:,} beyond "
        f"|difference| ≤ {tol.get('absolute', 0):g} + {tol.get('relative', 0):g} × |expected|)"
    )


def model_version_metric(metrics: dict | None, key: str) -> tuple[float | None, bool]:
    """(value, whether it is the mean over the job's folds) of a pixel (``METRIC_LABELS``) or
    nucleus (``OBJECT_LABELS``) metric: a fold's own, else a final model's cross-validation mean;
    None for versions scored before nuclei were (never 0)."""
    metrics = metrics or {}
    own = metrics if key in METRIC_LABELS else metrics.get("objects") or {}
    if own.get(key) is not None:
        return own[key], False
    return (metrics.get("cross_validation") or {}).get(key), True


def _metric_value(version: ModelVersion, key: str) -> float | None:
    return model_version_metric(version.metrics, key)[0]


def model_version_compare(*, project: Project, ids: list[int]) -> dict[str, Any]:
    """Versions side by side: one row per metric or setting, one column per version."""
    versions = list(
        ModelVersion.objects.filter(project=project, pk__in=ids).select_related(
            "created_by", "snapshot", "fold"
        )
    )
    found = {v.pk for v in versions}
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise Http404(f"No model version {missing[0]} in this project.")
    versions.sort(key=lambda v: ids.index(v.pk))
    rows = []
    for key, label in (METRIC_LABELS | OBJECT_LABELS).items():
        values = [_metric_value(v, key) for v in versions]
        numeric = [x for x in values if isinstance(x, int | float)]
        best = max(numeric) if numeric else None
        rows.append({"key": key, "label": label, "values": values, "best": best})
    settings_rows = [
        ("arch", "Network", lambda v: arch_label(v.arch)),
        ("kind", "Kind", lambda v: v.get_kind_display()),
        ("input_size", "Input size", lambda v: v.config.get("input_size")),
        ("epochs", "Epochs", lambda v: v.config.get("epochs")),
        ("batch_size", "Batch size", lambda v: v.config.get("batch_size")),
        ("lr", "Learning rate", lambda v: v.config.get("lr")),
        ("loss", "Loss", lambda v: v.config.get("loss")),
        (
            "gt_source",
            "Ground truth",
            lambda v: v.snapshot.source if v.snapshot else v.config.get("gt_source"),
        ),
        (
            "val_specimens",
            "Held-out specimens",
            lambda v: ", ".join(s.get("name", "") for s in v.val_specimens),
        ),
        ("code_version", "Code version", lambda v: v.code_version),
    ]
    return {
        "versions": [model_version_public(v) for v in versions],
        "metrics": rows,
        "settings": [
            {"key": k, "label": lbl, "values": [get(v) for v in versions]}
            for k, lbl, get in settings_rows
        ],
    }


def active_version_or_refuse(project: Project, refusal: str) -> ModelVersion:
    """The project's active model version; 409 ``no_active_model`` with ``refusal`` (what the
    caller needed it for, and how to get one) when it has none."""
    version = ModelVersion.objects.filter(project=project, is_active=True).first()
    if version is None:
        raise ConflictError(refusal, code="no_active_model")
    return version
