"""import_masks and the ground-truth import service: multi-label masks are refused whole, and
--instances stores an instance label image as instance maps and says how many nuclei it found."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile
from django.core.management import CommandError
from PIL import Image

from annotations.imaging.label_values import stored_labels
from annotations.models import GroundTruth, Volume
from annotations.services.groundtruth_import import ground_truth_import
from cellweb.errors import InvalidInput
from tests.data_files import ri_stack, write_npy
from tests.helpers_commands import run_command
from tests.unit.test_mask_stacks import touching_disks

pytestmark = pytest.mark.django_db


def make_volume(tmp_path, shape, modality="ri") -> Volume:
    path = write_npy(tmp_path / "image.npy", ri_stack(shape))
    run_command(
        "import_volume", str(path), "--project", "p", "--specimen", "s", "--modality", modality
    )
    return Volume.objects.get()


@pytest.fixture
def volume(tmp_path, media_root):
    return make_volume(tmp_path, (3, 64, 96))


def import_masks(path, *extra) -> str:
    return run_command("import_masks", str(path), "--project", "p", "--specimen", "s", *extra)


def stored() -> list[tuple[int, int, bytes]]:
    return sorted(
        GroundTruth.objects.values_list("section__z", "version", "mask_png").order_by("id")
    )


def test_a_multi_label_stack_is_refused_and_nothing_is_written(volume, tmp_path):
    binary = np.zeros((3, 64, 96), np.uint8)
    binary[:, 10:20, 10:30] = 1
    import_masks(write_npy(tmp_path / "first.npy", binary))
    before = stored()

    labels = binary.copy()
    labels[2, 40:50, 40:50] = 2  # only the last section is multi-label
    with pytest.raises(CommandError) as refused:
        import_masks(write_npy(tmp_path / "labels.npy", labels))

    message = str(refused.value)
    assert "nothing was written" in message
    assert "3 distinct values: 0 (17,732 pixels), 1 (600 pixels), 2 (100 pixels)" in message
    assert stored() == before  # no section of the refused file, earlier ones included
    assert GroundTruth.objects.filter(is_current=True, version=1).count() == 3


def test_the_service_refuses_labels_with_a_400(volume):
    labels = np.zeros((3, 64, 96), np.uint16)
    labels[0, :5, :5] = 300
    with pytest.raises(InvalidInput, match=r"0 \(18,407 pixels\), 300 \(25 pixels\)") as refused:
        ground_truth_import(volume=volume, masks=labels)
    assert refused.value.status_code == 400
    assert not GroundTruth.objects.exists()


def test_instances_are_stored_with_their_ids_and_counted(volume, tmp_path):
    disks = touching_disks()
    labels = np.stack([disks, disks, np.zeros_like(disks)]).astype(np.uint16)
    labels[1][labels[1] == 5] = 0
    path = tmp_path / "labels.tif"
    tifffile.imwrite(path, labels, photometric="minisblack")

    out = import_masks(path, "--instances")

    expected = [len(np.unique(s[s > 0])) for s in labels]
    assert expected == [5, 4, 0]
    for z, count in enumerate(expected):
        assert f"Section z={z}: {count} instance(s)." in out
    assert "5 instance(s) in the volume" in out
    assert "Each was stored with its own id" in out
    for truth in GroundTruth.objects.filter(is_current=True):
        z = truth.section.z
        decoded = stored_labels(bytes(truth.mask_png), [1], [1], (64, 96))
        assert decoded.stored_instances
        assert np.array_equal(decoded.instances, labels[z])
        assert np.array_equal(decoded.class_map, (labels[z] > 0).astype(np.uint8))
        assert truth.params["instances"] == expected[z]
        assert truth.params["instances_in_volume"] == 5


def test_without_instances_the_same_label_image_is_refused(volume, tmp_path):
    labels = np.stack([touching_disks()] * 3)
    with pytest.raises(CommandError, match="import_masks --instances"):
        import_masks(write_npy(tmp_path / "labels.npy", labels))
    assert not GroundTruth.objects.exists()


@pytest.mark.parametrize(
    ("labels", "reason"),
    [
        (np.full((3, 64, 96), -1, np.int32), "negative values"),
        (np.full((3, 64, 96), 0.25, np.float32), "fractional values"),
    ],
)
def test_bad_instance_images_are_refused_whole(volume, tmp_path, labels, reason):
    with pytest.raises(CommandError, match=reason):
        import_masks(write_npy(tmp_path / "bad.npy", labels), "--instances")
    assert not GroundTruth.objects.exists()


def test_a_map_of_over_65535_instances_is_refused(tmp_path, media_root):
    make_volume(tmp_path, (2, 192, 192))
    labels = np.arange(1, 2 * 192 * 192 + 1, dtype=np.int32).reshape(2, 192, 192)
    with pytest.raises(CommandError, match="73,728 instances; a 16-bit label image holds at most"):
        import_masks(write_npy(tmp_path / "many.npy", labels), "--instances")
    assert not GroundTruth.objects.exists()


def test_a_16_bit_label_png_is_read_as_stored(tmp_path, media_root):
    make_volume(tmp_path, (64, 96), modality="brightfield")
    labels = touching_disks().astype(np.uint16) * 1000  # ids 1000-5000 would clip to 255 in 8 bit
    Image.fromarray(labels).save(tmp_path / "labels.png")
    out = import_masks(tmp_path / "labels.png", "--instances")
    assert "5 instance(s) in the volume" in out
