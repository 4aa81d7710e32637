"""A stain saved as a channel of the label-free file (bright-field + Hoechst in one TIFF): named a
stain channel, it is stored as the paired fluorescence volume and the other channels stay the
label-free image (docs/channels.md)."""

from __future__ import annotations

import io

import numpy as np
import pytest
import tifffile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from annotations.models import Section, SourceFile, Volume
from annotations.services.imports import ImportOptions, import_file, inspect_file
from annotations.services.volumes import volume_array
from cellweb.errors import InvalidInput
from tests.api.test_import_api import npy_bytes, upload
from tests.conftest import signed_in
from tests.data_files import files_under
from tests.unit.test_multichannel_import import bf_phase_field

pytestmark = pytest.mark.django_db


def bf_hoechst_stack(n_z: int = 3, seed: int = 0) -> np.ndarray:
    """(z, c, y, x): a bright-field image (dark nucleus) and its Hoechst stain (bright nucleus)."""
    planes = []
    for z in range(n_z):
        bf, phase = bf_phase_field(seed=seed + z)
        planes.append(np.stack([bf, 200 + 3000 * phase]))
    return np.stack(planes).astype(np.float32)


def write_tiff(path, stack: np.ndarray, *, imagej: bool) -> dict:
    """``stack`` as a TIFF; the options that tell its channels (an ImageJ TIFF declares its C
    axis, a plain one needs the channel axis)."""
    if imagej:
        tifffile.imwrite(path, stack, imagej=True, metadata={"axes": "ZCYX"})
        return {}
    tifffile.imwrite(path, stack)
    return {"channel_axis": 1}


def _import(path, project, **kwargs):
    params = {"specimen_name": "field-01", "modality": "brightfield"} | kwargs
    options, rest = ImportOptions.take(params)
    return import_file(path=path, project=project, options=options, **rest)


def test_inspect_file_turns_the_stain_channel_into_a_fluorescence_handle(tmp_path):
    path = tmp_path / "field.tif"
    options = write_tiff(path, bf_hoechst_stack(), imagej=False)

    _source, handles = inspect_file(
        path=path,
        options=ImportOptions(
            modality="brightfield",
            channel_names=["bf", "hoechst"],
            stain_channels=["hoechst"],
            **options,
        ),
    )

    assert [(h.kind, h.channel, h.time_index, h.units) for h in handles] == [
        ("label_free", "", 0, "intensity"),
        ("fluorescence", "hoechst", 0, "intensity"),
    ]


@pytest.mark.parametrize("imagej", [False, True], ids=["plain-tiff", "imagej-tiff"])
def test_a_bf_hoechst_tiff_is_a_label_free_volume_and_its_paired_stain(
    project, tmp_path, media_root, imagej
):
    stack = bf_hoechst_stack()
    path = tmp_path / "field.tif"
    options = write_tiff(path, stack, imagej=imagej)

    result = _import(
        path, project, channel_names=["bf", "hoechst"], stain_channels=["hoechst"], **options
    )

    assert result.volumes == [
        ("brightfield", "", 0, (3, 48, 64)),
        ("fluorescence", "hoechst", 0, (3, 48, 64)),
    ]
    bf = Volume.objects.get(modality="brightfield")
    hoechst = Volume.objects.get(modality="fluorescence")
    assert bf.channel_names == [] and hoechst.channel == "hoechst"
    assert hoechst.paired_with == bf
    np.testing.assert_array_equal(volume_array(bf), stack[:, 0])
    np.testing.assert_array_equal(volume_array(hoechst), stack[:, 1])
    sections = Section.objects.filter(volume=bf).order_by("z")
    assert [(s.z, s.fluorescence.volume_id, s.fluorescence.z) for s in sections] == [
        (z, hoechst.pk, z) for z in range(3)
    ]
    assert SourceFile.objects.count() == 1
    assert {bf.source_file_id, hoechst.source_file_id} == {SourceFile.objects.get().pk}


def test_the_other_channels_stay_one_multi_channel_label_free_image(project, tmp_path, media_root):
    bf, phase = bf_phase_field()
    field = np.stack([bf, phase, 200 + 3000 * phase]).astype(np.float32)  # (c, y, x)
    tifffile.imwrite(tmp_path / "field.tif", field, photometric="minisblack")

    result = _import(
        tmp_path / "field.tif",
        project,
        channel_axis=0,
        channel_names=["bf", "phase", "hoechst"],
        stain_channels="hoechst",
    )

    assert [volume[:2] for volume in result.volumes] == [
        ("brightfield", ""),
        ("fluorescence", "hoechst"),
    ]
    label_free = Volume.objects.get(modality="brightfield")
    assert label_free.channel_names == ["bf", "phase"]
    assert Volume.objects.get(modality="fluorescence").paired_with == label_free


@pytest.mark.parametrize(
    "options, message",
    [
        (
            {"stain_channels": ["dapi"]},
            "The stain channel “dapi” is not among the channels (bf, hoechst)",
        ),
        ({"stain_channels": ["bf", "hoechst"]}, "Every channel is named a stain"),
        ({"stain_channels": ["hoechst"], "modality": "fluorescence"}, "is not label-free"),
        (
            {"stain_channels": ["hoechst"], "channel_names": []},
            "give the channels too",
        ),
    ],
    ids=["unknown", "every-channel", "not-label-free", "no-channels"],
)
def test_stain_channels_that_do_not_fit_are_refused_and_nothing_is_stored(
    project, tmp_path, media_root, options, message
):
    path = tmp_path / "field.tif"
    write_tiff(path, bf_hoechst_stack(), imagej=False)
    params = {"channel_axis": 1, "channel_names": ["bf", "hoechst"]} | options

    with pytest.raises(InvalidInput) as refused:
        _import(path, project, **params)

    assert message in refused.value.message
    assert refused.value.status_code == 400
    assert not Volume.objects.exists() and not SourceFile.objects.exists()


def test_the_upload_takes_the_stain_channels(
    api, manager, media_root, eager_tasks, django_capture_on_commit_callbacks
):
    field = bf_hoechst_stack(n_z=1)[0]  # (c, y, x)
    client = api(manager)
    fields = {"modality": "brightfield", "channels": "bf,hoechst", "channel_axis": 0}
    refused = upload(client, "f.npy", npy_bytes(field), stain_channels="dapi", **fields)
    assert refused.status_code == 400
    assert "“dapi” is not among the channels" in refused.json()["detail"]

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, "f.npy", npy_bytes(field), stain_channels="hoechst", **fields)

    assert response.status_code == 202, response.content
    status = client.get(f"/api/import-jobs/{response.json()['id']}/").json()
    assert status["status"] == "succeeded", status
    assert [(v["modality"], v["channel"]) for v in status["result"]["volumes"]] == [
        ("brightfield", ""),
        ("fluorescence", "hoechst"),
    ]
    hoechst = Volume.objects.get(modality="fluorescence", channel="hoechst")
    assert hoechst.paired_with == Volume.objects.get(modality="brightfield")
    np.testing.assert_array_equal(volume_array(hoechst)[0], field[1])


def test_the_import_page_takes_the_stain_channels(
    manager, media_root, eager_tasks, django_capture_on_commit_callbacks
):
    client = signed_in(manager)
    assert 'name="stain_channels"' in client.get("/projects/lab/import/").content.decode()
    field = bf_hoechst_stack(n_z=1)[0]  # (c, y, x)

    def post(stains: str):
        data = {"specimen": "f1", "modality": "brightfield", "channels": "bf,hoechst"}
        data |= {"channel_axis": "0", "stain_channels": stains}
        data["file"] = SimpleUploadedFile("f.npy", npy_bytes(field))
        return client.post("/projects/lab/import/", data)

    refused = post("bf,hoechst")
    assert (
        refused.status_code == 400 and "Every channel is named a stain" in refused.content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = post("hoechst")

    assert response.status_code == 302
    hoechst = Volume.objects.get(modality="fluorescence", channel="hoechst")
    assert hoechst.paired_with == Volume.objects.get(modality="brightfield")


def test_import_volume_takes_stain_channels(project, tmp_path, media_root):
    path = tmp_path / "field.tif"
    write_tiff(path, bf_hoechst_stack(), imagej=False)
    args = ["import_volume", str(path), "--project", project.slug, "--specimen", "f1"]
    args += ["--modality", "brightfield", "--channel-axis", "1", "--channels", "bf,hoechst"]
    out = io.StringIO()

    with pytest.raises(CommandError, match="“dapi” is not among the channels"):
        call_command(*args, "--stain-channels", "dapi", stdout=out)
    call_command(*args, "--stain-channels", "hoechst", stdout=out)

    assert "fluorescence hoechst" in out.getvalue()
    hoechst = Volume.objects.get(modality="fluorescence", channel="hoechst")
    assert hoechst.paired_with == Volume.objects.get(modality="brightfield", channel="")


def test_import_folder_takes_stain_channels(project, tmp_path, media_root):
    folder = tmp_path / "dish"
    folder.mkdir()
    for i in range(2):
        write_tiff(folder / f"field{i}_c1.tif", bf_hoechst_stack(n_z=2, seed=10 * i), imagej=False)
    args = ["--modality", "brightfield", "--channel-axis", "1", "--channels", "bf,hoechst"]

    call_command(
        "import_folder",
        str(folder),
        "--project",
        project.slug,
        *args,
        "--stain-channels",
        "hoechst",
        stdout=io.StringIO(),
        verbosity=0,
    )

    stains = Volume.objects.filter(modality="fluorescence", channel="hoechst")
    assert sorted(stains.values_list("specimen__name", flat=True)) == ["field0", "field1"]
    assert all(stain.paired_with.modality == "brightfield" for stain in stains)


def test_a_folder_upload_takes_stain_channels(
    api, manager, media_root, eager_tasks, django_capture_on_commit_callbacks
):
    client = api(manager)

    def post(stains: str):
        files = [
            SimpleUploadedFile(f"field{i}_c1.npy", npy_bytes(bf_hoechst_stack(2, seed=10 * i)))
            for i in range(2)
        ]
        data = {"files": files, "modality": "brightfield", "channels": "bf,hoechst"}
        data |= {"channel_axis": 1, "stain_channels": stains}
        return client.post("/api/projects/lab/imports/batch/", data, format="multipart")

    refused = post("bf,hoechst")
    assert (
        refused.status_code == 400 and "Every channel is named a stain" in refused.json()["detail"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = post("hoechst")

    assert response.status_code == 202, response.content
    assert len(response.json()["queued"]) == 2 and response.json()["refused"] == []
    stains = Volume.objects.filter(modality="fluorescence", channel="hoechst")
    assert sorted(stains.values_list("specimen__name", flat=True)) == ["field0", "field1"]
    assert all(stain.paired_with.modality == "brightfield" for stain in stains)


def test_a_stain_channel_and_a_stain_file_of_the_same_name_are_refused_at_upload(
    api, manager, media_root, eager_tasks, django_capture_on_commit_callbacks
):
    """Both would be the field's "fluorescence hoechst" volume: the field is refused when it is
    checked, before a job is queued, and nothing is stored."""
    stack = bf_hoechst_stack(2)
    files = [
        SimpleUploadedFile("field0_c1.npy", npy_bytes(stack)),
        SimpleUploadedFile("field0_c2.npy", npy_bytes(stack[:, 1])),
    ]
    data = {"files": files, "modality": "brightfield", "channels": "bf,hoechst"}
    data |= {"channel_axis": 1, "stain_channels": "hoechst", "stain_name": "hoechst"}
    with django_capture_on_commit_callbacks(execute=True):
        response = api(manager).post("/api/projects/lab/imports/batch/", data, format="multipart")

    answer = response.json()
    assert answer["queued"] == [], answer
    assert len(answer["refused"]) == 1
    assert "holds two fluorescence hoechst volumes" in str(answer["refused"][0])
    assert not Volume.objects.exists() and not SourceFile.objects.exists()
    assert files_under(media_root / "staging") == []
