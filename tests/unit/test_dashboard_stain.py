"""The dashboard scores each annotator against fluorescence ground truth beside their agreement
with the others, on the same sections; checked against SciPy's Dice."""

from __future__ import annotations

import numpy as np
import pytest
from django.test import Client
from scipy.spatial.distance import dice as dice_dissimilarity

from annotations.imaging.labels import encode_instance_map
from annotations.models import GroundTruth
from annotations.selectors.review.dashboard import stain_agreement
from annotations.services.review import consensus_compute_for_section
from tests.conftest import PASSWORD
from tests.review_support import (
    box,
    disk,
    fluorescence_truth,
    jittered_disks,
    sections_of,
    submit_all,
)

SHAPE = (32, 32)


def _dice(a: np.ndarray, b: np.ndarray) -> float:
    return 1.0 - float(dice_dissimilarity(a.ravel(), b.ravel()))


def _fluorescence(section, mask: np.ndarray, quality: str | None = None) -> None:
    fluorescence_truth(section, mask, quality=quality)


@pytest.fixture
def scored(specimen, make_volume, annotator, second_annotator, third_annotator):
    """Four sections with fluorescence masks; z2's is empty, z3's is flagged."""
    users = [annotator, second_annotator, third_annotator]
    sections = sections_of(specimen, make_volume, shape=(4, *SHAPE))
    empty = np.zeros(SHAPE, dtype=bool)
    truth = [disk(SHAPE, 16, 16, 8), disk(SHAPE, 14, 15, 7), empty, disk(SHAPE, 10, 10, 5)]
    drawn = {
        0: jittered_disks(SHAPE, 3, seed=1),
        1: [disk(SHAPE, 14, 15, 6), box(SHAPE, slice(8, 20), slice(8, 22)), disk(SHAPE, 20, 20, 5)],
        2: [empty, empty, box(SHAPE, slice(2, 6), slice(2, 6))],  # only the third sees one
        3: jittered_disks(SHAPE, 3, seed=3),
    }
    for section in sections:
        _fluorescence(section, truth[section.z], "mask_no_signal" if section.z == 3 else None)
        submit_all(section, dict(zip(users, drawn[section.z])))
        consensus_compute_for_section(section)
    return users, truth, drawn


def _expected(users, truth, drawn) -> dict[str, dict]:
    expected = {}
    for i, user in enumerate(users):
        stain, others, both_empty = [], [], 0
        for z in (0, 1, 2):  # z3 is flagged: left out
            mine = drawn[z][i]
            if not mine.any() and not truth[z].any():
                both_empty += 1
                continue
            stain.append(_dice(mine, truth[z]))
            pairs = [drawn[z][j] for j in range(len(users)) if j != i]
            others.append(
                np.mean([1.0 if not (mine.any() or o.any()) else _dice(mine, o) for o in pairs])
            )
        pooled = (
            2
            * sum(int((drawn[z][i] & truth[z]).sum()) for z in (0, 1, 2))
            / sum(int(drawn[z][i].sum() + truth[z].sum()) for z in (0, 1, 2))
        )
        expected[user.username] = {
            "stain_sections": len(stain),
            "stain_both_empty": both_empty,
            "mean_dice_stain": float(np.mean(stain)),
            "pooled_dice_stain": pooled,
            "mean_dice_others_on_stain": float(np.mean(others)),
        }
    return expected


def test_each_annotator_is_scored_against_the_stain_beside_the_others(
    project, scored, reviewer
) -> None:
    users, truth, drawn = scored
    result = stain_agreement(project, reviewer)
    expected = _expected(users, truth, drawn)

    assert result["sections"] == 3 and result["flagged_left_out"] == 1
    assert "averaged over the sections where either has a nucleus" in result["aggregation"]
    for name, want in expected.items():
        got = result["annotators"][name]
        assert got["stain_sections"] == want["stain_sections"]
        assert got["stain_both_empty"] == want["stain_both_empty"]
        for key in ("mean_dice_stain", "pooled_dice_stain", "mean_dice_others_on_stain"):
            assert got[key] == pytest.approx(want[key], abs=1e-9), (name, key)
    # The third annotator marked a nucleus the stain does not show: Dice 0 there, counted.
    third = result["annotators"][users[2].username]
    assert third["stain_sections"] == 3 and third["stain_both_empty"] == 0


def test_the_dashboard_api_and_page_show_the_stain_scores(api, project, reviewer, scored) -> None:
    users, truth, drawn = scored
    expected = _expected(users, truth, drawn)
    body = api(reviewer).get(f"/api/projects/{project.slug}/dashboard/").json()
    rows = {row["username"]: row for row in body["annotators"]}
    for name, want in expected.items():
        assert rows[name]["mean_dice_stain"] == pytest.approx(want["mean_dice_stain"])
        assert rows[name]["mean_dice_others_on_stain"] == pytest.approx(
            want["mean_dice_others_on_stain"]
        )
    assert body["stain"]["sections"] == 3 and body["stain"]["flagged_left_out"] == 1

    client = Client()
    assert client.login(username=reviewer.username, password=PASSWORD)
    html = client.get(f"/projects/{project.slug}/dashboard/").content.decode()
    assert 'id="dashboard-stain-table"' in html
    assert 'data-role="stain-aggregation"' in html and "pooled" in html
    first = expected[users[0].username]["mean_dice_stain"]
    assert f"{first:.3f}" in html


def test_without_fluorescence_ground_truth_the_dashboard_says_so(api, project, reviewer) -> None:
    body = api(reviewer).get(f"/api/projects/{project.slug}/dashboard/").json()
    assert body["stain"]["sections"] == 0
    assert all(row["mean_dice_stain"] is None for row in body["annotators"])


def test_a_corrected_stain_stored_as_an_instance_map_scores_the_same(
    project, scored, reviewer
) -> None:
    """A correction that cuts nuclei is stored as an instance map: the same pixels, so the same
    Dice (the fluorescence correction page, docs/labels.md)."""
    users, truth, drawn = scored
    for stored in GroundTruth.objects.filter(source="fluorescence"):
        mask = truth[stored.section.z]
        ids = mask.astype(np.uint16)
        ids[:, 16:][mask[:, 16:]] = 2  # cut in two halves
        stored.mask_png = encode_instance_map(ids, {1: 1, 2: 1}, [1])
        stored.save(update_fields=["mask_png"])

    result = stain_agreement(project, reviewer)

    for name, want in _expected(users, truth, drawn).items():
        got = result["annotators"][name]
        for key in ("mean_dice_stain", "pooled_dice_stain", "mean_dice_others_on_stain"):
            assert got[key] == pytest.approx(want[key], abs=1e-9), (name, key)
