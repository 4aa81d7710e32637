"""A file that names its channels (OME Channel Name, ImageJ labels, HDF5 dataset names) so that the
names say which is label-free and which the stain is imported without being told: the label-free
image and its paired stain, and the report says so. Names that do not say it refuse the file
with the names found; channels given by hand always win (docs/channels.md)."""

from __future__ import annotations

import io

import h5py
import numpy as np
import pytest
import tifffile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from annotations.imaging.readers.channel_roles import channel_role, channel_roles
from annotations.models import Section, SourceFile, Specimen, Volume
from annotations.services.imports import ImportOptions, import_file, inspect_file
from annotations.services.volumes import volume_array
from cellweb.errors import ConflictError, InvalidInput
from tests.api.test_import_api import upload
from tests.conftest import signed_in
from tests.unit.test_stain_channel_import import bf_hoechst_stack

PICKED = "Channels picked by their names in the file"


@pytest.mark.parametrize(
    "name",
    ["Phase", "PHASE", " phase ", "Phase contrast", "Ph1", "BF", "bf", "Brightfield"]
    + ["Bright field", "bright-field", "DIC", "TL-DIC", "RI", "Transmitted light"],
)
def test_label_free_names(name) -> None:
    assert channel_role(name) == "label_free"


@pytest.mark.parametrize(
    "name",
    ["Hoechst", "HOECHST", "hoechst 33342", "Hoechst 33342", "Hoechst33342", "H33342", "H 33258"]
    + ["DAPI", "dapi 405nm", "DAPI (405 nm)", "Hoechst_405", "  DAPI  "]
    + ["DRAQ5", "SYTOX Green", "Nuclear stain"],
)
def test_stain_names(name) -> None:
    assert channel_role(name) == "stain"


@pytest.mark.parametrize(
    "name", ["Ch1", "ch 2", "Channel 1", "C0", "405nm", "488 nm", "GFP", "BF+DAPI", "", "33342"]
)
def test_names_that_say_neither_or_both_say_nothing(name) -> None:
    assert channel_role(name) is None


@pytest.mark.parametrize(
    "names, stains, problem",
    [
        (["Phase", "Hoechst"], ("Hoechst",), ""),
        (["BF", "DIC", "DAPI 405nm"], ("DAPI 405nm",), ""),
        (["BF", "Phase"], (), ""),
        (["Ch1", "Hoechst"], ("Hoechst",), "“Ch1” does not say whether it is label-free"),
        (["Ch1", "Ch2"], (), "“Ch1”, “Ch2” do not say whether they are label-free"),
        (["Hoechst", "DAPI"], ("Hoechst", "DAPI"), "every channel is a stain"),
        (["BF", "bf"], (), "the names cannot be channel names"),
        (["BF", "Hoechst " + "x" * 40], ("Hoechst " + "x" * 40,), "cannot be channel names"),
    ],
    ids=[
        "phase-hoechst",
        "three",
        "two-label-free",
        "one-unknown",
        "none",
        "stains",
        "twice",
        "long",
    ],
)
def test_a_files_names_pick_the_channels_only_when_each_says_which(names, stains, problem) -> None:
    roles = channel_roles(names)

    assert roles.stains == stains
    assert problem in roles.problem and bool(roles.problem) == bool(problem)


def _field(seed: int = 0) -> np.ndarray:
    """(c, y, x) uint16: a label-free image and its Hoechst stain."""
    return np.clip(bf_hoechst_stack(n_z=1, seed=seed)[0], 0, 65535).astype(np.uint16)


def ome_tiff(path, stack: np.ndarray, axes: str, names: list[str], **meta) -> None:
    tifffile.imwrite(
        path, stack, ome=True, metadata={"axes": axes, "Channel": {"Name": names}} | meta
    )


def imagej_tiff(path, stack: np.ndarray, axes: str, labels: list[str]) -> None:
    """An ImageJ TIFF as Fiji saves a calibrated field: channel labels, 0.2 µm pixels, 1 µm z."""
    metadata = {"axes": axes, "Labels": labels, "spacing": 1.0, "unit": "um"}
    tifffile.imwrite(path, stack, imagej=True, resolution=(5.0, 5.0), metadata=metadata)


def hdf5_datasets(path, images: dict[str, np.ndarray]) -> None:
    with h5py.File(path, "w") as f:
        group = f.create_group("field")
        for name, image in images.items():
            group.create_dataset(name, data=image)


def _import(path, project, **options):
    return import_file(
        path=path,
        project=project,
        specimen_name="field-01",
        options=ImportOptions(**({"modality": "brightfield"} | options)),
    )


def _kinds(handles):
    return [(h.kind, h.channel) for h in handles]


@pytest.mark.parametrize("names", [["Phase", "Hoechst"], ["phase contrast", "Hoechst 33342"]])
def test_an_ome_tiff_is_read_by_its_channel_names(tmp_path, names) -> None:
    path = tmp_path / "field.ome.tif"
    ome_tiff(path, _field(), "CYX", names)

    _source, handles = inspect_file(path=path, options=ImportOptions(modality="phase"))

    assert _kinds(handles) == [("label_free", ""), ("fluorescence", names[1])]
    assert {h.info for h in handles} == {
        f"{PICKED}: {names[0]} (label-free), {names[1]} (stain). To choose otherwise, give the "
        "channels and stain channels."
    }
    assert {h.note for h in handles} == {""}


def test_a_fiji_hyperstack_labels_every_plane(tmp_path) -> None:
    """Fiji labels each plane of a (z, c, y, x) hyperstack: the channels' names repeat."""
    path = tmp_path / "field.tif"
    imagej_tiff(path, bf_hoechst_stack(n_z=3).astype(np.uint16), "ZCYX", ["BF", "DAPI"] * 3)

    _source, handles = inspect_file(path=path, options=ImportOptions(modality="brightfield"))

    assert _kinds(handles) == [("label_free", ""), ("fluorescence", "DAPI")]
    assert all(h.shape == (3, 48, 64) for h in handles)


def test_three_channels_keep_two_label_free_ones_as_one_image(tmp_path) -> None:
    bf, hoechst = _field()
    path = tmp_path / "field.tif"
    imagej_tiff(path, np.stack([bf, bf // 2, hoechst]), "CYX", ["BF", "DIC", "Hoechst"])

    _source, handles = inspect_file(path=path, options=ImportOptions(modality="brightfield"))

    assert _kinds(handles) == [
        ("label_free", "BF"),
        ("label_free", "DIC"),
        ("fluorescence", "Hoechst"),
    ]


@pytest.mark.parametrize(
    "options, kinds",
    [
        (
            {"channel_names": ["phase", "hoechst"]},
            [("label_free", "phase"), ("label_free", "hoechst")],
        ),
        (
            {"channel_names": ["ph", "nuc"], "stain_channels": ["nuc"]},
            [("label_free", ""), ("fluorescence", "nuc")],
        ),
    ],
    ids=["no-stain", "own-names"],
)
def test_channels_given_by_hand_win(tmp_path, options, kinds) -> None:
    path = tmp_path / "field.ome.tif"
    ome_tiff(path, _field(), "CYX", ["Phase", "Hoechst"])

    _source, handles = inspect_file(path=path, options=ImportOptions(modality="phase", **options))

    assert _kinds(handles) == kinds
    assert not any(h.note or h.info for h in handles)


@pytest.mark.parametrize("ome", [True, False], ids=["ome", "imagej"])
def test_names_that_do_not_say_which_refuse_the_file_naming_them(
    project, tmp_path, ome, media_root
):
    path = tmp_path / "field.tif"
    if ome:
        ome_tiff(path, _field(), "CYX", ["Ch1", "Hoechst"])
    else:
        imagej_tiff(path, _field(), "CYX", ["Ch1", "Hoechst"])

    with pytest.raises(InvalidInput) as refused:
        _import(path, project)

    message = refused.value.message
    assert "'field.tif' has 2 channels, named Ch1, Hoechst in the file" in message
    assert "“Ch1” does not say whether it is label-free" in message
    assert "Name the stain channels (e.g. “Hoechst”)" in message
    assert "channels “Ch1,Hoechst”" in message
    assert not Volume.objects.exists() and not SourceFile.objects.exists()
    # Told which is which, the same file is imported.
    _import(path, project, channel_names=["Ch1", "Hoechst"], stain_channels=["Hoechst"])
    assert Volume.objects.get(modality="fluorescence").channel == "Hoechst"


@pytest.mark.parametrize("stains", ["hoechst", "Ch2"])
def test_stain_channels_given_alone_are_picked_among_the_files_names(
    project, tmp_path, media_root, stains
):
    path = tmp_path / "field.ome.tif"
    names = ["Ch1", "Hoechst"] if stains == "hoechst" else ["Ch1", "Ch2"]
    ome_tiff(path, _field(), "CYX", names)

    result = _import(path, project, stain_channels=stains)

    assert [volume[:2] for volume in result.volumes] == [
        ("brightfield", ""),
        ("fluorescence", names[1]),
    ]
    assert result.notes == [f"Channels named as in the file: Ch1 (label-free), {names[1]} (stain)."]
    assert result.warnings == []


def test_stain_channels_the_file_does_not_name_are_refused_as_before(project, tmp_path):
    path = tmp_path / "field.ome.tif"
    ome_tiff(path, _field(), "CYX", ["Phase", "Hoechst"])

    with pytest.raises(InvalidInput, match="give the channels too"):
        _import(path, project, stain_channels="dapi")


@pytest.mark.parametrize(
    "labels", [None, ["field.tif"] * 6, ["BF", "Hoechst", "BF", "DAPI", "BF", "Hoechst"]]
)
def test_a_file_without_channel_names_is_refused_as_before(project, tmp_path, media_root, labels):
    """No labels, one label on every plane, or labels that are not the same at every z."""
    path = tmp_path / "field.tif"
    stack = bf_hoechst_stack(n_z=3).astype(np.uint16)
    metadata = {"axes": "ZCYX"} | ({"Labels": labels} if labels else {})
    tifffile.imwrite(path, stack, imagej=True, metadata=metadata)

    with pytest.raises(InvalidInput, match="has 2 channels. A label-free image with several"):
        _import(path, project)


def test_an_hdf5_file_of_named_datasets_is_a_label_free_image_and_its_stain(
    project, tmp_path, media_root
):
    stack = bf_hoechst_stack(n_z=3)
    path = tmp_path / "field.h5"
    hdf5_datasets(path, {"BF": stack[:, 0], "Hoechst 33342": stack[:, 1]})

    result = _import(path, project, voxel_size=(1.0, 0.2, 0.2))

    assert result.volumes == [
        ("brightfield", "", 0, (3, 48, 64)),
        ("fluorescence", "Hoechst 33342", 0, (3, 48, 64)),
    ]
    assert result.notes[0].startswith(f"{PICKED}: BF (label-free), Hoechst 33342 (stain).")
    assert result.warnings == []
    bf, stain = (
        Volume.objects.get(modality="brightfield"),
        Volume.objects.get(modality="fluorescence"),
    )
    assert stain.paired_with == bf
    np.testing.assert_array_equal(volume_array(bf), stack[:, 0])
    np.testing.assert_array_equal(volume_array(stain), stack[:, 1])


def test_hdf5_datasets_named_by_hand_are_the_channels(project, tmp_path, media_root):
    stack = bf_hoechst_stack(n_z=2)
    path = tmp_path / "field.h5"
    hdf5_datasets(path, {"a": stack[:, 0], "b": stack[:, 1]})

    with pytest.raises(InvalidInput, match="please say which dataset holds the image") as refused:
        _import(path, project)
    assert "name them as the channels (channels “a,b”)" in refused.value.message
    result = _import(path, project, channel_names=["A", "B"], stain_channels=["B"])

    assert [volume[:2] for volume in result.volumes] == [("brightfield", ""), ("fluorescence", "B")]
    assert not any(PICKED in line for line in result.notes + result.warnings)


def _time_lapse(path, n_t: int = 3) -> np.ndarray:
    """An OME-TIFF time-lapse (t, c, y, x) of DIC and Hoechst 33342, 5 minutes apart."""
    stack = np.stack([_field(seed=10 * t) for t in range(n_t)])
    ome_tiff(
        path,
        stack,
        "TCYX",
        ["DIC", "Hoechst 33342"],
        TimeIncrement=5.0,
        TimeIncrementUnit="min",
    )
    return stack


def test_import_volume_reads_an_ome_time_lapse_by_its_channel_names(project, tmp_path, media_root):
    path = tmp_path / "lapse.ome.tif"
    stack = _time_lapse(path)
    args = ["import_volume", str(path), "--project", project.slug, "--specimen", "lapse"]
    out = io.StringIO()

    call_command(*args, "--modality", "dic", stdout=out)

    text = out.getvalue()
    assert f"\nNote: {PICKED}: DIC (label-free), Hoechst 33342 (stain)." in text
    assert "Warning" not in text
    assert "6 volume(s), 3 time point(s), 3 label-free section(s) and 3 stain section(s)." in text
    assert "Time points 5 min apart." in text
    for t in range(3):
        dic = Volume.objects.get(modality="dic", time_index=t)
        stain = Volume.objects.get(modality="fluorescence", channel="Hoechst 33342", time_index=t)
        assert stain.paired_with == dic and dic.channel_names == []
        np.testing.assert_array_equal(volume_array(dic)[0], stack[t, 0])
        np.testing.assert_array_equal(volume_array(stain)[0], stack[t, 1])
        section = Section.objects.get(volume=dic)
        assert section.fluorescence.volume_id == stain.pk
    assert Specimen.objects.get(name="lapse").frame_interval_min == 5.0


def test_import_volume_says_which_names_it_could_not_read(project, tmp_path, media_root):
    path = tmp_path / "field.ome.tif"
    ome_tiff(path, _field(), "CYX", ["BF", "Ch2"])
    args = ["import_volume", str(path), "--project", project.slug, "--specimen", "f1"]

    with pytest.raises(CommandError, match="named BF, Ch2 in the file, but “Ch2” does not say"):
        call_command(*args, "--modality", "brightfield", stdout=io.StringIO())
    assert not Volume.objects.exists()


def test_the_upload_reads_the_channel_names(
    api, manager, media_root, eager_tasks, django_capture_on_commit_callbacks, tmp_path
):
    path = tmp_path / "lapse.ome.tif"
    _time_lapse(path, n_t=2)

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(api(manager), "lapse.ome.tif", path.read_bytes(), modality="dic")

    assert response.status_code == 202, response.content
    status = api(manager).get(f"/api/import-jobs/{response.json()['id']}/").json()
    assert status["status"] == "succeeded", status
    assert [
        (v["modality"], v["channel"], v["time_index"]) for v in status["result"]["volumes"]
    ] == [
        ("dic", "", 0),
        ("fluorescence", "Hoechst 33342", 0),
        ("dic", "", 1),
        ("fluorescence", "Hoechst 33342", 1),
    ]
    assert status["result"]["notes"][0].startswith(f"{PICKED}: DIC (label-free)")
    assert status["result"]["warnings"] == []


def test_the_import_page_reads_the_channel_names_and_its_job_page_says_so(
    manager, media_root, eager_tasks, django_capture_on_commit_callbacks, tmp_path
):
    client = signed_in(manager)
    path = tmp_path / "field.tif"
    imagej_tiff(path, _field(), "CYX", ["Brightfield", "DAPI"])

    def post(path, **fields):
        data = {"specimen": "f1", "modality": "brightfield"} | fields
        data["file"] = SimpleUploadedFile(path.name, path.read_bytes())
        return client.post("/projects/lab/import/", data)

    with django_capture_on_commit_callbacks(execute=True):
        response = post(path)

    assert response.status_code == 302, response.content.decode()
    page = client.get(response["Location"]).content.decode()
    assert (
        f'<span class="cw-muted" data-role="import-note">{PICKED}: Brightfield (label-free), '
        "DAPI (stain)." in page
    )
    assert "cw-error" not in page
    assert Volume.objects.get(modality="fluorescence", channel="DAPI").paired_with == (
        Volume.objects.get(modality="brightfield")
    )

    ambiguous = tmp_path / "other.tif"
    imagej_tiff(ambiguous, _field(seed=3), "CYX", ["C1", "C2"])
    refused = post(ambiguous, specimen="f2")
    assert refused.status_code == 400
    assert "named C1, C2 in the file" in refused.content.decode()


@pytest.mark.parametrize("stains", ["", "hoechst"], ids=["by-name", "stain-alone"])
def test_a_folder_upload_reads_each_fields_channel_names(
    api, manager, media_root, eager_tasks, django_capture_on_commit_callbacks, tmp_path, stains
):
    files = []
    for i in range(2):
        path = tmp_path / f"field{i}_c1.tif"
        imagej_tiff(path, _field(seed=10 * i), "CYX", ["Phase", "Hoechst"])
        files.append(SimpleUploadedFile(path.name, path.read_bytes()))
    data = {"files": files, "modality": "phase", "stain_channels": stains}

    with django_capture_on_commit_callbacks(execute=True):
        response = api(manager).post("/api/projects/lab/imports/batch/", data, format="multipart")

    assert response.status_code == 202, response.content
    assert len(response.json()["queued"]) == 2 and response.json()["refused"] == []
    stain_volumes = Volume.objects.filter(modality="fluorescence", channel="Hoechst")
    assert sorted(stain_volumes.values_list("specimen__name", flat=True)) == ["field0", "field1"]
    assert all(stain.paired_with.modality == "phase" for stain in stain_volumes)


def test_import_folder_reads_each_fields_channel_names(project, tmp_path, media_root):
    folder = tmp_path / "dish"
    folder.mkdir()
    for i in range(2):
        imagej_tiff(
            folder / f"d{i}_c1.tif",
            bf_hoechst_stack(2, seed=i).astype(np.uint16),
            "ZCYX",
            ["BF", "DAPI"],
        )
    out = io.StringIO()
    args = ["import_folder", str(folder), "--project", project.slug, "--modality", "brightfield"]

    call_command(*args, stdout=out, verbosity=0)

    assert out.getvalue().count(f"  Note: {PICKED}: BF (label-free), DAPI (stain).") == 2
    assert "Warning" not in out.getvalue()
    assert Volume.objects.filter(modality="fluorescence", channel="DAPI").count() == 2


@pytest.mark.parametrize(
    "names, stored",
    [
        (["Hoechst 33342", "GFP"], ["Hoechst 33342", "GFP"]),
        (["DAPI", "dapi"], ["CH0", "CH1"]),
        (["CH0", "x" * 33], ["CH0", "CH1"]),
    ],
    ids=["named", "twice", "own-or-long"],
)
def test_a_fluorescence_tiffs_channels_keep_the_files_names(
    project, tmp_path, media_root, names, stored
):
    path = tmp_path / "stain.ome.tif"
    ome_tiff(path, _field(), "CYX", names)

    result = _import(path, project, modality="fluorescence")

    assert sorted(volume[1] for volume in result.volumes) == sorted(stored)


def test_a_fluorescence_tiffs_channel_is_picked_by_its_name(project, tmp_path, media_root):
    path = tmp_path / "stain.tif"
    field = _field()
    imagej_tiff(path, field, "CYX", ["Brightfield", "Hoechst"])

    result = _import(path, project, modality="fluorescence", channel="hoechst")

    assert result.volumes == [("fluorescence", "Hoechst", 0, (1, 48, 64))]
    np.testing.assert_array_equal(volume_array(Volume.objects.get())[0], field[1])


@pytest.mark.parametrize("stains", ["", "hoechst"], ids=["by-name", "stain-alone"])
def test_names_the_project_spells_otherwise_take_its_spelling(
    project, tmp_path, media_root, stains
):
    """A project's channels named by hand “bf,phase”: a file of BF, Phase (and Hoechst) joins
    it under those names; names that differ otherwise are refused as before (409)."""
    bf, hoechst = _field()
    first = tmp_path / "first.tif"
    tifffile.imwrite(first, np.stack([bf, bf // 2]), photometric="minisblack")
    _import(first, project, channel_axis=0, channel_names=["bf", "phase"])
    named = tmp_path / "named.ome.tif"
    ome_tiff(named, np.stack([bf + 1, bf // 3, hoechst]), "CYX", ["BF", "Phase", "Hoechst"])
    other = tmp_path / "other.ome.tif"
    ome_tiff(other, np.stack([bf + 2, bf // 4, hoechst]), "CYX", ["BF", "DIC", "Hoechst"])

    result = import_file(
        path=named,
        project=project,
        specimen_name="field-02",
        options=ImportOptions(modality="brightfield", stain_channels=stains),
    )

    assert Volume.objects.get(specimen__name="field-02", modality="brightfield").channel_names == [
        "bf",
        "phase",
    ]
    assert result.notes[0].endswith("Stored as the project's channels bf, phase.")
    with pytest.raises(ConflictError) as refused:
        import_file(
            path=other,
            project=project,
            specimen_name="field-03",
            options=ImportOptions(modality="brightfield", stain_channels=stains),
        )
    assert refused.value.code == "channels_differ"
