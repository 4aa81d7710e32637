"""Tomogram sections a Tomocube stain stack does not reach get no fluorescence ground truth:
an empty mask there would say "no nucleus" where the stain was simply not imaged."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from annotations.imaging.masks import decode_mask
from annotations.models import GroundTruth, Section, Volume
from annotations.services.imports import ImportOptions, import_file
from cellweb.errors import ConflictError
from inference.ml.fluorescence import FluorescenceGTParams
from inference.services.fluorescence_gt import fluorescence_gt_create, fluorescence_gt_preview

pytestmark = pytest.mark.django_db

RI_SHAPE, RI_VOXEL = (12, 48, 48), (0.2, 0.1, 0.1)


def _nucleus(shape):
    """A tall cylinder of stain through every section, away from the field's border."""
    yy, xx = np.ogrid[: shape[1], : shape[2]]
    disc = (yy - shape[1] / 2) ** 2 + (xx - shape[2] / 2) ** 2 <= (shape[1] / 4) ** 2
    return np.broadcast_to(disc, shape)


def _write(path):
    """RI 12 sections of 0.2 µm; the stain 4 sections of 0.2 µm centred 0.6 µm up: it reaches
    tomogram sections 1-4 only, and shows the nucleus in all of them."""
    rng = np.random.default_rng(1)
    with h5py.File(path, "w") as f:
        group = f.create_group("Data/3D")
        group.create_dataset("000000", data=np.full(RI_SHAPE, 13370, np.uint16))
        fl = f.create_group("Data/3DFL")
        for attrs, shape, voxel in (
            (group.attrs, RI_SHAPE, RI_VOXEL),
            (fl.attrs, (4, 48, 48), RI_VOXEL),
        ):
            for axis, size, res in zip("ZYX", shape, voxel, strict=True):
                attrs[f"Size{axis}"] = np.array([size])
                attrs[f"Resolution{axis}"] = np.array([res])
        fl.attrs["OffsetZ"] = np.array([0.6])
        stain = 100 + 800 * _nucleus((4, 48, 48)) + rng.normal(0, 5, (4, 48, 48))
        fl.create_dataset("CH0/000000", data=stain.astype(np.uint16))
    return path


@pytest.fixture
def ri(project, tmp_path, media_root):
    """The RI volume of the file ``_write`` makes, imported with its stain."""
    import_file(
        path=_write(tmp_path / "cell.TCF"),
        project=project,
        specimen_name="cell",
        options=ImportOptions(modality="ri"),
    )
    return Volume.objects.get(modality="ri")


@pytest.mark.usefixtures("ri")
def test_sections_outside_the_stain_get_no_ground_truth(project):
    assert Volume.objects.get(modality="fluorescence").stats["imaged_sections"] == [1, 4]
    # In-silico labelling and the section pages pair only the sections the stain reaches.
    linked = Section.objects.filter(volume__modality="ri", fluorescence__isnull=False)
    assert sorted(linked.values_list("z", flat=True)) == [1, 2, 3, 4]

    fluorescence_gt_create(project=project, user=None, params=FluorescenceGTParams())

    rows = GroundTruth.objects.filter(source="fluorescence", is_current=True)
    assert sorted(rows.values_list("section__z", flat=True)) == [1, 2, 3, 4]
    expected = _nucleus((1, 48, 48))[0]
    for row in rows:
        mask = decode_mask(bytes(row.mask_png), (48, 48))
        assert 2 * (mask & expected).sum() / (mask.sum() + expected.sum()) > 0.95


def test_preview_of_a_section_outside_the_stain_says_so(ri):
    inside, _ = fluorescence_gt_preview(
        section=Section.objects.get(volume=ri, z=2), params=FluorescenceGTParams()
    )
    assert inside.any()
    with pytest.raises(ConflictError, match="outside the stain stack"):
        fluorescence_gt_preview(
            section=Section.objects.get(volume=ri, z=8), params=FluorescenceGTParams()
        )
