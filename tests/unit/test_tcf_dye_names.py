"""A Tomocube TCF names the dye of each fluorescence channel (``Name`` on ``/Data/3DFL/CH<n>``):
the reader exposes it and the import stores the channel under it, so a Hoechst or DAPI channel is
the stain fluorescence ground truth is made from without the user naming it. A channel that
names no dye of its own keeps its group name, as before."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from annotations.imaging.errors import ImageReadError
from annotations.imaging.readers import open_image
from annotations.models import Volume
from annotations.services.imports import ImportOptions, import_file
from cellweb.errors import InvalidInput
from inference.services.fluorescence_gt.pairs import fluorescence_pairs
from tests.data_files import VOXEL, ri_stack, stain_stack

SHAPE = (4, 32, 32)
_MISSING = object()


def _grid(group: h5py.Group) -> None:
    for axis, n, size in zip("ZYX", SHAPE, VOXEL):
        group.attrs[f"Size{axis}"] = np.array([n], dtype=np.int64)
        group.attrs[f"Resolution{axis}"] = np.array([size])


def write_tcf(path, names: dict[str, object]) -> str:
    """A TCF as the instrument lays it out: /Data/3D/000000 (RI x 10,000) and one group per
    fluorescence channel, /Data/3DFL/CH<n>/000000, whose ``Name`` is given (or left out)."""
    with h5py.File(path, "w") as f:
        ri = f.create_group("Data/3D")
        _grid(ri)
        ri.create_dataset("000000", data=np.rint(ri_stack(SHAPE) * 10_000).astype(np.uint16))
        fl = f.create_group("Data/3DFL")
        _grid(fl)
        for seed, (channel, name) in enumerate(names.items()):
            group = fl.create_group(channel)
            if name is not _MISSING:
                group.attrs["Name"] = name
            group.create_dataset("000000", data=stain_stack(SHAPE, seed).astype(np.uint16))
    return str(path)


@pytest.fixture
def three_channels(tmp_path):
    # bytes and str, as HDF5 writers store either; CH2 names no dye.
    return write_tcf(
        tmp_path / "cell.TCF", {"CH0": np.bytes_(b"GFP"), "CH1": "Hoechst", "CH2": _MISSING}
    )


def test_the_reader_exposes_each_channels_dye(three_channels):
    source = open_image(three_channels, modality="ri")
    found = {h.channel: (h.dye, h.stored_channel) for h in source.fluorescence}
    assert found == {"CH0": ("GFP", "GFP"), "CH1": ("Hoechst", "Hoechst"), "CH2": ("", "CH2")}
    assert open_image(three_channels, modality="fluorescence", channel="hoechst").fluorescence[
        0
    ].channel == ("CH1")


def test_an_unknown_channel_names_the_dyes(three_channels):
    with pytest.raises(ImageReadError, match=r"CH0 \(GFP\), CH1 \(Hoechst\), CH2"):
        open_image(three_channels, modality="fluorescence", channel="DAPI")


@pytest.mark.django_db
def test_the_hoechst_channel_is_the_stain_without_being_named(project, three_channels, media_root):
    result = import_file(
        path=three_channels,
        project=project,
        specimen_name="cell-01",
        options=ImportOptions(modality="ri"),
    )
    assert sorted(c for m, c, _, _ in result.volumes if m == "fluorescence") == [
        "CH2",
        "GFP",
        "Hoechst",
    ]
    (pair,) = fluorescence_pairs(project=project)
    assert pair.fluorescence.channel == "Hoechst"
    assert pair.fluorescence.paired_with == pair.label_free


@pytest.mark.django_db
@pytest.mark.parametrize("asked", ["CH1", "hoechst"])
def test_a_channel_is_picked_by_its_group_or_its_dye(project, three_channels, media_root, asked):
    import_file(
        path=three_channels,
        project=project,
        specimen_name="c",
        options=ImportOptions(modality="ri", channel=asked),
    )
    assert list(
        Volume.objects.filter(modality="fluorescence").values_list("channel", flat=True)
    ) == ["Hoechst"]


@pytest.mark.django_db
def test_a_channel_not_in_the_file_is_refused_naming_the_dyes(project, three_channels, media_root):
    with pytest.raises(InvalidInput, match=r"CH1 \(Hoechst\)"):
        import_file(
            path=three_channels,
            project=project,
            specimen_name="c",
            options=ImportOptions(modality="ri", channel="DAPI"),
        )


@pytest.mark.parametrize(
    "names",
    [
        {"CH0": _MISSING, "CH1": _MISSING},  # no Name: as before
        {"CH0": "CH0", "CH1": " "},  # the group's own name, or blank
        {"CH0": "DAPI", "CH1": "dapi"},  # two channels one dye: the volumes could not differ
        {"CH0": "x" * 33, "CH1": np.array([1.0])},  # too long for a channel; not text
    ],
)
def test_without_a_dye_of_its_own_a_channel_keeps_its_group_name(tmp_path, names):
    source = open_image(write_tcf(tmp_path / "c.TCF", names), modality="fluorescence")
    assert [(h.channel, h.dye, h.stored_channel) for h in source.fluorescence] == [
        ("CH0", "", "CH0"),
        ("CH1", "", "CH1"),
    ]
