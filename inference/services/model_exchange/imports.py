"""Import a bioimage.io package or a plain PyTorch state dict as a model version "imported"."""

from __future__ import annotations

import tempfile
from pathlib import Path

from annotations.models import Project, Role
from annotations.permissions import require_role
from cellweb.errors import InvalidInput, PayloadTooLarge
from inference.ml.import_bioimageio import read_model_file
from inference.ml.nets import model_label
from inference.ml.tiling import tile_size_error
from inference.ml.weights import WeightsError
from inference.models import ModelVersion, ModelVersionKind, ModelVersionProvenance
from inference.services.model_versions import model_version_create, weights_payload

# The largest registry network (Unet64) packs to ~320 MB with its TorchScript copy.
MAX_IMPORT_BYTES = 1 << 30


def model_version_import(
    *, project: Project, user, path: Path, filename: str, arch: str | None = None, name: str = ""
) -> ModelVersion:
    """Read and check ``path`` (nothing is written when it cannot be used), then store it.

    ``arch`` names the registry network for a state dict that does not say; for a file that does
    say, it must agree. ``filename`` is the name the user gave the file (kept as its origin)."""
    if user is not None:
        require_role(user, project, Role.MANAGER)
    path = Path(path)
    size = path.stat().st_size
    if size > MAX_IMPORT_BYTES:
        raise PayloadTooLarge(
            f"The file is {size / 2**20:.0f} MiB; a model file is at most "
            f"{MAX_IMPORT_BYTES / 2**20:.0f} MiB."
        )
    try:
        imported = read_model_file(path, arch=arch or None)
    except WeightsError as exc:
        raise InvalidInput(str(exc)) from None
    if reason := tile_size_error(imported.arch, imported.input_size):
        raise InvalidInput(reason)  # it could never predict a field (docs/tiling.md)
    weights = weights_payload(
        imported.network(),
        arch=imported.arch,
        input_size=imported.input_size,
        channel_names=imported.channel_names,
    )
    label = name.strip() or imported.name or Path(filename).stem
    origin = {
        "filename": Path(filename).name[:200],
        "format": imported.format,
        "bytes": size,
        **imported.details,
    }
    return model_version_create(
        project=project,
        name=f"{model_label(imported.arch)} · imported · {label}",
        arch=imported.arch,
        weights=weights,
        kind=ModelVersionKind.IMPORTED,
        config={"arch": imported.arch, "input_size": imported.input_size, **imported.outputs},
        created_by=user,
        provenance=ModelVersionProvenance.IMPORTED,
        origin=origin,
    )


def model_version_import_upload(
    *, project: Project, user, upload, arch: str | None = None, name: str = ""
) -> ModelVersion:
    """``model_version_import`` of an uploaded file (the page's and the API's form field)."""
    if user is not None:
        require_role(user, project, Role.MANAGER)
    size = getattr(upload, "size", None) or 0
    if size > MAX_IMPORT_BYTES:
        raise PayloadTooLarge(
            f"The file is {size / 2**20:.0f} MiB; a model file is at most "
            f"{MAX_IMPORT_BYTES / 2**20:.0f} MiB."
        )
    with tempfile.NamedTemporaryFile(prefix="cw-model-", suffix=".upload") as tmp:
        for chunk in upload.chunks():
            tmp.write(chunk)
        tmp.flush()
        return model_version_import(
            project=project,
            user=user,
            path=Path(tmp.name),
            filename=getattr(upload, "name", "") or "upload",
            arch=arch,
            name=name,
        )
