"""The specimen page's Delete specimen: a manager takes back an import that was read the wrong
way (here a 4D array whose first axis held channels, read as time points) and imports the same
file again with the right options; a specimen anything was made from stays."""

from __future__ import annotations

import numpy as np
import pytest

from annotations.models import GroundTruth, GroundTruthSource, Section, SourceFile, Specimen
from annotations.services.specimen_removal import specimen_delete
from cellweb.errors import ConflictError
from tests.api.test_import_api import npy_bytes, upload
from tests.conftest import signed_in
from tests.data_files import files_under

pytestmark = pytest.mark.django_db

# Two channels (phase, Hoechst) of a 3-plane field: read as time points unless told.
FIELD = np.stack([np.full((3, 32, 32), 1000, np.uint16), np.full((3, 32, 32), 50, np.uint16)])


def _import(client, capture, **fields):
    with capture(execute=True):
        answer = upload(client, "field.npy", npy_bytes(FIELD), specimen="f1", **fields)
    return answer


def test_a_misread_import_is_deleted_and_the_same_file_imported_again(
    api, manager, media_root, eager_tasks, django_capture_on_commit_callbacks
):
    client = api(manager)
    assert _import(client, django_capture_on_commit_callbacks, modality="phase").status_code == 202
    specimen = Specimen.objects.get(name="f1")
    assert specimen.volumes.count() == 2  # two "time points": the misreading
    assert _import(client, django_capture_on_commit_callbacks, modality="phase").status_code == 409
    assert files_under(media_root / "volumes") != []

    page = signed_in(manager)
    assert 'id="specimen-delete-form"' in page.get(f"/specimens/{specimen.pk}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        answer = page.post(f"/specimens/{specimen.pk}/delete/")
    assert answer.status_code == 302 and answer["Location"] == "/projects/lab/"
    assert not Specimen.objects.filter(pk=specimen.pk).exists()
    assert not SourceFile.objects.exists()
    assert files_under(media_root / "volumes") == []

    again = _import(
        client,
        django_capture_on_commit_callbacks,
        modality="phase",
        channel_axis="0",
        channels="phase,hoechst",
        stain_channels="hoechst",
    )
    assert again.status_code == 202, again.content
    volumes = Specimen.objects.get(name="f1").volumes
    assert sorted(volumes.values_list("modality", "time_index")) == [
        ("fluorescence", 0),
        ("phase", 0),
    ]


def test_a_specimen_with_annotations_or_ground_truth_is_kept(annotated_section, manager):
    specimen = annotated_section.specimen
    answer = signed_in(manager).post(f"/specimens/{specimen.pk}/delete/")
    assert answer.status_code == 409
    assert "2 annotations" in answer.content.decode()
    assert Specimen.objects.filter(pk=specimen.pk).exists()


def test_ground_truth_alone_keeps_a_specimen(specimen, make_volume, manager):
    volume = make_volume(specimen, shape=(1, 16, 16))
    section = Section.objects.get(volume=volume)
    GroundTruth.objects.create(
        section=section, source=GroundTruthSource.IMPORTED, mask_png=b"", version=1
    )
    with pytest.raises(ConflictError, match="1 ground-truth mask"):
        specimen_delete(specimen=specimen)


def test_only_managers_delete_specimens(specimen, make_volume, annotator, reviewer, outsider):
    make_volume(specimen, shape=(1, 16, 16))
    url = f"/specimens/{specimen.pk}/delete/"
    assert signed_in(annotator).post(url).status_code == 403
    assert signed_in(reviewer).post(url).status_code == 403
    assert signed_in(outsider).post(url).status_code == 404
    assert (
        'id="specimen-delete-form"'
        not in signed_in(annotator).get(f"/specimens/{specimen.pk}/").content.decode()
    )
    assert Specimen.objects.filter(pk=specimen.pk).exists()
