"""ImportOptions: one record of how to import a file, kept by an import job as JSON."""

from __future__ import annotations

import io
import json
from dataclasses import replace

import numpy as np
import pytest
import tifffile
from django.core.files.uploadedfile import SimpleUploadedFile

from annotations.models import ImportJob
from annotations.services.imports import ImportOptions
from tests.data_files import ri_stack

FULL = ImportOptions(
    modality="brightfield",
    channel="DAPI",
    dataset="/exp/image",
    time_index=3,
    lab="KAIST",
    voxel_size=(0.2, 0.1, 0.1),
    channel_axis=1,
    channel_names=("bf", "phase", "hoechst"),
    stain_channels=("hoechst",),
    frame_interval_min=2.5,
)

# The options as the import services stored them in a job's params before the record existed.
STORED_KEYS = {
    "modality",
    "channel",
    "dataset",
    "time_index",
    "lab",
    "voxel_size",
    "channel_axis",
    "channel_names",
    "stain_channels",
    "frame_interval_min",
}


def _tiff(name: str, data: np.ndarray) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    tifffile.imwrite(buffer, data)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/tiff")


def test_the_options_come_back_whole_from_a_job_s_json():
    stored = json.loads(json.dumps(FULL.to_dict()))

    assert set(stored) == STORED_KEYS
    assert ImportOptions.from_dict(stored) == FULL


def test_a_first_time_point_is_kept_beside_those_keys_only_when_given():
    chunk = replace(FULL, time_index=None, first_time_index=10)
    stored = json.loads(json.dumps(chunk.to_dict()))

    assert set(stored) == STORED_KEYS | {"first_time_index"}
    assert stored["first_time_index"] == 10
    assert ImportOptions.from_dict(stored) == chunk


def test_a_job_stored_before_the_record_is_read_with_its_own_values():
    params = {
        "specimen_name": "field-01",
        "modality": "brightfield",
        "channel": "",
        "dataset": "",
        "time_index": 0,
        "lab": "KAIST",
        "voxel_size": [0.2, 0.1, 0.1],
        "sha256": "0" * 64,
        "size_bytes": 1024,
        "companions": [],
        "channel_axis": 0,
        "channel_names": ["bf", "hoechst"],
        "stain_channels": ["hoechst"],
        "frame_interval_min": None,
    }

    options = ImportOptions.from_dict(params)

    assert options == ImportOptions(
        modality="brightfield",
        time_index=0,
        lab="KAIST",
        voxel_size=(0.2, 0.1, 0.1),
        channel_axis=0,
        channel_names=("bf", "hoechst"),
        stain_channels=("hoechst",),
    )
    assert options.to_dict() == {key: params[key] for key in STORED_KEYS}


def test_keys_left_out_of_a_stored_job_take_their_defaults():
    options = ImportOptions.from_dict({"specimen_name": "c", "modality": "ri", "channel": None})
    assert options == ImportOptions(modality="ri")
    assert options.dataset == "" and options.voxel_size is None and options.channel_names == ()


def test_take_parts_the_options_from_what_else_a_service_takes():
    upload = object()
    options, rest = ImportOptions.take(
        {"upload": upload, "specimen_name": "c", "modality": "ri", "lab": "KAIST", "time_index": 2}
    )
    assert options == ImportOptions(modality="ri", lab="KAIST", time_index=2)
    assert rest == {"upload": upload, "specimen_name": "c"}


def test_a_field_s_stain_keeps_the_origin_but_not_the_label_free_channels():
    stain = FULL.stain("Hoechst", 4)
    assert (stain.modality, stain.channel, stain.time_index) == ("fluorescence", "Hoechst", 4)
    assert (stain.lab, stain.voxel_size, stain.frame_interval_min) == (
        "KAIST",
        (0.2, 0.1, 0.1),
        2.5,
    )
    assert (stain.channel_axis, stain.channel_names, stain.stain_channels) == (None, (), ())
    assert FULL.frame(7) == ImportOptions(**{**FULL.to_dict(), "time_index": 7})


def test_channel_names_given_as_text_are_split():
    options = ImportOptions(
        modality="brightfield", channel_names="bf, hoechst", stain_channels="hoechst"
    )
    assert options.channel_names == ("bf", "hoechst")
    assert options.stain_channels == ("hoechst",)


def _queued_params(client, endpoint: str, data: dict) -> dict:
    """The params of the one job an upload to the project's ``endpoint`` queued."""
    response = client.post(f"/api/projects/lab/{endpoint}", data, format="multipart")
    assert response.status_code == 202, response.content
    return ImportJob.objects.get().params


@pytest.mark.django_db
def test_an_uploaded_file_s_job_keeps_its_options_under_the_keys_it_always_had(
    api, manager, media_root
):
    buffer = io.BytesIO()
    np.save(buffer, ri_stack())
    upload = SimpleUploadedFile("ri.npy", buffer.getvalue())
    sent = {"lab": "KAIST", "voxel_size": "0.2,0.1,0.1", "frame_interval": "5"}

    params = _queued_params(
        api(manager), "imports/", {"file": upload, "specimen": "c", "modality": "ri"} | sent
    )

    assert set(params) == STORED_KEYS | {"specimen_name", "sha256", "size_bytes"}
    assert {key: params[key] for key in STORED_KEYS} == {
        "modality": "ri",
        "channel": "",
        "dataset": "",
        "time_index": None,
        "lab": "KAIST",
        "voxel_size": [0.2, 0.1, 0.1],
        "channel_axis": None,
        "channel_names": [],
        "stain_channels": [],
        "frame_interval_min": 5.0,
    }


@pytest.mark.django_db
def test_a_field_s_job_keeps_its_options_and_its_stain_as_a_companion(api, manager, media_root):
    rng = np.random.default_rng(0)
    files = [
        _tiff("dish_f01_c1.tif", rng.random((40, 40)).astype(np.float32)),
        _tiff("dish_f01_c2.tif", (900 * rng.random((40, 40))).astype("u2")),
    ]

    params = _queued_params(
        api(manager),
        "imports/batch/",
        {"files": files, "modality": "phase", "stain_name": "Hoechst", "lab": "KAIST"},
    )

    assert set(params) == STORED_KEYS | {"specimen_name", "sha256", "size_bytes", "companions"}
    assert ImportOptions.from_dict(params) == ImportOptions(modality="phase", lab="KAIST")
    [companion] = params["companions"]
    assert set(companion) == {
        "staged_path",
        "original_name",
        "sha256",
        "modality",
        "channel",
        "time_index",
    }
    assert (companion["modality"], companion["channel"], companion["time_index"]) == (
        "fluorescence",
        "Hoechst",
        None,
    )
