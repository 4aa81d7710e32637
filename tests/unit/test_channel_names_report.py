"""What an import that picks a file's channels by their names says about them: a folder's dry run
names the stain each field's file holds (from the file's header alone), a label-free name that
says another contrast than the modality is warned of, and a stain the project already has under
another spelling of the same dye is stored under the project's name (docs/channels.md)."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile

from annotations.imaging.readers.channel_roles import label_free_contrast, same_dye, stain_dye
from annotations.models import Project, Volume
from annotations.services.imports import ImportOptions, import_file
from tests.helpers_commands import run_command
from tests.unit.test_channels_by_name import PICKED, _field, hdf5_datasets, imagej_tiff
from tests.unit.test_stain_channel_import import bf_hoechst_stack

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "name, modality",
    [
        ("DIC", "dic"),
        ("TL-DIC", "dic"),
        ("Nomarski", "dic"),
        ("BF", "brightfield"),
        ("Bright field", "brightfield"),
        ("Transmitted light", "brightfield"),
        ("Phase contrast", "phase"),
        ("Ph1", "phase"),
        ("RI", "ri"),
        ("Hoechst", None),
        ("Ch1", None),
        ("BF DIC", None),
    ],
)
def test_a_label_free_name_says_its_contrast(name, modality) -> None:
    assert label_free_contrast(name) == modality


@pytest.mark.parametrize(
    "name, dye",
    [
        ("Hoechst", ("hoechst", "")),
        ("H33342", ("hoechst", "33342")),
        ("Hoechst 33342", ("hoechst", "33342")),
        ("hoechst33258", ("hoechst", "33258")),
        ("H 34580", ("hoechst", "34580")),
        ("DAPI 405nm", ("dapi", "")),
        ("DRAQ5", ("draq5", "")),
        ("Nuclear stain", None),
        ("SYTOX Green", None),
        ("Hoechst + DAPI", None),
    ],
)
def test_a_stain_name_says_its_dye(name, dye) -> None:
    assert stain_dye(name) == dye


@pytest.mark.parametrize(
    "a, b, same",
    [
        ("Hoechst", "Hoechst 33342", True),
        ("H33342", "Hoechst 33342", True),
        ("hoechst", "H33258", True),
        ("DAPI", "dapi 405nm", True),
        ("DRAQ5", "draq5", True),
        ("Hoechst 33342", "Hoechst 33258", False),
        ("Hoechst", "DAPI", False),
        ("DRAQ5", "DRAQ7", False),
        ("Nuclear", "Nuclear", False),
    ],
)
def test_two_stain_names_name_the_same_dye_only_when_their_dye_words_agree(a, b, same) -> None:
    assert same_dye(a, b) is same and same_dye(b, a) is same


def _dish(folder, files: dict[str, list[str] | None]) -> None:
    folder.mkdir()
    for number, (name, labels) in enumerate(files.items()):
        stack = _field(seed=number)
        if labels is None:
            tifffile.imwrite(folder / name, stack, imagej=True, metadata={"axes": "CYX"})
        else:
            imagej_tiff(folder / name, stack, "CYX", labels)


def _dry_run(folder, *args: str) -> str:
    return run_command(
        "import_folder",
        str(folder),
        "--project",
        "dish",
        "--pattern",
        "{specimen}.tif",
        "--modality",
        "phase",
        "--dry-run",
        *args,
    )


def test_the_dry_run_names_the_stain_each_file_holds_from_its_header_alone(
    tmp_path, monkeypatch
) -> None:
    folder = tmp_path / "dish"
    _dish(
        folder,
        {"f01.tif": ["Phase", "Hoechst"], "f02.tif": ["Ch1", "Ch2"], "f03.tif": None},
    )

    def no_pixels(*args, **kwargs):
        raise AssertionError("the dry run read pixels")

    monkeypatch.setattr(tifffile.TiffFile, "asarray", no_pixels)
    monkeypatch.setattr(tifffile.TiffPage, "asarray", no_pixels)
    out = _dry_run(folder)

    assert (
        "  f01: f01.tif + stain channel Hoechst of the same file, picked by its name in the file"
        in out
    )
    assert "  f02 will be refused: 'f02.tif' has 2 channels, named Ch1, Ch2 in the file" in out
    assert "  f03: f03.tif (no stain)" in out
    assert "f01: f01.tif (no stain)" not in out
    assert not Project.objects.exists()


def test_the_dry_run_reads_an_hdf5_files_dataset_names(tmp_path) -> None:
    folder = tmp_path / "dish"
    folder.mkdir()
    bf, stain = _field()
    hdf5_datasets(folder / "f01.h5", {"BF": bf[None], "DAPI": stain[None]})

    out = run_command(
        "import_folder",
        str(folder),
        "--project",
        "dish",
        "--pattern",
        "{specimen}.h5",
        "--modality",
        "brightfield",
        "--dry-run",
    )

    assert "  f01: f01.h5 + stain channel DAPI of the same file, picked by its name" in out


def test_the_dry_run_keeps_the_channels_given_by_hand(tmp_path) -> None:
    folder = tmp_path / "dish"
    _dish(folder, {"f01.tif": ["Phase", "Hoechst"]})

    assert "  f01: f01.tif (no stain)" in _dry_run(folder, "--channels", "phase,nuc")
    assert "  f01: f01.tif + stain channel nuc of the same file" in _dry_run(
        folder, "--channels", "phase,nuc", "--stain-channels", "nuc"
    )


def test_the_dry_run_names_a_stain_as_the_project_stores_it(project, tmp_path, media_root):
    _import(tmp_path / "first.tif", project, ["Phase", "Hoechst"], "f0")
    folder = tmp_path / "dish"
    _dish(folder, {"f01.tif": ["Phase", "Hoechst 33342"]})

    out = run_command(
        "import_folder",
        str(folder),
        "--project",
        project.slug,
        "--pattern",
        "{specimen}.tif",
        "--modality",
        "phase",
        "--dry-run",
    )

    assert "  f01: f01.tif + stain channel Hoechst of the same file" in out


def _import(path, project, labels: list[str], specimen: str, modality: str = "phase"):
    """Import a (z, c, y, x) TIFF whose channels are ``labels``, the last one a stain."""
    bf, stain = np.moveaxis(bf_hoechst_stack(n_z=2, seed=len(specimen)), 1, 0)
    stack = np.stack([bf // (n + 1) for n in range(len(labels) - 1)] + [stain], axis=1)
    imagej_tiff(path, np.clip(stack, 0, 65535).astype(np.uint16), "ZCYX", labels * 2)
    return import_file(
        path=path,
        project=project,
        specimen_name=specimen,
        options=ImportOptions(modality=modality),
    )


@pytest.mark.parametrize(
    "labels, modality, said",
    [
        (["DIC", "Hoechst"], "brightfield", "“DIC”, which says DIC"),
        (["Phase", "Hoechst"], "ri", "“Phase”, which says phase contrast"),
        (["BF", "DAPI"], "dic", "“BF”, which says bright-field"),
    ],
)
def test_a_name_that_says_another_contrast_is_warned_of_and_the_modality_kept(
    project, tmp_path, media_root, labels, modality, said
):
    result = _import(tmp_path / "f.tif", project, labels, "f1", modality)

    assert [volume[:2] for volume in result.volumes] == [
        (modality, ""),
        ("fluorescence", labels[1]),
    ]
    warning = result.warnings[0]
    assert warning.startswith(f"The file names the label-free channel {said}, but the image ")
    assert f"import it with the modality “{label_free_contrast(labels[0])}” instead." in warning
    assert result.notes[0].startswith(PICKED)


@pytest.mark.parametrize(
    "labels, modality",
    [
        (["DIC", "Hoechst"], "dic"),
        (["Phase contrast", "Hoechst"], "phase"),
        (["BF", "DIC", "Hoechst"], "brightfield"),
        (["Transmitted", "DAPI"], "brightfield"),
    ],
)
def test_names_that_agree_with_the_modality_warn_of_nothing(
    project, tmp_path, media_root, labels, modality
):
    result = _import(tmp_path / "f.tif", project, labels, "f1", modality)

    assert result.warnings == []


def test_channels_given_by_hand_are_not_checked_against_the_names(project, tmp_path, media_root):
    path = tmp_path / "f.tif"
    imagej_tiff(path, _field(), "CYX", ["DIC", "Hoechst"])

    result = import_file(
        path=path,
        project=project,
        specimen_name="f1",
        options=ImportOptions(
            modality="brightfield", channel_names=["bf", "nuc"], stain_channels=["nuc"]
        ),
    )

    assert result.warnings == [] and result.notes == []


def test_the_same_dye_spelled_otherwise_joins_the_projects_stain(project, tmp_path, media_root):
    _import(tmp_path / "a.tif", project, ["Phase", "Hoechst"], "f1")

    second = _import(tmp_path / "b.tif", project, ["Phase", "Hoechst 33342"], "f2")
    third = _import(tmp_path / "c.tif", project, ["Phase", "H33342"], "f3")

    assert second.notes == [
        f"{PICKED}: Phase (label-free), Hoechst 33342 (stain). To choose otherwise, give the "
        "channels and stain channels. Stored Hoechst 33342 as the project's stain channel "
        "Hoechst (the same dye)."
    ]
    assert "Stored H33342 as the project's stain channel Hoechst" in third.notes[0]
    assert (
        list(Volume.objects.filter(modality="fluorescence").values_list("channel", flat=True))
        == ["Hoechst"] * 3
    )


@pytest.mark.parametrize(
    "first, then",
    [("Hoechst", "DAPI"), ("Hoechst 33342", "Hoechst 33258"), ("DRAQ5", "DRAQ7")],
)
def test_different_dyes_stay_different_channels(project, tmp_path, media_root, first, then):
    _import(tmp_path / "a.tif", project, ["Phase", first], "f1")

    result = _import(tmp_path / "b.tif", project, ["Phase", then], "f2")

    assert "project's stain channel" not in result.notes[0]
    assert sorted(
        Volume.objects.filter(modality="fluorescence").values_list("channel", flat=True)
    ) == sorted([first, then])


def test_a_stain_spelled_otherwise_but_for_case_takes_the_projects_spelling(
    project, tmp_path, media_root
):
    _import(tmp_path / "a.tif", project, ["Phase", "DAPI"], "f1")

    result = _import(tmp_path / "b.tif", project, ["Phase", "dapi"], "f2", modality="phase")

    assert result.volumes[1][:2] == ("fluorescence", "DAPI")
    assert result.notes[0].endswith(
        "Stored dapi as the project's stain channel DAPI (the same dye)."
    )


def test_a_stain_like_two_of_the_projects_keeps_its_own_name(project, tmp_path, media_root):
    _import(tmp_path / "a.tif", project, ["Phase", "Hoechst 33342"], "f1")
    _import(tmp_path / "b.tif", project, ["Phase", "Hoechst 33258"], "f2")

    result = _import(tmp_path / "c.tif", project, ["Phase", "Hoechst"], "f3")

    assert result.volumes[1][:2] == ("fluorescence", "Hoechst")


def test_an_hdf5_stain_joins_the_projects_spelling_of_its_dye(project, tmp_path, media_root):
    _import(tmp_path / "a.tif", project, ["BF", "Hoechst"], "f1", modality="brightfield")
    bf, stain = _field(seed=5)
    path = tmp_path / "b.h5"
    hdf5_datasets(path, {"BF": bf[None], "Hoechst 33342": stain[None]})

    result = import_file(
        path=path,
        project=project,
        specimen_name="f2",
        options=ImportOptions(modality="brightfield"),
    )

    assert result.volumes[1][:2] == ("fluorescence", "Hoechst")
    assert Volume.objects.get(specimen__name="f2", modality="fluorescence").paired_with == (
        Volume.objects.get(specimen__name="f2", modality="brightfield")
    )
