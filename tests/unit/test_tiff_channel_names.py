"""A TIFF that names its channels (ImageJ labels, OME Channel Name) is never read with its
channels swapped: names given in another order than the file's are refused
(annotations/imaging/readers/tiff_channels.py, docs/channels.md)."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile

from annotations.services.imports import ImportOptions, inspect_file
from cellweb.errors import InvalidInput


def _phase_hoechst(path, *, ome: bool) -> None:
    rng = np.random.default_rng(0)
    stack = rng.integers(0, 4000, (2, 48, 64), dtype=np.uint16)
    if ome:
        meta = {"axes": "CYX", "Channel": {"Name": ["Phase", "Hoechst"]}}
        tifffile.imwrite(path, stack, ome=True, metadata=meta)
    else:
        meta = {"axes": "CYX", "Labels": ["Phase", "Hoechst"]}
        tifffile.imwrite(path, stack, imagej=True, metadata=meta)


def _inspect(path, names: list[str]):
    options = ImportOptions(modality="phase", channel_names=names, stain_channels=["hoechst"])
    return inspect_file(path=path, options=options)


@pytest.mark.parametrize("ome", [False, True], ids=["imagej", "ome"])
def test_channel_names_in_another_order_than_the_files_are_refused(tmp_path, ome) -> None:
    path = tmp_path / ("field.ome.tif" if ome else "field.tif")
    _phase_hoechst(path, ome=ome)

    with pytest.raises(InvalidInput) as refused:
        _inspect(path, ["hoechst", "phase"])

    message = str(refused.value)
    assert "Phase, Hoechst" in message
    assert "“hoechst” is the file's channel 2" in message


@pytest.mark.parametrize("ome", [False, True], ids=["imagej", "ome"])
def test_names_in_the_files_order_any_case_are_read(tmp_path, ome) -> None:
    path = tmp_path / ("field.ome.tif" if ome else "field.tif")
    _phase_hoechst(path, ome=ome)

    _source, handles = _inspect(path, ["phase", "hoechst"])

    assert [(h.kind, h.channel) for h in handles] == [
        ("label_free", ""),
        ("fluorescence", "hoechst"),
    ]


def test_names_the_file_does_not_use_are_the_lab_s_own(tmp_path) -> None:
    path = tmp_path / "field.tif"
    _phase_hoechst(path, ome=False)

    _source, handles = _inspect(path, ["ph", "hoechst"])

    assert [h.channel for h in handles] == ["", "hoechst"]
