"""A multi-channel label-free field (bright-field + phase) comes in as one section per z with its
channels; how its channel axis is told from z is explicit, and a single-channel image is unchanged."""

from __future__ import annotations

import io

import numpy as np
import pytest
import tifffile

from annotations.models import Section, Volume
from annotations.services.imports import ImportOptions, import_file
from annotations.services.volumes import section_array, section_channels, volume_array
from cellweb.errors import ConflictError, InvalidInput

pytestmark = pytest.mark.django_db


def bf_phase_field(seed: int = 0, size: tuple[int, int] = (48, 64)) -> np.ndarray:
    """A synthetic field: a bright-field image (dark nuclei) and a phase image (bright nuclei)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[: size[0], : size[1]]
    nucleus = ((yy - size[0] / 2) ** 2 + (xx - size[1] / 2) ** 2) < 12**2
    bf = 1000 - 300 * nucleus + rng.normal(0, 5, size)
    phase = 0.1 + 0.8 * nucleus + rng.normal(0, 0.01, size)
    return np.stack([bf, phase]).astype(np.float32)  # (c, y, x)


def _import(path, project, **kwargs):
    params = {"specimen_name": "field-01", "modality": "brightfield"} | kwargs
    options, rest = ImportOptions.take(params)
    return import_file(path=path, project=project, options=options, **rest)


@pytest.mark.parametrize("suffix", ["npy", "tif"])
def test_bf_phase_field_is_one_section_with_two_named_channels(
    project, tmp_path, media_root, suffix
):
    field = bf_phase_field()
    path = tmp_path / f"field.{suffix}"
    np.save(path, field) if suffix == "npy" else tifffile.imwrite(path, field)

    result = _import(path, project, channel_axis=0, channel_names=["bf", "phase"])

    volume = Volume.objects.get()
    assert result.volumes == [("brightfield", "", 0, (1, 48, 64))]
    assert volume.channel_names == ["bf", "phase"] and volume.n_channels == 2
    section = Section.objects.get()
    np.testing.assert_array_equal(section_channels(section), field)
    np.testing.assert_array_equal(section_array(section, 1), field[1])
    assert section.stats["channels"][1]["max"] == pytest.approx(float(field[1].max()))
    assert section.stats["min"] == pytest.approx(float(field[0].min()))


def test_z_and_channels_4d_with_default_names(project, tmp_path, media_root):
    stack = np.stack([bf_phase_field(seed) for seed in range(3)])  # (z, c, y, x)
    np.save(tmp_path / "stack.npy", stack)

    _import(tmp_path / "stack.npy", project, modality="phase", channel_axis=1)

    volume = Volume.objects.get()
    assert volume.channel_names == ["channel 1", "channel 2"]
    assert volume.shape == (3, 48, 64)
    np.testing.assert_array_equal(volume_array(volume), stack)
    assert Section.objects.count() == 3


def test_channels_without_an_axis_are_refused_as_ambiguous(project, tmp_path, media_root):
    np.save(tmp_path / "field.npy", bf_phase_field())
    with pytest.raises(InvalidInput, match="channel axis"):
        _import(tmp_path / "field.npy", project, channel_names=["bf", "phase"])
    with pytest.raises(InvalidInput, match="2 channels but 3 names"):
        _import(tmp_path / "field.npy", project, channel_axis=0, channel_names=["a", "b", "c"])
    assert not Volume.objects.exists()


def test_a_project_keeps_one_set_of_label_free_channels(project, tmp_path, media_root):
    np.save(tmp_path / "a.npy", bf_phase_field(0))
    np.save(tmp_path / "b.npy", bf_phase_field(1)[0])  # a single-channel bright-field image
    _import(tmp_path / "a.npy", project, channel_axis=0, channel_names=["bf", "phase"])

    with pytest.raises(ConflictError) as refused:
        _import(tmp_path / "b.npy", project, specimen_name="field-02")

    assert refused.value.code == "channels_differ"
    assert Volume.objects.count() == 1


def test_a_single_channel_image_is_stored_byte_identically(project, tmp_path, media_root):
    image = bf_phase_field()[0]
    np.save(tmp_path / "bf.npy", image)

    _import(tmp_path / "bf.npy", project)

    volume = Volume.objects.get()
    assert volume.channel_names == []
    stored = volume_array(volume)
    assert stored.shape == (1, 48, 64) and stored.dtype == np.float32
    np.testing.assert_array_equal(stored[0], image)
    assert "channels" not in Section.objects.get().stats


def test_the_web_upload_takes_the_channel_axis_and_names(
    api, manager, media_root, eager_tasks, django_capture_on_commit_callbacks
):
    from tests.api.test_import_api import npy_bytes, upload

    field = bf_phase_field()
    client = api(manager)
    refused = upload(client, "f.npy", npy_bytes(field), modality="brightfield", channels="bf,phase")
    assert refused.status_code == 400 and "channel axis" in refused.json()["detail"]
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(
            client,
            "f.npy",
            npy_bytes(field),
            modality="brightfield",
            channels="bf,phase",
            channel_axis=0,
        )

    assert response.status_code == 202, response.content
    status = client.get(f"/api/import-jobs/{response.json()['id']}/").json()
    assert status["status"] == "succeeded", status
    assert Volume.objects.get().channel_names == ["bf", "phase"]


def test_import_folder_takes_the_channel_options(project, tmp_path, media_root):
    from django.core.management import call_command

    folder = tmp_path / "dish"
    folder.mkdir()
    for i in range(2):
        np.save(folder / f"field{i}_c1.npy", bf_phase_field(i))
    out = io.StringIO()

    call_command(
        "import_folder",
        str(folder),
        "--project",
        project.slug,
        "--modality",
        "phase",
        "--channel-axis",
        "0",
        "--channels",
        "bf,phase",
        stdout=out,
        verbosity=0,
    )

    assert sorted(Volume.objects.values_list("specimen__name", flat=True)) == ["field0", "field1"]
    assert all(v.channel_names == ["bf", "phase"] for v in Volume.objects.all())


def test_an_8_bit_three_channel_tiff_saved_by_tifffile_is_read_by_its_channel_axis(
    project, tmp_path, media_root
):
    # tifffile.imwrite stores a (3, y, x) uint8 array as one page of separate RGB planes; the
    # channel axis said by the user makes them channels, not a colour picture.
    rng = np.random.default_rng(4)
    field = rng.integers(0, 256, (3, 48, 64)).astype(np.uint8)
    path = tmp_path / "field.tif"
    tifffile.imwrite(path, field, photometric="rgb", planarconfig="separate")

    _import(path, project, channel_axis=0, channel_names=["bf", "phase", "dic"])

    volume = Volume.objects.get()
    assert volume.channel_names == ["bf", "phase", "dic"] and volume.shape == (1, 48, 64)
    np.testing.assert_array_equal(section_channels(Section.objects.get()), field)
