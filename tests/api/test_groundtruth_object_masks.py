"""Expert masks of crowded nuclei as one file per nucleus (the 2018 Data Science Bowl form):
a .zip over the API and a folder for ``manage.py import_masks --instances`` are merged into one
instance label image, so touching nuclei stay apart; bad files are refused and nothing is
stored."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from PIL import Image
from scipy import ndimage

from annotations.imaging.label_values import stored_labels
from annotations.models import GroundTruth
from tests.unit.test_mask_stacks import touching_disks

SHAPE = (64, 96)


def png_bytes(mask: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(mask.astype(np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def nucleus_files(labels: np.ndarray) -> dict[str, bytes]:
    return {
        f"masks/{k:04x}.png": png_bytes(np.where(labels == k, 255, 0))
        for k in range(1, int(labels.max()) + 1)
    }


def zipped(files: dict[str, bytes]) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return SimpleUploadedFile("masks.zip", buffer.getvalue(), content_type="application/zip")


@pytest.fixture
def one_section(make_volume, specimen, media_root):
    return make_volume(specimen, shape=(1, *SHAPE))


def post(client, specimen, upload, instances="true"):
    return client.post(
        f"/api/specimens/{specimen.pk}/ground-truth/",
        {"file": upload, "instances": instances},
        format="multipart",
    )


def stored_instances() -> np.ndarray:
    truth = GroundTruth.objects.get(is_current=True)
    return stored_labels(bytes(truth.mask_png), [1], [1], SHAPE).instances


def test_a_zip_of_one_mask_per_nucleus_keeps_touching_nuclei_apart(
    api, manager, specimen, one_section
):
    labels = touching_disks()
    files = nucleus_files(labels)
    files["masks/empty.png"] = png_bytes(np.zeros(SHAPE))
    files["__MACOSX/masks/._0001.png"] = b"\x00\x05\x16\x07 resource fork"
    files["masks/notes.txt"] = b"drawn by the expert"

    response = post(api(manager), specimen, zipped(files))

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["instances"] == [labels.max()]
    assert ndimage.label(stored_instances() > 0)[1] == 1  # one blob, yet five nuclei
    assert np.array_equal(stored_instances(), labels)
    assert body["merged"].startswith(f"{labels.max() + 1} mask file(s) merged into 5 nuclei")
    assert "1 empty file(s) skipped: masks/empty.png" in body["merged"]


def test_a_zip_without_instances_is_refused(api, manager, specimen, one_section):
    response = post(api(manager), specimen, zipped(nucleus_files(touching_disks())), "false")

    assert response.status_code == 400
    assert "read as one mask file per nucleus, so set instances" in response.json()["detail"]
    assert not GroundTruth.objects.exists()


def test_a_mask_of_another_size_is_refused_by_name_and_nothing_is_stored(
    api, manager, specimen, one_section
):
    files = nucleus_files(touching_disks())
    files["masks/zz.png"] = png_bytes(np.zeros((64, 95)))

    response = post(api(manager), specimen, zipped(files))

    assert response.status_code == 400
    assert (
        "not 96×64 pixels (width × height) as the others are: masks/zz.png is 95×64."
        in response.json()["detail"]
    )
    assert not GroundTruth.objects.exists()


def test_a_folder_is_imported_by_the_command(tmp_path, project, specimen, one_section):
    labels = touching_disks()
    folder = tmp_path / "masks"
    folder.mkdir()
    for name, data in nucleus_files(labels).items():
        (tmp_path / name).write_bytes(data)
    out = io.StringIO()

    call_command(
        "import_masks", str(folder), "--project", project.slug, "--specimen", specimen.name,
        "--instances", stdout=out,
    )  # fmt: skip

    assert np.array_equal(stored_instances(), labels)
    assert "5 mask file(s) merged into 5 nuclei" in out.getvalue()
    assert "Section z=0: 5 instance(s)." in out.getvalue()
    with pytest.raises(CommandError, match="so add --instances"):
        call_command(
            "import_masks", str(folder), "--project", project.slug, "--specimen", specimen.name
        )


def published_field(labels: np.ndarray, field: str = "0a7d") -> dict[str, bytes]:
    """A field as the 2018 Data Science Bowl publishes it: its image beside its masks."""
    image = png_bytes(np.random.default_rng(0).integers(0, 255, SHAPE))
    files = {f"{field}/images/{field}.png": image}
    files.update({f"{field}/{name}": data for name, data in nucleus_files(labels).items()})
    return files


def test_a_zip_of_a_published_field_reads_its_masks_folder_not_its_image(
    api, manager, specimen, one_section
):
    labels = touching_disks()

    response = post(api(manager), specimen, zipped(published_field(labels)))

    assert response.status_code == 201, response.content
    assert np.array_equal(stored_instances(), labels)
    assert response.json()["merged"].startswith("5 mask file(s) merged into 5 nuclei")


def test_a_zip_of_two_fields_is_refused_naming_their_masks_folders(
    api, manager, specimen, one_section
):
    files = published_field(touching_disks(), "f1") | published_field(touching_disks(), "f2")

    response = post(api(manager), specimen, zipped(files))

    assert response.status_code == 400
    assert "holds 2 masks folders (f1/masks/, f2/masks/)" in response.json()["detail"]
    assert not GroundTruth.objects.exists()


def test_the_command_reads_a_published_field_folder_by_its_masks(
    tmp_path, project, specimen, one_section
):
    labels = touching_disks()
    for name, data in published_field(labels).items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)

    call_command(
        "import_masks", str(tmp_path / "0a7d"), "--project", project.slug,
        "--specimen", specimen.name, "--instances", stdout=io.StringIO(),
    )  # fmt: skip

    assert np.array_equal(stored_instances(), labels)


def test_a_folder_of_too_many_masks_is_refused_before_a_file_is_read(
    tmp_path, project, specimen, one_section, monkeypatch
):
    monkeypatch.setattr("annotations.services.object_mask_files.MAX_INSTANCES", 3)
    for k in range(4):
        (tmp_path / f"m{k}.png").write_bytes(b"not a png")  # reading any would fail otherwise

    with pytest.raises(CommandError, match="holds 4 mask files; a 16-bit label image holds at"):
        call_command(
            "import_masks", str(tmp_path), "--project", project.slug,
            "--specimen", specimen.name, "--instances",
        )  # fmt: skip
    assert not GroundTruth.objects.exists()


def test_a_file_of_several_colours_is_refused_as_more_than_one_nucleus(
    api, manager, specimen, one_section
):
    """The user imports instances already: the refusal says the file must hold one object."""
    files = nucleus_files(touching_disks())
    colours = np.zeros((*SHAPE, 3), np.uint8)
    colours[5:15, 5:15] = (255, 0, 0)
    colours[30:40, 50:60] = (0, 255, 0)
    buffer = io.BytesIO()
    Image.fromarray(colours, mode="RGB").save(buffer, format="PNG")
    files["masks/both.png"] = buffer.getvalue()

    response = post(api(manager), specimen, zipped(files))

    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "masks/both.png is a colour PNG (mode RGB) with 2 colours besides black" in detail
    assert "each file holds one object" in detail
    assert "import it as instances" not in detail
    assert not GroundTruth.objects.exists()
