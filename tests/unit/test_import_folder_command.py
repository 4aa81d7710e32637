"""manage.py import_folder: a dish of phase-contrast fields with their Hoechst images in one
command, one specimen per field, with a report of what was paired, imported, refused and skipped."""

from __future__ import annotations

import io

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from annotations.models import Project, Section, SourceFile, Specimen, Volume
from tests.data_files import files_under, truncate, write_tiff
from tests.helpers_commands import run_command

pytestmark = pytest.mark.django_db


def write_dish(folder, fields=3, shape=(48, 48)):
    """Phase-contrast fields (2D) as ``dish_fNN_c1.tif`` and their stain as ``..._c2.tif``."""
    folder.mkdir(exist_ok=True)
    rng = np.random.default_rng(0)
    for number in range(1, fields + 1):
        write_tiff(folder / f"dish_f{number:02d}_c1.tif", rng.random(shape).astype(np.float32))
        write_tiff(folder / f"dish_f{number:02d}_c2.tif", (1000 * rng.random(shape)).astype("u2"))
    return folder


def folder_args(folder, *extra):
    return ("import_folder", str(folder), "--project", "dish", "--modality", "phase", *extra)


def test_one_command_imports_every_field_with_its_stain(tmp_path, media_root):
    folder = write_dish(tmp_path / "dish", fields=4)
    (folder / "dish_f01_c3.tif").write_bytes((folder / "dish_f01_c2.tif").read_bytes())
    (folder / "notes.txt").write_text("16 fields, Hoechst")

    out = run_command(*folder_args(folder, "--stain-name", "Hoechst", "--lab", "KAIST"))

    assert "4 field(s) paired, 2 file(s) skipped" in out
    assert "dish_f01: dish_f01_c1.tif + stain dish_f01_c2.tif" in out
    assert "skipped notes.txt: the name does not match the pattern" in out
    assert "skipped dish_f01_c3.tif: channel “3” is neither" in out
    assert "Imported 4 of 4 field(s) into project “dish”; 2 file(s) skipped." in out
    specimens = Specimen.objects.filter(project__slug="dish").order_by("name")
    assert [s.name for s in specimens] == ["dish_f01", "dish_f02", "dish_f03", "dish_f04"]
    for specimen in specimens:
        volumes = {v.modality: v for v in Volume.objects.filter(specimen=specimen)}
        assert set(volumes) == {"phase", "fluorescence"} and specimen.lab == "KAIST"
        assert volumes["fluorescence"].channel == "Hoechst"
        assert volumes["fluorescence"].paired_with_id == volumes["phase"].pk
        section = Section.objects.get(volume=volumes["phase"])
        assert section.fluorescence.volume_id == volumes["fluorescence"].pk
    assert SourceFile.objects.count() == 8


def test_a_bad_file_refuses_its_field_alone_and_the_command_exits_non_zero(tmp_path, media_root):
    folder = write_dish(tmp_path / "dish", fields=3)
    truncate(folder / "dish_f02_c2.tif", keep=0.3)
    write_tiff(folder / "dish_f03_c2.tif", np.zeros((40, 40), "u2"))  # not the phase image's size

    out = io.StringIO()
    with pytest.raises(CommandError, match="2 field\\(s\\) refused: dish_f02, dish_f03"):
        call_command(*folder_args(folder), stdout=out, stderr=io.StringIO())

    text = out.getvalue()
    assert "[2/3] dish_f02: refused, nothing imported: 'dish_f02_c2.tif'" in text
    assert (
        "[3/3] dish_f03: refused, nothing imported: the fluorescence CH0 stack is 1×40×40" in text
    )
    assert "Imported 1 of 3 field(s)" in text
    assert list(Specimen.objects.values_list("name", flat=True)) == ["dish_f01"]
    assert Volume.objects.count() == 2 and SourceFile.objects.count() == 2
    assert len(files_under(media_root / "volumes")) == 2


def test_a_new_project_is_not_left_behind_when_every_field_is_refused(tmp_path, media_root):
    folder = write_dish(tmp_path / "dish", fields=1)
    truncate(folder / "dish_f01_c1.tif", keep=0.3)
    with pytest.raises(CommandError, match="project “dish” was not created"):
        run_command(*folder_args(folder))
    assert not Project.objects.filter(slug="dish").exists()
    assert files_under(media_root) == []


def test_running_it_again_imports_nothing_twice(tmp_path, media_root):
    folder = write_dish(tmp_path / "dish", fields=2)
    run_command(*folder_args(folder))
    out = io.StringIO()
    with pytest.raises(CommandError, match="2 field\\(s\\) refused"):
        call_command(*folder_args(folder), stdout=out, stderr=io.StringIO())
    assert "nothing imported: specimen “dish_f01” already has a phase volume" in out.getvalue()
    assert Volume.objects.count() == 4


def test_a_dry_run_only_shows_the_pairing(tmp_path, media_root):
    folder = write_dish(tmp_path / "dish", fields=2)
    out = run_command(*folder_args(folder, "--dry-run"))
    assert "2 field(s) paired, 0 file(s) skipped" in out
    assert not Volume.objects.exists() and files_under(media_root) == []


def test_nothing_to_pair_or_a_bad_option_is_refused_before_anything_is_written(
    tmp_path, media_root
):
    folder = tmp_path / "empty"
    folder.mkdir()
    (folder / "readme.md").write_text("x")
    with pytest.raises(CommandError, match="No field could be paired"):
        run_command(*folder_args(folder))
    with pytest.raises(CommandError, match="must contain “{specimen}” exactly once"):
        run_command(*folder_args(folder, "--pattern", "*.tif"))
    with pytest.raises(CommandError, match="is not a folder"):
        run_command(*folder_args(folder / "missing"))
    assert not Specimen.objects.exists()


def test_a_folder_of_field_folders_says_its_sub_folders_are_not_read(tmp_path, media_root):
    folder = tmp_path / "stage1"
    for field in ("0a7d", "1b2c"):
        (folder / field / "images").mkdir(parents=True)
        write_tiff(folder / field / "images" / f"{field}.tif", np.zeros((8, 8), np.float32))

    with pytest.raises(CommandError, match=r"stage1 holds 2 sub-folder\(s\) \(0a7d, 1b2c\), which"):
        run_command(*folder_args(folder, "--pattern", "{specimen}.tif"))
    assert not Project.objects.filter(slug="dish").exists()
