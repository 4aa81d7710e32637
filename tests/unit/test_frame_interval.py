"""The time between frames, read where a TIFF records it (ImageJ ``finterval`` with ``tunit``,
OME ``TimeIncrement`` with its unit) or given at import, stored on the specimen in minutes."""

from __future__ import annotations

import io

import numpy as np
import pytest
import tifffile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from annotations.imaging.readers import open_image
from annotations.imaging.readers.frame_interval import (
    in_minutes,
    tcf_frame_interval,
    tiff_frame_interval,
)
from annotations.models import Specimen
from annotations.services.imports import ImportOptions, import_file
from cellweb.errors import ConflictError, InvalidInput
from tests.conftest import signed_in
from tests.data_files import write_small_tcf

STACK = np.random.default_rng(0).random((3, 24, 24)).astype(np.float32)


def imagej(path, **metadata):
    tifffile.imwrite(path, STACK, imagej=True, metadata={"axes": "TYX", **metadata})
    return path


def test_imagej_finterval_in_its_time_unit_seconds_when_none_is_said(tmp_path):
    assert tiff_frame_interval(imagej(tmp_path / "a.tif", finterval=30.0, tunit="min")) == 30
    assert tiff_frame_interval(imagej(tmp_path / "b.tif", finterval=90.0)) == 1.5  # seconds
    assert tiff_frame_interval(imagej(tmp_path / "c.tif", finterval=2, tunit="hour")) == 120
    assert tiff_frame_interval(imagej(tmp_path / "d.tif")) is None
    assert tiff_frame_interval(imagej(tmp_path / "e.tif", finterval=5, tunit="fortnights")) is None
    assert tiff_frame_interval(imagej(tmp_path / "f.tif", finterval=0)) is None


def test_ome_time_increment_with_its_unit(tmp_path):
    path = tmp_path / "a.ome.tif"
    metadata = {"axes": "TYX", "TimeIncrement": 2.5, "TimeIncrementUnit": "min"}
    tifffile.imwrite(path, STACK, ome=True, metadata=metadata)
    assert tiff_frame_interval(path) == 2.5
    seconds = tmp_path / "b.ome.tif"
    tifffile.imwrite(seconds, STACK, ome=True, metadata={"axes": "TYX", "TimeIncrement": 45})
    assert tiff_frame_interval(seconds) == 0.75
    assert open_image(seconds, modality="phase").frame_interval_min == 0.75
    plain = tmp_path / "plain.tif"
    tifffile.imwrite(plain, STACK)
    assert tiff_frame_interval(plain) is None


def test_unit_conversion_keeps_no_float_noise():
    assert in_minutes(0.1, "s") * 60 == pytest.approx(0.1)
    assert in_minutes("6", "sec") == 0.1
    assert in_minutes("x", "min") is None


@pytest.mark.django_db
def test_the_import_stores_the_file_s_interval_or_the_given_one_on_the_specimen(
    tmp_path, project, media_root
):
    path = imagej(tmp_path / "tl.tif", finterval=300.0, tunit="sec")
    import_file(
        path=path, project=project, specimen_name="tl", options=ImportOptions(modality="phase")
    )
    assert Specimen.objects.get(name="tl").frame_interval_min == 5

    other = tmp_path / "other.tif"
    tifffile.imwrite(other, STACK[:1] + 1)
    import_file(
        path=other,
        project=project,
        specimen_name="given",
        options=ImportOptions(modality="phase", frame_interval_min=0.5),
    )
    assert Specimen.objects.get(name="given").frame_interval_min == 0.5

    plain = tmp_path / "plain.tif"
    tifffile.imwrite(plain, STACK[:1] + 2)
    import_file(
        path=plain, project=project, specimen_name="none", options=ImportOptions(modality="phase")
    )
    assert Specimen.objects.get(name="none").frame_interval_min is None


@pytest.mark.django_db
def test_a_second_interval_for_a_specimen_or_a_bad_one_is_refused(tmp_path, project, media_root):
    first = tmp_path / "t0.tif"
    tifffile.imwrite(first, STACK[:1])
    import_file(
        path=first,
        project=project,
        specimen_name="tl",
        options=ImportOptions(modality="phase", time_index=0, frame_interval_min=5),
    )
    second = tmp_path / "t1.tif"
    tifffile.imwrite(second, STACK[1:2])
    with pytest.raises(ConflictError, match="are 5 min apart, but this import says 10 min"):
        import_file(
            path=second,
            project=project,
            specimen_name="tl",
            options=ImportOptions(modality="phase", time_index=1, frame_interval_min=10),
        )
    assert Specimen.objects.get(name="tl").volumes.count() == 1
    with pytest.raises(InvalidInput, match="above 0"):
        import_file(
            path=second,
            project=project,
            specimen_name="tl",
            options=ImportOptions(modality="phase", time_index=1, frame_interval_min=-1),
        )


def test_a_tcf_time_lapse_gives_its_tomogram_interval(tmp_path):
    lapse = write_small_tcf(tmp_path / "lapse.TCF", time_points=3, stain=False)
    assert tcf_frame_interval(lapse) == 10  # the demo writer's 600 s
    assert open_image(lapse, modality="ri").frame_interval_min == 10
    single = write_small_tcf(tmp_path / "one.TCF", time_points=1, stain=False)
    assert tcf_frame_interval(single) is None  # one tomogram has no interval


@pytest.mark.django_db
def test_the_single_file_imports_take_the_frame_interval(
    tmp_path, api, manager, media_root, eager_tasks, django_capture_on_commit_callbacks
):
    """A (t, y, x) time-lapse saved as .npy records no interval: the command, the API and the
    form take it."""
    lapse = tmp_path / "lapse.npy"
    np.save(lapse, STACK[:, np.newaxis])  # (t, z, y, x)
    call_command(
        "import_volume", str(lapse), "--project", "lab", "--specimen", "cmd",
        "--modality", "phase", "--frame-interval", "3",
    )  # fmt: skip
    assert Specimen.objects.get(name="cmd").frame_interval_min == 3

    buffer = io.BytesIO()
    np.save(buffer, STACK[:, np.newaxis] + 1)
    data = {"specimen": "api", "modality": "phase", "frame_interval": "0.25"}
    data["file"] = SimpleUploadedFile("lapse.npy", buffer.getvalue())
    with django_capture_on_commit_callbacks(execute=True):
        response = api(manager).post("/api/projects/lab/imports/", data, format="multipart")
    assert response.status_code == 202, response.content
    assert Specimen.objects.get(name="api").frame_interval_min == 0.25
    assert Specimen.objects.get(name="api").volumes.count() == 3

    form = {"specimen": "page", "modality": "phase", "frame_interval_min": "-2"}
    form["file"] = SimpleUploadedFile("lapse.npy", buffer.getvalue())
    refused = signed_in(manager).post("/projects/lab/import/", form)
    assert (
        refused.status_code == 400 and "frame interval must be above 0" in refused.content.decode()
    )
    assert not Specimen.objects.filter(name="page").exists()
