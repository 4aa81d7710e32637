"""Import a bioimage.io package or a plain PyTorch state dict as a model version "imported"."""

from __future__ import annotations

from pathlib import Path

from annotations.models import Project, Role
from annotations.permissions import require_role
from cellweb.errors import InvalidInput, PayloadTooLarge
from inference.ml.import_bioimageio import ImportedWeights, check_model_file, read_model_file
from inference.ml.nets import model_label
from inference.ml.tiling import tile_size_error
from inference.ml.weights import WeightsError
from inference.models import ModelVersion, ModelVersionKind, ModelVersionProvenance
from inference.services.model_versions import model_version_create, weights_payload

# The largest registry network (Unet64) packs to ~320 MB with its TorchScript copy.
MAX_IMPORT_BYTES = 1 << 30


def import_size_check(size: int) -> None:
    """A model file over ``MAX_IMPORT_BYTES`` is refused (413) before it is read."""
    if size > MAX_IMPORT_BYTES:
        raise PayloadTooLarge(
            f"The file is {size / 2**20:.0f} MiB; a model file is at most "
            f"{MAX_IMPORT_BYTES / 2**20:.0f} MiB."
        )


def model_file_check(path: Path, *, arch: str | None) -> None:
    """The quick checks of an upload, made while its manager waits (``check_model_file``): its
    size, a package's archive and description, its network and input size; ``InvalidInput``
    with the reason, in the words the import gives. The weights are read by the import."""
    import_size_check(Path(path).stat().st_size)
    try:
        arch, input_size = check_model_file(Path(path), arch=arch or None)
    except WeightsError as exc:
        raise InvalidInput(str(exc)) from None
    if reason := tile_size_error(arch, input_size):
        raise InvalidInput(reason)  # it could never predict a field (docs/tiling.md)


def model_file_read(path: Path, *, arch: str | None) -> ImportedWeights:
    """``path`` read and checked, a package's test input run through the network
    (``InvalidInput`` with the reason when it cannot be used)."""
    import_size_check(Path(path).stat().st_size)
    try:
        imported = read_model_file(Path(path), arch=arch or None)
    except WeightsError as exc:
        raise InvalidInput(str(exc)) from None
    if reason := tile_size_error(imported.arch, imported.input_size):
        raise InvalidInput(reason)  # it could never predict a field (docs/tiling.md)
    return imported


def model_version_import(
    *,
    project: Project,
    user,
    path: Path,
    filename: str,
    arch: str | None = None,
    name: str = "",
    created_by=None,
) -> ModelVersion:
    """Read and check ``path`` (nothing is written when it cannot be used), then store it.

    ``arch`` names the registry network for a state dict that does not say; for a file that does
    say, it must agree. ``filename`` is the name the user gave the file (kept as its origin).
    ``user`` must manage the project (None: a command); ``created_by`` records who imported
    when no ``user`` is checked here (a job, whose launcher was checked at launch)."""
    if user is not None:
        require_role(user, project, Role.MANAGER)
    path = Path(path)
    imported = model_file_read(path, arch=arch)
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
        "bytes": path.stat().st_size,
        **imported.details,
    }
    return model_version_create(
        project=project,
        name=f"{model_label(imported.arch)} · imported · {label}",
        arch=imported.arch,
        weights=weights,
        kind=ModelVersionKind.IMPORTED,
        config={"arch": imported.arch, "input_size": imported.input_size, **imported.outputs},
        created_by=user or created_by,
        provenance=ModelVersionProvenance.IMPORTED,
        origin=origin,
    )
