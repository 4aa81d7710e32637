"""Consensus per label class and per instance through the review service, against SimpleITK and
scikit-learn run directly on the same maps; ground truth from a labelled consensus."""

from __future__ import annotations

import base64
import itertools

import numpy as np
import pytest
import SimpleITK as sitk
from scipy import ndimage
from sklearn.metrics import f1_score

from annotations.imaging.label_values import stored_labels
from annotations.imaging.labels import decode_class_map, encode_class_map, encode_instance_map
from annotations.imaging.masks import decode_mask, encode_mask
from annotations.models import ConsensusMethod, SectionStatus
from annotations.selectors.review import review_queue
from annotations.selectors.review.minority import objects_outline_png
from annotations.services.review import (
    STAPLE_MAX_ITERATIONS,
    consensus_compute_for_section,
)
from tests.review_support import confirm, disk, save_revision, sections_of

SHAPE = (32, 32)
REGIONS = [
    {"value": 1, "name": "cytoplasm", "colour": "#ff0000", "shortcut": "1", "kind": "region"},
    {"value": 2, "name": "membrane", "colour": "#00ff00", "shortcut": "2", "kind": "region"},
]


def _class_maps(seed: int) -> list[np.ndarray]:
    """Three annotators' cytoplasm (1) + membrane (2) maps: one cell, jittered and noisy."""
    rng = np.random.default_rng(seed)
    maps = []
    for _ in range(3):
        cy, cx = 16 + rng.normal(0, 1, 2)
        cell = disk(SHAPE, cy, cx, 11 + rng.normal(0, 0.7))
        inner = disk(SHAPE, cy, cx, 9 + rng.normal(0, 0.7))
        labels = np.where(inner, 1, np.where(cell, 2, 0)).astype(np.uint8)
        flip = rng.random(SHAPE) < 0.05
        labels[flip] = rng.integers(0, 3, int(flip.sum()))
        maps.append(labels)
    return maps


def _submit(section, users, pngs):
    for user, png in zip(users, pngs):
        save_revision(section, user, np.zeros(SHAPE, dtype=bool), png=png)
    section.status = SectionStatus.REVIEW
    section.save(update_fields=["status"])


@pytest.fixture
def region_project(project):
    project.label_classes = REGIONS
    project.save(update_fields=["label_classes"])
    return project


@pytest.mark.parametrize("method", [ConsensusMethod.MAJORITY, ConsensusMethod.STAPLE])
def test_region_consensus_is_simpleitk_label_voting_or_multilabel_staple(
    region_project, specimen, make_volume, cast, method
):
    region_project.consensus_method = method
    region_project.save(update_fields=["consensus_method"])
    section = sections_of(specimen, make_volume)[0]
    maps = _class_maps(seed=3)
    _submit(section, cast, [encode_class_map(m, [1, 2]) for m in maps])

    consensus = consensus_compute_for_section(section)

    images = [sitk.GetImageFromArray(m) for m in maps]
    if method == ConsensusMethod.STAPLE:
        itk = sitk.MultiLabelSTAPLEImageFilter()
        itk.SetLabelForUndecidedPixels(0)
        itk.SetMaximumNumberOfIterations(STAPLE_MAX_ITERATIONS)
        itk.SetTerminationUpdateThreshold(1e-5)
    else:
        itk = sitk.LabelVotingImageFilter()
        itk.SetLabelForUndecidedPixels(0)
    expected = sitk.GetArrayFromImage(itk.Execute(images))
    stored = decode_class_map(bytes(consensus.mask_png), [1, 2], SHAPE)
    np.testing.assert_array_equal(stored, expected)

    # Per class: mean over annotator pairs of the Dice of map == class (scikit-learn's F1).
    rows = {row["name"]: row for row in consensus.agreement["classes"]}
    for value, name in ((1, "cytoplasm"), (2, "membrane")):
        dice = [
            f1_score((a == value).ravel(), (b == value).ravel())
            for a, b in itertools.combinations(maps, 2)
        ]
        assert rows[name]["mean_dice"] == pytest.approx(np.mean(dice))
    worst = min(rows.values(), key=lambda row: row["mean_dice"])
    section.refresh_from_db()
    assert section.agreement == pytest.approx(worst["mean_dice"])
    assert consensus.agreement["worst_class"]["name"] == worst["name"]


def _nuclei(*disks) -> np.ndarray:
    instances = np.zeros(SHAPE, dtype=np.uint16)
    for number, (cy, cx, r) in enumerate(disks, start=1):
        instances[disk(SHAPE, cy, cx, r)] = number
    return instances


def _instance_png(instances: np.ndarray) -> bytes:
    return encode_instance_map(instances, {int(i): 1 for i in np.unique(instances) if i}, [1])


def test_a_nucleus_one_of_three_missed_is_kept_and_one_only_one_drew_is_listed(
    project, specimen, make_volume, cast
):
    a, b, c = cast
    section = sections_of(specimen, make_volume)[0]
    nuclei = [(8, 8, 4), (8, 24, 4), (24, 12, 5)]
    maps = {
        a: _nuclei(*nuclei, (25, 26, 3)),  # an extra nucleus nobody else saw
        b: _nuclei(*nuclei),
        c: _nuclei(*nuclei[:2]),  # misses the third
    }
    _submit(section, list(maps), [_instance_png(m) for m in maps.values()])

    consensus = consensus_compute_for_section(section)

    result = stored_labels(bytes(consensus.mask_png), [1], [1], SHAPE)
    assert result.stored_instances and sorted(result.classes) == [1, 2, 3]
    for cy, cx, _ in nuclei:  # each of the three is one consensus nucleus
        assert result.instances[cy, cx] > 0
    assert len({result.instances[cy, cx] for cy, cx, _ in nuclei}) == 3
    assert result.instances[25, 26] == 0

    [nucleus] = consensus.agreement["classes"]
    per_pair = {(p["a"], p["b"]): p for p in nucleus["instances"]["pairs"]}
    names = [u.username for u in cast]
    # a: 4 nuclei, b: 3, c: 2. F1 = 2TP / (2TP + FP + FN).
    expected = {
        (names[0], names[1]): 6 / 7,
        (names[0], names[2]): 4 / 6,
        (names[1], names[2]): 4 / 5,
    }
    for pair, f1 in expected.items():
        assert per_pair[pair]["f1"] == pytest.approx(f1)
    assert nucleus["instances"]["mean_f1"] == pytest.approx(np.mean(list(expected.values())))
    assert nucleus["instances"]["mean_f1"] < 1
    assert per_pair[(names[1], names[2])]["unmatched_a"] == [3]  # b's third, missed by c
    [minority] = consensus.agreement["minority"]
    assert minority["annotators"] == {names[0]: 4}
    assert (minority["found_by"], minority["of"]) == (1, 3)
    assert (minority["y"], minority["x"]) == pytest.approx((25, 26), abs=0.5)


def _touching_pair(split_column: int) -> np.ndarray:
    """Two touching nuclei in one 10x20 box, split at ``split_column``."""
    instances = np.zeros(SHAPE, dtype=np.uint16)
    instances[11:21, 6:split_column] = 1
    instances[11:21, split_column:26] = 2
    return instances


@pytest.mark.parametrize(
    ("splits", "strip_owner"),
    [((14, 14, 18), "right"), ((14, 18), None)],
    ids=["two-of-three-split-at-14", "one-each"],
)
def test_a_touching_pair_split_differently(
    project, specimen, make_volume, cast, splits, strip_owner
):
    section = sections_of(specimen, make_volume)[0]
    users = list(cast)[: len(splits)]
    _submit(section, users, [_instance_png(_touching_pair(s)) for s in splits])

    consensus = consensus_compute_for_section(section)

    result = stored_labels(bytes(consensus.mask_png), [1], [1], SHAPE)
    left, right = int(result.instances[15, 8]), int(result.instances[15, 24])
    assert left and right and left != right  # two nuclei, never merged
    strip = result.instances[11:21, 14:18]
    if strip_owner == "right":
        # The disputed columns go to the side two of the three annotators put them in.
        assert (strip == right).all()
    else:
        # An even split: the disputed strip belongs to neither nucleus.
        assert (strip == 0).all()
    assert (result.instances[11:21, 6:14] == left).all()
    assert (result.instances[11:21, 18:26] == right).all()
    [nucleus] = consensus.agreement["classes"]
    assert nucleus["instances"]["mean_f1"] == 1.0  # IoU >= 0.5 for both nuclei of every pair
    assert consensus.agreement["minority"] == []


def test_the_queue_orders_by_the_worst_class(region_project, specimen, make_volume, cast, reviewer):
    first, second = sections_of(specimen, make_volume)[:2]
    good = _class_maps(seed=1)
    bad = [m.copy() for m in good]
    bad[0][bad[0] == 2] = 0  # one annotator leaves out the membrane
    _submit(first, cast, [encode_class_map(m, [1, 2]) for m in good])
    _submit(second, cast, [encode_class_map(m, [1, 2]) for m in bad])
    consensus_compute_for_section(first)
    worse = consensus_compute_for_section(second)

    assert worse.agreement["worst_class"]["name"] == "membrane"
    rows = review_queue(project=region_project, user=reviewer, limit=10)
    assert [row["id"] for row in rows][:2] == [second.pk, first.pk]
    assert rows[0]["worst_class"] == "membrane"


def test_confirming_a_labelled_consensus_stores_it_and_an_edit_splits_a_nucleus(
    project, specimen, make_volume, cast, reviewer
):
    section = sections_of(specimen, make_volume)[0]
    merged = np.zeros(SHAPE, dtype=np.uint16)
    merged[11:21, 6:26] = 1
    _submit(section, cast, [_instance_png(merged) for _ in cast])
    consensus = consensus_compute_for_section(section)

    truth = confirm(section, reviewer, consensus)
    assert bytes(truth.mask_png) == bytes(consensus.mask_png)
    assert not truth.edited and truth.foreground_pixels == 200

    edited = confirm(
        section,
        reviewer,
        consensus,
        mask_png=_instance_png(_touching_pair(16)),
        edited=True,
        base_version=1,
    )
    assert edited.edited and edited.edit_summary["instances_changed"]
    assert edited.edit_summary["pixels_added"] == edited.edit_summary["pixels_removed"] == 0
    stored = stored_labels(bytes(edited.mask_png), [1], [1], SHAPE)
    assert stored.stored_instances and len(stored.classes) == 2


def test_the_page_outlines_touching_nuclei_apart(project, specimen, make_volume):
    section = sections_of(specimen, make_volume)[0]
    pair = _touching_pair(16)

    outline = objects_outline_png(section, _instance_png(pair))

    mask = decode_mask(base64.b64decode(outline), SHAPE)
    assert ndimage.label(mask)[1] == 2  # one contour each, not one around both
    assert np.count_nonzero(pair) - np.count_nonzero(mask) == 10  # a one-pixel column apart
    assert objects_outline_png(section, encode_mask(pair > 0)) is None  # binary: nothing to split


def test_nucleus_instances_and_cytoplasm_merge_into_one_instance_map(
    project, specimen, make_volume, cast
):
    project.label_classes = [
        {"value": 1, "name": "nucleus", "colour": "#00e5ff", "shortcut": "1", "kind": "instances"},
        {"value": 2, "name": "cytoplasm", "colour": "#ff00ff", "shortcut": "2", "kind": "region"},
    ]
    project.consensus_method = ConsensusMethod.MAJORITY
    project.save(update_fields=["label_classes", "consensus_method"])
    section = sections_of(specimen, make_volume)[0]
    maps, pngs = [], []
    for shift in (0, 1, -1):
        cell = disk(SHAPE, 16, 16 + shift, 13)
        nuclei = _touching_pair(16 + shift)
        instances = np.where(nuclei > 0, nuclei, np.where(cell, 3, 0)).astype(np.uint16)
        pngs.append(encode_instance_map(instances, {1: 1, 2: 1, 3: 2}, [1, 2]))
        maps.append(np.where(nuclei > 0, 1, np.where(cell, 2, 0)).astype(np.uint8))
    _submit(section, cast, pngs)

    consensus = consensus_compute_for_section(section)

    stored = stored_labels(bytes(consensus.mask_png), [1, 2], [1], SHAPE)
    assert stored.stored_instances
    nuclei = sorted(i for i, v in stored.classes.items() if v == 1)
    assert len(nuclei) == 2 and set(stored.classes.values()) == {1, 2}
    # The cytoplasm is the plurality vote (SimpleITK's LabelVoting) wherever no nucleus is kept.
    itk = sitk.LabelVotingImageFilter()
    itk.SetLabelForUndecidedPixels(0)
    vote = sitk.GetArrayFromImage(itk.Execute([sitk.GetImageFromArray(m) for m in maps]))
    outside = stored.instances == 0
    outside |= np.isin(stored.instances, [i for i, v in stored.classes.items() if v == 2])
    np.testing.assert_array_equal(stored.class_map[outside] == 2, vote[outside] == 2)
    rows = {row["name"]: row for row in consensus.agreement["classes"]}
    assert rows["nucleus"]["instances"]["mean_f1"] == 1.0
    assert "instances" not in rows["cytoplasm"]
