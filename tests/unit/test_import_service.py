"""import_file: every supported format comes in whole, every bad file is refused and leaves nothing."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
from PIL import Image

from annotations.imaging.masks import decode_mask
from annotations.models import GroundTruth, Section, SourceFile, Specimen, Volume
from annotations.selectors.projects import project_detail
from annotations.services.groundtruth_import import ground_truth_import
from annotations.services.imports import ImportOptions, import_file, inspect_file
from cellweb.errors import ConflictError, InvalidInput
from tests.data_files import (
    VOXEL,
    assert_nothing_written,
    files_under,
    ri_stack,
    stain_stack,
    truncate,
    write_h5,
    write_npy,
    write_small_tcf,
    write_tiff,
)

pytestmark = pytest.mark.django_db


def _import(path, project, **kwargs):
    params = {"specimen_name": "cell-01", "modality": "ri"} | kwargs
    options, rest = ImportOptions.take(params)
    return import_file(path=path, project=project, options=options, **rest)


def test_tcf_brings_every_time_point_and_pairs_its_fluorescence(project, tmp_path, media_root):
    path = write_small_tcf(tmp_path / "cell.TCF", time_points=2)

    result = _import(path, project, channel="DAPI", lab="KAIST")

    assert sorted(result.volumes) == [
        ("fluorescence", "DAPI", 0, (4, 32, 32)),
        ("fluorescence", "DAPI", 1, (4, 32, 32)),
        ("ri", "", 0, (4, 32, 32)),
        ("ri", "", 1, (4, 32, 32)),
    ]
    assert result.time_points == [0, 1]
    # Counted as the project page counts sections (label-free), the stain's apart.
    assert (result.sections_count, result.stain_sections_count) == (8, 8)
    assert project_detail(user=None, project=project)["section_count"] == 8
    assert result.summary()["stain_sections_count"] == 8
    assert "2 time point(s), 8 label-free section(s) and 8 stain section(s)." in " ".join(
        result.describe()
    )
    assert result.specimen.lab == "KAIST"
    assert result.source_file.format == "tcf"
    ri = Volume.objects.get(modality="ri", time_index=1)
    fl = Volume.objects.get(modality="fluorescence", time_index=1)
    assert fl.paired_with == ri
    assert ri.voxel_size == pytest.approx(VOXEL)
    # uint16 RI x 1e4 comes back in physical units
    assert 1.30 < ri.stats["min"] < ri.stats["max"] < 1.40
    for section in Section.objects.filter(volume=ri):
        assert section.fluorescence.volume_id == fl.pk
        assert section.fluorescence.z == section.z


def test_npy_stack_and_its_stain_imported_separately_are_paired(project, tmp_path, media_root):
    _import(write_npy(tmp_path / "ri.npy", ri_stack()), project, voxel_size=VOXEL)
    _import(
        write_npy(tmp_path / "dapi.npy", stain_stack()),
        project,
        modality="fluorescence",
        channel="DAPI",
    )

    ri = Volume.objects.get(modality="ri")
    fl = Volume.objects.get(modality="fluorescence")
    assert fl.channel == "DAPI"
    assert fl.paired_with == ri
    assert Section.objects.filter(volume=ri, fluorescence__isnull=False).count() == 4


def test_tiff_stack_imports_with_its_sections(project, tmp_path, media_root):
    result = _import(write_tiff(tmp_path / "stack.tif", ri_stack((6, 40, 36))), project)
    assert result.volumes == [("ri", "", 0, (6, 40, 36))]
    assert Section.objects.filter(volume__specimen=result.specimen).count() == 6


def test_generic_hdf5_needs_and_uses_the_named_dataset(project, tmp_path, media_root):
    path = write_h5(tmp_path / "data.h5", "/exp/ri", ri_stack())
    result = _import(path, project, dataset="/exp/ri")
    assert result.volumes == [("ri", "", 0, (4, 32, 32))]


def test_bright_field_png_is_a_single_section(project, tmp_path, media_root):
    path = tmp_path / "bf.png"
    Image.fromarray((np.random.default_rng(0).random((48, 64)) * 255).astype(np.uint8)).save(path)
    result = _import(path, project, modality="brightfield")
    assert result.volumes == [("brightfield", "", 0, (1, 48, 64))]
    assert result.sections_count == 1


def test_a_single_stack_is_stored_at_the_given_time_point(project, tmp_path, media_root):
    result = _import(write_npy(tmp_path / "t3.npy", ri_stack()), project, time_index=3)
    assert result.time_points == [3]


def test_a_multi_time_point_file_keeps_only_the_asked_time_point(project, tmp_path, media_root):
    result = _import(write_small_tcf(tmp_path / "tl.TCF", time_points=3), project, time_index=1)
    assert {t for _, _, t, _ in result.volumes} == {1}


def test_progress_runs_from_start_to_finish(project, tmp_path, media_root):
    seen = []
    _import(write_small_tcf(tmp_path / "c.TCF"), project, progress=lambda f, m: seen.append((f, m)))
    fractions = [f for f, _ in seen]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert fractions == sorted(fractions)
    assert any("fluorescence" in m for _, m in seen)


def _corrupt(tmp_path):
    path = tmp_path / "cell.TCF"
    path.write_bytes(np.random.default_rng(0).bytes(5000))
    return path


def _hdf5_garbage(tmp_path):
    path = tmp_path / "cell.TCF"
    path.write_bytes(b"\x89HDF\r\n\x1a\n" + np.random.default_rng(1).bytes(4000))
    return path


def _truncated_tiff(tmp_path):
    return truncate(write_tiff(tmp_path / "stack.tif", ri_stack((8, 64, 64))))


def _truncated_tcf(tmp_path):
    return truncate(write_small_tcf(tmp_path / "cut.TCF", shape=(8, 64, 64)), keep=0.5)


def _missing_dataset(tmp_path):
    return write_h5(tmp_path / "data.h5", "/exp/ri", ri_stack())


def _two_d_ri(tmp_path):
    return write_npy(tmp_path / "flat.npy", ri_stack()[0])


def _five_d(tmp_path):
    return write_npy(tmp_path / "5d.npy", np.ones((2, 2, 2, 32, 32), np.float32))


def _with_nan(tmp_path):
    data = ri_stack()
    data[2, 5, 5] = np.nan
    return write_npy(tmp_path / "nan.npy", data)


def _with_inf(tmp_path):
    data = ri_stack()
    data[1, 0, 0] = np.inf
    return write_npy(tmp_path / "inf.npy", data)


def _tcf_stain_of_another_size(tmp_path):
    path = write_small_tcf(tmp_path / "bad-pair.TCF")
    with h5py.File(path, "a") as f:
        del f["Data/3DFL/CH0/000000"]
        f["Data/3DFL/CH0"].create_dataset("000000", data=np.ones((4, 32, 40), np.uint16))
    return path


def _tcf_stain_with_nan(tmp_path):
    # Only found while reading the second volume, after the first one was stored.
    path = write_small_tcf(tmp_path / "nan-stain.TCF")
    stain = stain_stack()
    stain[3, 1, 1] = np.nan
    with h5py.File(path, "a") as f:
        del f["Data/3DFL/CH0/000000"]
        f["Data/3DFL/CH0"].create_dataset("000000", data=stain)
    return path


BAD_FILES = {
    "random bytes named .TCF": (_corrupt, {}, "not a supported image file"),
    "HDF5 signature then garbage": (_hdf5_garbage, {}, "HDF5"),
    "truncated TIFF": (_truncated_tiff, {}, "incomplete"),
    "truncated TCF": (_truncated_tcf, {}, "TCF"),
    "HDF5 without the named dataset": (
        _missing_dataset,
        {"dataset": "/exp/nope"},
        "does not exist",
    ),
    "HDF5 without a dataset name": (_missing_dataset, {}, "which dataset"),
    "2D image as RI": (_two_d_ri, {}, "2D image"),
    "5D array": (_five_d, {}, "5-dimensional"),
    "NaN values": (_with_nan, {}, "NaN"),
    "infinite values": (_with_inf, {}, "NaN or infinity"),
    "TCF stain of another size": (_tcf_stain_of_another_size, {}, "must match"),
    "TCF stain with NaN": (_tcf_stain_with_nan, {}, "NaN"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_file_is_refused_with_a_clear_message_and_leaves_nothing(
    case, project, tmp_path, media_root
):
    make, kwargs, expected = BAD_FILES[case]
    path = make(tmp_path)
    with pytest.raises(InvalidInput) as caught:
        _import(path, project, **kwargs)
    assert expected.lower() in caught.value.message.lower()
    assert_nothing_written(media_root)
    assert not Specimen.objects.exists()


def test_a_stain_that_does_not_match_its_label_free_partner_is_refused(
    project, tmp_path, media_root
):
    _import(write_npy(tmp_path / "ri.npy", ri_stack()), project)
    stored = files_under(media_root / "volumes")

    with pytest.raises(ConflictError, match="must match") as caught:
        _import(
            write_npy(tmp_path / "dapi.npy", stain_stack((4, 32, 48))),
            project,
            modality="fluorescence",
            channel="DAPI",
        )

    assert caught.value.code == "partner_shape_mismatch"
    assert Volume.objects.count() == 1
    assert SourceFile.objects.count() == 1
    assert files_under(media_root / "volumes") == stored


def test_the_same_file_twice_is_refused_naming_the_earlier_import(project, tmp_path, media_root):
    path = write_npy(tmp_path / "ri.npy", ri_stack())
    _import(path, project)
    copy = tmp_path / "renamed.npy"
    copy.write_bytes(path.read_bytes())

    with pytest.raises(ConflictError) as caught:
        _import(copy, project, specimen_name="other")
    assert caught.value.code == "already_imported"

    assert "already imported" in caught.value.message
    assert "ri.npy" in caught.value.message and "cell-01" in caught.value.message
    assert Volume.objects.count() == 1
    assert not Specimen.objects.filter(name="other").exists()


def test_an_import_interrupted_after_its_first_volume_leaves_nothing(project, tmp_path, media_root):
    def interrupt(fraction, message):
        if "fluorescence" in message:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _import(write_small_tcf(tmp_path / "c.TCF"), project, progress=interrupt)

    assert_nothing_written(media_root)


def test_a_second_ri_volume_at_the_same_time_point_is_refused(project, tmp_path, media_root):
    _import(write_npy(tmp_path / "a.npy", ri_stack(seed=1)), project)
    with pytest.raises(ConflictError, match="already has a ri volume"):
        _import(write_npy(tmp_path / "b.npy", ri_stack(seed=2)), project)


def test_a_channel_name_for_an_image_without_fluorescence_is_refused(project, tmp_path, media_root):
    with pytest.raises(InvalidInput, match="no fluorescence channel"):
        _import(write_npy(tmp_path / "a.npy", ri_stack()), project, channel="DAPI")
    assert_nothing_written(media_root)


def test_inspecting_reads_no_pixels(tmp_path):
    path = write_small_tcf(tmp_path / "c.TCF", time_points=2)
    source, handles = inspect_file(
        path=path, options=ImportOptions(modality="ri", channel="Hoechst")
    )
    assert source.format == "tcf"
    assert [(h.kind, h.channel, h.time_index) for h in handles] == [
        ("label_free", "", 0),
        ("fluorescence", "Hoechst", 0),
        ("label_free", "", 1),
        ("fluorescence", "Hoechst", 1),
    ]


# --------------------------------------------------------------------------- imported ground truth


def test_imported_ground_truth_adds_a_version_per_section(project, tmp_path, media_root):
    result = _import(write_npy(tmp_path / "ri.npy", ri_stack()), project)
    volume = Volume.objects.get(specimen=result.specimen)
    masks = np.zeros((4, 32, 32), bool)
    masks[:, 8:20, 8:20] = True

    assert ground_truth_import(volume=volume, masks=masks) == 4
    masks[:, 8:20, 8:24] = True
    assert ground_truth_import(volume=volume, masks=masks.astype(np.uint8) * 255) == 4

    assert GroundTruth.objects.filter(source="imported").count() == 8
    current = GroundTruth.objects.filter(source="imported", is_current=True)
    assert current.count() == 4
    assert set(current.values_list("version", flat=True)) == {2}
    gt = current.get(section__z=0)
    assert gt.foreground_pixels == 12 * 16
    assert np.array_equal(decode_mask(bytes(gt.mask_png), (32, 32)), masks[0])


def test_imported_ground_truth_must_match_the_volume(project, tmp_path, media_root):
    result = _import(write_npy(tmp_path / "ri.npy", ri_stack()), project)
    volume = Volume.objects.get(specimen=result.specimen)
    with pytest.raises(InvalidInput, match="must match"):
        ground_truth_import(volume=volume, masks=np.zeros((4, 32, 30), bool))
    with pytest.raises(InvalidInput, match="fractional"):
        ground_truth_import(volume=volume, masks=np.full((4, 32, 32), 0.5, np.float32))
    assert not GroundTruth.objects.exists()
