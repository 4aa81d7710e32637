"""manage.py import_volume and import_masks: what they print, and a non-zero exit when refused."""

from __future__ import annotations

import numpy as np
import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError

from annotations.models import GroundTruth, Membership, Project, Role, Specimen, Volume
from tests.data_files import (
    assert_nothing_written,
    ri_stack,
    stain_stack,
    write_npy,
    write_small_tcf,
)
from tests.helpers_commands import run_command

pytestmark = pytest.mark.django_db


INTO_P_S = ("--project", "p", "--specimen", "s")


def import_into_p_s(path, command: str = "import_volume", *options: str) -> str:
    """``command`` on ``path`` into specimen "s" of project "p"."""
    return run_command(command, str(path), *INTO_P_S, *options)


def test_import_volume_creates_project_and_specimen_and_says_what_it_made(tmp_path, media_root):
    path = write_small_tcf(tmp_path / "cell.TCF", time_points=2)

    out = run_command(
        "import_volume",
        str(path),
        "--project",
        "new-lab",
        "--specimen",
        "HeLa-01",
        "--modality",
        "ri",
        "--channel",
        "DAPI",
        "--lab",
        "KAIST",
    )

    assert "Created project “new-lab”" in out
    assert "4 volume(s), 2 time point(s), 8 label-free section(s) and 8 stain section(s)" in out
    assert "fluorescence DAPI" in out
    project = Project.objects.get(slug="new-lab")
    assert project.name == "new-lab"
    assert Specimen.objects.get(project=project, name="HeLa-01").lab == "KAIST"
    assert Volume.objects.filter(specimen__project=project).count() == 4


def test_import_volume_uses_the_given_voxel_size_and_time_point(tmp_path, media_root):
    path = write_npy(tmp_path / "ri.npy", ri_stack())
    import_into_p_s(
        path,
        "import_volume",
        "--modality",
        "ri",
        "--time",
        "2",
        "--voxel-size",
        "0.2",
        "0.1",
        "0.1",
    )
    volume = Volume.objects.get()
    assert volume.time_index == 2
    assert volume.voxel_size == pytest.approx((0.2, 0.1, 0.1))


def test_import_volume_exits_non_zero_with_the_reason_and_creates_nothing(tmp_path, media_root):
    path = tmp_path / "broken.TCF"
    path.write_bytes(b"not a tomogram at all" * 100)
    with pytest.raises(
        CommandError, match="broken.TCF was not imported: .*not a supported image file"
    ):
        import_into_p_s(path, "import_volume", "--modality", "ri")
    assert_nothing_written(media_root)
    assert not Project.objects.filter(slug="p").exists()


def test_import_volume_refuses_an_invalid_project_name(tmp_path, media_root):
    path = write_npy(tmp_path / "ri.npy", ri_stack())
    with pytest.raises(CommandError, match="not a valid project short name"):
        run_command(
            "import_volume",
            str(path),
            "--project",
            "My Lab!",
            "--specimen",
            "s",
            "--modality",
            "ri",
        )
    assert_nothing_written(media_root)


def test_import_volume_run_from_the_shell_exits_non_zero(tmp_path, media_root, capsys):
    from annotations.management.commands.import_volume import Command

    path = tmp_path / "broken.npy"
    path.write_bytes(b"\x93NUMPY garbage")
    argv = ["manage.py", "import_volume", str(path), *INTO_P_S, "--modality", "ri"]
    with pytest.raises(SystemExit) as exited:
        Command().run_from_argv([*argv, "--skip-checks"])
    assert exited.value.code != 0
    assert "broken.npy was not imported" in capsys.readouterr().err


@pytest.fixture
def imported_ri(tmp_path, media_root):
    """An RI stack imported as specimen "s" of project "p", for import_masks to match."""
    import_into_p_s(write_npy(tmp_path / "ri.npy", ri_stack()), "import_volume", "--modality", "ri")


def test_import_masks_stores_imported_ground_truth(tmp_path, imported_ri):
    masks = np.zeros((4, 32, 32), np.uint8)
    masks[:, 10:20, 10:20] = 255
    out = import_into_p_s(write_npy(tmp_path / "m.npy", masks), "import_masks")
    assert "4 section(s)" in out
    assert (
        GroundTruth.objects.filter(
            source="imported", is_current=True, foreground_pixels=100
        ).count()
        == 4
    )


def test_import_masks_refuses_a_stack_of_another_shape(tmp_path, imported_ri):
    with pytest.raises(CommandError, match="must match"):
        import_into_p_s(write_npy(tmp_path / "m.npy", np.zeros((3, 32, 32), bool)), "import_masks")
    with pytest.raises(CommandError, match="no specimen"):
        run_command(
            "import_masks", str(tmp_path / "m.npy"), "--project", "p", "--specimen", "nobody"
        )
    assert not GroundTruth.objects.exists()


def test_import_masks_needs_a_label_free_volume(tmp_path, media_root):
    stain = write_npy(tmp_path / "fl.npy", stain_stack())
    import_into_p_s(stain, "import_volume", "--modality", "fluorescence", "--channel", "DAPI")
    with pytest.raises(CommandError, match="no label-free volume"):
        import_into_p_s(write_npy(tmp_path / "m.npy", np.zeros((4, 32, 32), bool)), "import_masks")


def test_import_masks_records_the_manager_named_by_user(tmp_path, imported_ri):
    project = Project.objects.get(slug="p")
    mona = User.objects.create_user("mona")
    alice = User.objects.create_user("alice")
    Membership.objects.create(project=project, user=mona, role=Role.MANAGER)
    Membership.objects.create(project=project, user=alice, role=Role.ANNOTATOR)
    path = write_npy(tmp_path / "m.npy", np.ones((4, 32, 32), np.uint8))

    with pytest.raises(CommandError, match="“alice” is not a manager of project “p”"):
        import_into_p_s(path, "import_masks", "--user", "alice")
    with pytest.raises(CommandError, match="No user “nobody”"):
        import_into_p_s(path, "import_masks", "--user", "nobody")
    assert not GroundTruth.objects.exists()
    import_into_p_s(path, "import_masks", "--user", "mona")

    rows = GroundTruth.objects.filter(source="imported", is_current=True)
    assert rows.count() == 4
    assert {(row.reviewer, row.params["imported_by"]) for row in rows} == {(mona, "mona")}
