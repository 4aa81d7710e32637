"""Export a model version as a bioimage.io package, its provenance attached."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, BinaryIO

from annotations.permissions import require_role
from cellweb.errors import InvalidInput
from inference.ml.bioimageio_io import PackageIO
from inference.ml.export_bioimageio import write_package
from inference.ml.heads import HeadLayout
from inference.models import ModelVersion
from inference.output_classes import version_outputs
from inference.services.model_versions import model_version_load, require_segmentation


def model_version_provenance(version: ModelVersion) -> dict[str, Any]:
    """Everything known about where ``version``'s weights came from, as plain JSON values."""
    parent = version.parent
    return {
        "cellweb_model_version": version.pk,
        "name": version.name,
        "project": version.project.slug,
        "arch": version.arch,
        "kind": version.kind,
        "provenance": version.provenance,
        "parent": {"id": parent.pk, "name": parent.name, "arch": parent.arch} if parent else None,
        "origin": version.origin,
        "training_job": version.job_id,
        "config": version.config,
        "ground_truth_snapshot": version.snapshot_id,
        "train_specimens": version.train_specimens,
        "val_specimens": version.val_specimens,
        "metrics": version.metrics,
        "code_version": version.code_version,
        "created_at": version.created_at.isoformat(),
        "created_by": version.created_by.get_username() if version.created_by else None,
    }


def package_io(version: ModelVersion, meta: dict[str, Any]) -> PackageIO:
    """The package's tensors for ``version``: its recorded classes and head layout
    (docs/labels.md), its input channels and their names, the modality it was trained on."""
    recorded = version_outputs(version.config or {})
    layout, classes = recorded if recorded is not None else (HeadLayout(), [])
    config = version.config or {}
    modalities = list(config.get("modalities") or [])
    # How the network saw its sections in training; restored on import, so it predicts alike.
    seen = {k: config[k] for k in ("native_crops", "foreground_normalise") if k in config}
    return PackageIO(
        layout=layout,
        classes=tuple(classes),
        channel_names=tuple(str(n) for n in meta.get("channel_names") or []),
        in_channels=int(meta.get("in_channels") or 1),
        modality=str((modalities or ["ri"])[0]),
        extra={"modalities": modalities, **seen},  # restored on import: what it may predict
    )


def model_version_export(*, version: ModelVersion, user, out_path: Path) -> Path:
    """Write ``version`` to ``out_path`` as a validated bioimage.io zip (any project member).

    Writes the file only: no row changes, so the page and the API can run it on a GET."""
    if user is not None:
        require_role(user, version.project)
    # A bioimage.io package describes its output as a nucleus probability; an in-silico-labelling
    # version predicts the stain instead, so it is refused (409) rather than mislabelled.
    require_segmentation(version)
    model, meta = model_version_load(version)
    input_size = int(meta.get("input_size") or version.config.get("input_size") or 448)
    author = version.created_by.get_username() if version.created_by else "CellWeb user"
    try:
        return write_package(
            model=model,
            arch=meta.get("arch", version.arch),
            input_size=input_size,
            name=version.name,
            out_path=Path(out_path),
            provenance=model_version_provenance(version),
            authors=[author],
            version=str(version.pk),
            io=package_io(version, meta),
        )
    except ValueError as exc:
        raise InvalidInput(f"The package did not validate: {str(exc)[:500]}") from None


def model_version_export_file(*, version: ModelVersion, user) -> BinaryIO:
    """The package as an open file that is already unlinked: it vanishes once closed."""
    with tempfile.TemporaryDirectory(prefix="cw-export-") as tmp:
        path = model_version_export(version=version, user=user, out_path=Path(tmp) / "model.zip")
        return path.open("rb")
