"""import_masks in projects with label sets: --class, class maps, and the refusals that name why."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile
from django.core.management import CommandError

from annotations.imaging.label_values import stored_labels
from annotations.imaging.labels import decode_class_map
from annotations.imaging.masks import encode_mask
from annotations.models import GroundTruth, Project, Volume
from annotations.services.labels import label_class_add, label_class_delete
from tests.data_files import ri_stack, write_npy
from tests.helpers_commands import run_command
from tests.unit.test_mask_stacks import touching_disks

pytestmark = pytest.mark.django_db
SHAPE = (2, 64, 96)


@pytest.fixture
def volume(tmp_path, media_root):
    path = write_npy(tmp_path / "image.npy", ri_stack(SHAPE))
    run_command("import_volume", str(path), "--project", "p", "--specimen", "s", "--modality", "ri")
    return Volume.objects.get()


@pytest.fixture
def cytoplasm(volume):
    """The project gains a region class "cytoplasm" (value 2) beside nucleus (1)."""
    return label_class_add(
        project=Project.objects.get(slug="p"), name="cytoplasm", colour="#ffb000", kind="region"
    )


def import_masks(path, *extra) -> str:
    return run_command("import_masks", str(path), "--project", "p", "--specimen", "s", *extra)


def current_maps() -> np.ndarray:
    truths = GroundTruth.objects.filter(is_current=True).order_by("section__z")
    return np.stack([decode_class_map(bytes(t.mask_png), [1, 2], SHAPE[1:]) for t in truths])


def blob(z: int) -> bytes:
    return bytes(GroundTruth.objects.get(is_current=True, section__z=z).mask_png)


def square_mask() -> np.ndarray:
    mask = np.zeros(SHAPE, np.uint8)
    mask[:, 10:30, 20:50] = 1
    return mask


def test_a_binary_mask_in_a_one_class_project_keeps_todays_bytes(volume, tmp_path):
    mask = square_mask()
    import_masks(write_npy(tmp_path / "m.npy", mask))
    for z in range(SHAPE[0]):
        assert blob(z) == encode_mask(mask[z] > 0)


def test_class_names_the_class_of_a_binary_mask(volume, cytoplasm, tmp_path):
    mask = square_mask() * 255
    out = import_masks(write_npy(tmp_path / "m.npy", mask), "--class", "Cytoplasm")
    assert "Imported ground truth for 2 section(s)" in out
    maps = current_maps()
    assert set(np.unique(maps)) == {0, 2}
    assert np.array_equal(maps == 2, mask > 0)
    assert GroundTruth.objects.get(section__z=0).foreground_pixels == 600


def test_without_class_a_binary_mask_is_the_instance_class(volume, cytoplasm, tmp_path):
    import_masks(write_npy(tmp_path / "m.npy", square_mask()))
    assert set(np.unique(current_maps())) == {0, 1}


def test_a_class_map_of_known_values_imports_every_class(volume, cytoplasm, tmp_path):
    labels = square_mask() * 2
    labels[:, 15:20, 30:40] = 1  # a nucleus inside the cytoplasm
    import_masks(write_npy(tmp_path / "m.npy", labels))
    assert np.array_equal(current_maps(), labels)


def test_a_label_value_not_in_the_set_is_refused_naming_it(volume, cytoplasm, tmp_path):
    labels = square_mask() * 2
    labels[1, 40:44, 60:65] = 7
    with pytest.raises(CommandError) as refused:
        import_masks(write_npy(tmp_path / "m.npy", labels))
    message = str(refused.value)
    assert "nothing was written" in message
    assert "not classes of this project: 7 (20 pixels)" in message
    assert "1 nucleus, 2 cytoplasm" in message
    assert not GroundTruth.objects.exists()


def test_an_unknown_class_name_is_refused_with_the_classes(volume, tmp_path):
    with pytest.raises(CommandError, match=r"no class “membrane”; its classes are nucleus"):
        import_masks(write_npy(tmp_path / "m.npy", square_mask()), "--class", "membrane")
    assert not GroundTruth.objects.exists()


def test_instances_go_to_the_named_instance_class_with_their_count(volume, tmp_path):
    project = Project.objects.get(slug="p")
    droplet = label_class_add(
        project=project, name="lipid droplet", colour="#ffe14d", kind="instances"
    )
    disks = touching_disks()
    labels = np.stack([disks, disks]).astype(np.uint16)
    path = tmp_path / "labels.tif"
    tifffile.imwrite(path, labels, photometric="minisblack")
    out = import_masks(path, "--instances", "--class", "lipid droplet")
    assert "5 instance(s) in the volume" in out
    truths = GroundTruth.objects.filter(is_current=True).order_by("section__z")
    for truth in truths:
        values = [1, droplet["value"]]
        stored = stored_labels(bytes(truth.mask_png), values, values, SHAPE[1:])
        assert np.array_equal(stored.class_map == droplet["value"], disks > 0)
        assert np.array_equal(stored.instances, disks)  # the ids as imported
        assert truth.params["instances"] == 5


def test_instances_into_a_region_class_are_refused(volume, cytoplasm, tmp_path):
    labels = np.stack([touching_disks()] * 2).astype(np.uint16)
    with pytest.raises(CommandError, match="“cytoplasm” is a region class"):
        import_masks(write_npy(tmp_path / "l.npy", labels), "--instances", "--class", "cytoplasm")
    assert not GroundTruth.objects.exists()


def test_instances_in_a_project_without_an_instance_class_are_refused(volume, cytoplasm, tmp_path):
    label_class_delete(project=Project.objects.get(slug="p"), value=1)  # unused: no masks yet
    labels = np.stack([touching_disks()] * 2).astype(np.uint16)
    with pytest.raises(CommandError) as refused:
        import_masks(write_npy(tmp_path / "l.npy", labels), "--instances")
    message = str(refused.value)
    assert "has no instance class" in message
    assert "cytoplasm (region, value 2)" in message
    assert not GroundTruth.objects.exists()


def test_a_class_used_by_imported_ground_truth_cannot_be_deleted(volume, cytoplasm, tmp_path):
    from cellweb.errors import ConflictError

    import_masks(write_npy(tmp_path / "m.npy", square_mask()), "--class", "cytoplasm")
    with pytest.raises(ConflictError) as refused:
        label_class_delete(project=Project.objects.get(slug="p"), value=2)
    assert refused.value.current["ground_truth"] == 2
