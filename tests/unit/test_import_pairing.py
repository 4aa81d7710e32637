"""pair_files: a folder's names grouped into fields by a name pattern, and why a file is left out."""

from __future__ import annotations

import pytest

from annotations.services.imports.pairing import FieldFiles, pair_files, pattern_regex
from cellweb.errors import InvalidInput


def test_the_default_pattern_pairs_channel_1_with_its_stain_in_channel_2():
    names = [
        "dish1_f02_c2.tif",
        "dish1_f01_c1.tif",
        "dish1_f01_c2.tif",
        "dish1_f02_c1.TIF",
        "dish1_f03_c1.ome.tiff",
        "notes.txt",
        "dish1_f01_c3.tif",
    ]
    pairing = pair_files(names)
    assert pairing.fields == [
        FieldFiles("dish1_f01", "dish1_f01_c1.tif", "dish1_f01_c2.tif"),
        FieldFiles("dish1_f02", "dish1_f02_c1.TIF", "dish1_f02_c2.tif"),
        FieldFiles("dish1_f03", "dish1_f03_c1.ome.tiff", None),
    ]
    reasons = dict(pairing.skipped)
    assert set(reasons) == {"notes.txt", "dish1_f01_c3.tif"}
    assert "does not match" in reasons["notes.txt"]
    assert (
        "neither the label-free channel “1” nor the stain channel “2”"
        in reasons["dish1_f01_c3.tif"]
    )


def test_an_ambiguous_field_or_a_stain_alone_is_skipped_whole_with_its_reason():
    pairing = pair_files(
        ["a_c1.tif", "a_c1.npy", "a_c2.tif", "b_c2.tif", "c_c1.tif", "c_c2.tif", "c_c2.npy"]
    )
    assert [f.specimen for f in pairing.fields] == []
    reasons = dict(pairing.skipped)
    assert "field “a” has 2 label-free images" in reasons["a_c1.tif"]
    assert reasons["a_c1.npy"] == reasons["a_c1.tif"]
    assert reasons["a_c2.tif"] == reasons["a_c1.tif"]  # the whole field waits for a decision
    assert "has a stain but no label-free image" in reasons["b_c2.tif"]
    assert "field “c” has 2 stain images" in reasons["c_c2.npy"]


def test_other_patterns_and_channel_values():
    pairing = pair_files(
        ["HL60-03-ch0.tif", "HL60-03-ch1.tif", "HL60-04-ch0.tif"],
        pattern="{specimen}-ch{channel}.tif",
        label_free="0",
        stain="1",
    )
    assert pairing.fields == [
        FieldFiles("HL60-03", "HL60-03-ch0.tif", "HL60-03-ch1.tif"),
        FieldFiles("HL60-04", "HL60-04-ch0.tif", None),
    ]
    alone = pair_files(["cell A.TCF", "cell B.tcf", "x.h5"], pattern="{specimen}.tcf")
    assert [(f.specimen, f.stain) for f in alone.fields] == [("cell A", None), ("cell B", None)]
    assert [name for name, _ in alone.skipped] == ["x.h5"]


@pytest.mark.parametrize(
    ("pattern", "says"),
    [
        ("field_c{channel}.tif", "exactly once"),
        ("{specimen}_{specimen}.tif", "exactly once"),
        ("{specimen}_c{channel}_{channel}", "at most once"),
        ("{specimen}_{stain}.tif", "unknown placeholder"),
    ],
)
def test_a_bad_pattern_is_refused_with_what_is_wrong(pattern, says):
    with pytest.raises(InvalidInput, match=says):
        pattern_regex(pattern)


def test_the_two_channel_values_must_differ():
    with pytest.raises(InvalidInput, match="two different channel values"):
        pair_files(["a_c1.tif"], label_free="1", stain="1")
