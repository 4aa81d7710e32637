"""import_masks --labelled-only: an expert who labelled some z sections of a tomogram gives ground
truth for those alone; the empty sections stay open for annotators and are not scored, and a
previous import's versions of them are not touched."""

from __future__ import annotations

import io

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from annotations.models import GroundTruth, Section
from annotations.selectors.annotation import next_section_peek
from tests.data_files import write_npy

pytestmark = pytest.mark.django_db
SHAPE = (5, 32, 32)


@pytest.fixture
def volume(project, specimen, make_volume, media_root):
    return make_volume(specimen, shape=SHAPE)


def import_masks(path, *extra) -> str:
    out = io.StringIO()
    call_command(
        "import_masks",
        str(path),
        "--project",
        "lab",
        "--specimen",
        "cell-01",
        *extra,
        stdout=out,
        stderr=io.StringIO(),
    )
    return out.getvalue()


def labelled_on(*zs: int, value: int = 1) -> np.ndarray:
    masks = np.zeros(SHAPE, np.uint8)
    for z in zs:
        masks[z, 8:20, 10:24] = value
    return masks


def imported() -> list[tuple[int, int, bool]]:
    return sorted(GroundTruth.objects.values_list("section__z", "version", "is_current"))


def test_only_labelled_sections_are_stored(volume, tmp_path):
    out = import_masks(write_npy(tmp_path / "m.npy", labelled_on(1, 3)), "--labelled-only")
    assert imported() == [(1, 1, True), (3, 1, True)]
    assert "stored z1, z3 (2 of 5 sections); 3 empty sections left without new ground truth" in out
    assert "Imported ground truth for 2 section(s)" in out


def test_without_the_option_every_section_is_stored(volume, tmp_path):
    import_masks(write_npy(tmp_path / "m.npy", labelled_on(1, 3)))
    assert [z for z, _, _ in imported()] == [0, 1, 2, 3, 4]


def test_a_previous_imports_versions_of_the_left_sections_are_not_touched(volume, tmp_path):
    import_masks(write_npy(tmp_path / "all.npy", labelled_on(0, 1, 2, 3, 4)))
    before = {t.section.z: bytes(t.mask_png) for t in GroundTruth.objects.select_related("section")}
    import_masks(write_npy(tmp_path / "some.npy", labelled_on(2)), "--labelled-only")
    assert imported() == [
        (0, 1, True),
        (1, 1, True),
        (2, 1, False),
        (2, 2, True),
        (3, 1, True),
        (4, 1, True),
    ]
    for z in (0, 1, 3, 4):
        assert bytes(GroundTruth.objects.get(section__z=z).mask_png) == before[z]


def test_instances_store_only_their_labelled_sections(volume, tmp_path):
    out = import_masks(
        write_npy(tmp_path / "l.npy", labelled_on(4, value=7).astype(np.uint16)),
        "--instances",
        "--labelled-only",
    )
    assert imported() == [(4, 1, True)]
    assert GroundTruth.objects.get().params["instances"] == 1
    assert "stored z4 (1 of 5 sections); 4 empty sections left" in out


def test_a_stack_with_no_labelled_section_is_refused_and_writes_nothing(volume, tmp_path):
    with pytest.raises(
        CommandError, match=r"nothing was written\): no section of the mask stack holds anything"
    ):
        import_masks(write_npy(tmp_path / "m.npy", labelled_on()), "--labelled-only")
    assert imported() == []


def test_the_empty_sections_stay_open_for_annotators(project, volume, annotator, tmp_path):
    import_masks(write_npy(tmp_path / "m.npy", labelled_on(0, 1, 2, 3)), "--labelled-only")
    offered = next_section_peek(user=annotator, project=project)
    assert offered is not None
    assert offered.pk == Section.objects.get(volume=volume, z=4).pk


def test_sections_stores_the_listed_ones_empty_or_not(volume, tmp_path):
    out = import_masks(write_npy(tmp_path / "m.npy", labelled_on(1, 3)), "--sections", "z3, 0")
    assert imported() == [(0, 1, True), (3, 1, True)]
    assert GroundTruth.objects.get(section__z=0).foreground_pixels == 0
    assert "stored z0, z3 (2 of 5 sections); 3 other sections left without new ground truth" in out


def test_a_section_outside_the_volume_is_refused(volume, tmp_path):
    with pytest.raises(
        CommandError, match="“7” is not a section of the volume: list z from 0 to 4"
    ):
        import_masks(write_npy(tmp_path / "m.npy", labelled_on(1)), "--sections", "1,7")
    assert imported() == []


def test_labelled_only_and_sections_do_not_go_together(volume, tmp_path):
    with pytest.raises(CommandError, match="not allowed with argument"):
        import_masks(
            write_npy(tmp_path / "m.npy", labelled_on(1)), "--labelled-only", "--sections", "1"
        )


def test_instances_of_listed_sections_are_counted_over_those_sections_only(volume, tmp_path):
    labels = np.zeros(SHAPE, np.uint16)
    labels[1, 2:6, 2:6] = 5  # an object z1 alone holds
    labels[1:4, 10:20, 10:20] = 9  # one through z1..z3
    labels[3, 24:30, 24:30] = 300  # another z3 alone holds
    out = import_masks(write_npy(tmp_path / "l.npy", labels), "--instances", "--sections", "3")
    assert imported() == [(3, 1, True)]
    params = GroundTruth.objects.get().params
    assert (params["instances"], params["instances_in_volume"]) == (2, 2)
    assert "Section z=3: 2 instance(s)." in out and "Section z=1" not in out
    assert "2 instance(s) in the stored sections" in out
