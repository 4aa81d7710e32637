"""Taking back an import: a manager deletes a specimen that nothing was made from yet (no
annotation, ground truth, evaluation or prediction), so a file read the wrong way (axes,
modality, voxel size) can be imported again with the right options. Its volumes' files go, and
so does the record of the files it came from, which would otherwise refuse the same file again
as a duplicate (``annotations/services/imports/duplicates.py``)."""

from __future__ import annotations

from collections.abc import Callable

from django.core.files.storage import default_storage
from django.db import transaction

from annotations.models import Annotation, GroundTruth, SourceFile, Specimen, Volume
from cellweb.errors import ConflictError

# Other apps that keep results of a specimen (inference: evaluations, predictions) register a
# function of the specimen that names what it holds ("scored by evaluation #3"), or "".
_KEEPERS: list[Callable[[Specimen], str]] = []


def specimen_keeper_register(keeper: Callable[[Specimen], str]) -> None:
    if keeper not in _KEEPERS:
        _KEEPERS.append(keeper)


def _work_on(specimen: Specimen) -> list[str]:
    """What was made from ``specimen`` and would be lost with it."""
    found = []
    annotations = Annotation.objects.filter(section__specimen=specimen).count()
    if annotations:
        found.append(f"{annotations} annotation{'s' if annotations != 1 else ''}")
    truths = GroundTruth.objects.filter(section__specimen=specimen).count()
    if truths:
        found.append(f"{truths} ground-truth mask{'s' if truths != 1 else ''}")
    found += [said for keeper in _KEEPERS if (said := keeper(specimen))]
    return found


@transaction.atomic
def specimen_delete(*, specimen: Specimen) -> str:
    """Delete ``specimen`` with its volumes and sections (managers only; checked by the
    caller); 409 when something was made from it. Answers its name."""
    specimen = Specimen.objects.select_for_update().get(pk=specimen.pk)
    made = _work_on(specimen)
    if made:
        raise ConflictError(
            f"Specimen “{specimen.name}” was not deleted: it holds {', '.join(made)}, which "
            "would be lost with it.",
            code="specimen_in_use",
        )
    volumes = Volume.objects.filter(specimen=specimen)
    files = [name for name in volumes.values_list("data", flat=True) if name]
    sources = set(volumes.exclude(source_file=None).values_list("source_file", flat=True))
    name = specimen.name
    specimen.delete()
    # A file that also filled another specimen (a batch's field, a stain added later) stays
    # recorded for that one.
    SourceFile.objects.filter(pk__in=sources, volumes=None).delete()
    transaction.on_commit(lambda: _delete_files(files))
    return name


def _delete_files(names: list[str]) -> None:
    for name in names:
        if default_storage.exists(name):
            default_storage.delete(name)
