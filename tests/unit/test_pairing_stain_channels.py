"""A folder of multi-channel files whose stain is a channel of each file: the pairing report
names the stain channels instead of saying “(no stain)” (annotations/services/imports/pairing.py,
manage.py import_folder --dry-run)."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile

from annotations.services.imports.pairing import pair_files
from tests.helpers_commands import run_command

pytestmark = pytest.mark.django_db


def test_a_field_without_a_stain_file_but_with_stain_channels_names_them() -> None:
    pairing = pair_files(["f01.tif"], pattern="{specimen}.tif")

    assert pairing.describe(stain_channels=("hoechst",)) == [
        "  f01: f01.tif + stain channel hoechst of the same file"
    ]
    assert pairing.describe() == ["  f01: f01.tif (no stain)"]


def test_the_dry_run_of_a_phase_hoechst_folder_names_the_stain_channel(tmp_path) -> None:
    folder = tmp_path / "dish"
    folder.mkdir()
    stack = np.random.default_rng(0).integers(0, 4000, (2, 48, 64), dtype=np.uint16)
    tifffile.imwrite(folder / "f01.tif", stack, imagej=True, metadata={"axes": "CYX"})
    out = run_command(
        "import_folder",
        str(folder),
        "--project",
        "dish",
        "--modality",
        "phase",
        "--pattern",
        "{specimen}.tif",
        "--channels",
        "phase,hoechst",
        "--stain-channels",
        "hoechst",
        "--dry-run",
    )

    assert "f01: f01.tif + stain channel hoechst of the same file" in out
    assert "no stain" not in out
