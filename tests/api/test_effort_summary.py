"""Correction effort per model version on a hand-made set: the selector's medians and fractions
against the same numbers computed here with NumPy and scikit-learn, and the pages that show
them (dashboard chart and table, the review page's origins, the review queue's count)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import f1_score

from annotations.selectors.effort import effort_summary
from tests.api.test_annotation_api import SHAPE, rect_mask
from tests.helpers_effort import effort_save
from tests.review_support import sections_of


@pytest.fixture
def sections(specimen, make_volume):
    return sections_of(specimen, make_volume, shape=(3, *SHAPE))


@pytest.fixture
def versions(project):
    from tests.helpers_evaluation import tiny_model_version

    return (
        tiny_model_version(project, input_size=32, name="round 1"),
        tiny_model_version(project, input_size=32, name="round 2", seed=1),
    )


def _grown(mask: np.ndarray, rows: int) -> np.ndarray:
    out = mask.copy()
    out[20 : 20 + rows, 6:30] = True
    return out


@pytest.fixture
def hand_made(cast, sections, versions):
    """(annotator, section, version, proposal, submitted, seconds, submitted?) per annotation."""
    alice, bob, carol = cast
    v1, v2 = versions
    proposal = rect_mask(4, 6, 20, 30)
    plan = [
        (alice, sections[0], v1, proposal, _grown(proposal, 4), 120.0, True),
        (bob, sections[0], v1, proposal, proposal, 60.0, True),
        (carol, sections[1], v1, proposal, _grown(proposal, 10), 300.0, True),
        (alice, sections[1], v2, proposal, proposal, 30.0, True),
        (bob, sections[1], v2, proposal, proposal, 40.0, True),
        # The origin is named but the editor sent no proposal: counted, not measured.
        (carol, sections[2], v2, None, proposal, 50.0, True),
        # A draft is not a submission.
        (bob, sections[2], v2, proposal, _grown(proposal, 2), 999.0, False),
        (carol, sections[0], None, None, proposal, 600.0, True),
        (alice, sections[2], None, None, proposal, 900.0, True),
    ]
    for user, section, version, loaded, mask, seconds, submit in plan:
        effort_save(user, section, mask, seconds, version, loaded, submit)
    return plan


def _expected(plan, version) -> dict:
    chosen = [p for p in plan if p[6] and p[2] == version]
    measured = [p for p in chosen if p[3] is not None]
    dice = [f1_score(p[3].ravel(), p[4].ravel()) for p in measured]
    changed = [int(np.logical_xor(p[3], p[4]).sum()) for p in measured]
    return {
        "n": len(chosen),
        "measured": len(measured),
        "accepted_unchanged": (np.mean([c == 0 for c in changed]) if measured else None),
        "median_dice": float(np.median(dice)) if dice else None,
        "median_changed_pixels": float(np.median(changed)) if changed else None,
        "median_minutes": float(np.median([p[5] / 60.0 for p in chosen])),
    }


def test_effort_summary_per_model_version(project, hand_made, versions, reviewer):
    v1, v2 = versions
    rows = effort_summary(project, reviewer)
    assert [r["model_version"] for r in rows] == [None, v1.pk, v2.pk]
    assert [r["label"] for r in rows] == [
        "No proposal",
        f"Model version {v1.pk} · round 1",
        f"Model version {v2.pk} · round 2",
    ]
    for row, version in zip(rows, [None, v1, v2]):
        expected = _expected(hand_made, version)
        assert {k: row[k] for k in expected} == pytest.approx(expected), row["label"]
        assert row["aggregation"] == "median over submissions"
    # The figures by hand: v1 accepted 1 of 3 unchanged, v2 both measured ones.
    assert rows[1]["accepted_unchanged"] == pytest.approx(1 / 3)
    assert rows[2]["accepted_unchanged"] == 1.0 and rows[2]["median_dice"] == 1.0
    assert rows[0]["median_minutes"] == pytest.approx(12.5)


def test_no_submission_gives_one_empty_no_proposal_row(project, reviewer):
    assert effort_summary(project, reviewer) == [
        {
            "model_version": None,
            "label": "No proposal",
            "n": 0,
            "measured": 0,
            "accepted_unchanged": None,
            "median_dice": None,
            "median_changed_pixels": None,
            "median_minutes": None,
            "aggregation": "median over submissions",
        }
    ]


def test_dashboard_plots_and_tabulates_the_effort(client, api, reviewer, hand_made, versions):
    v1, _v2 = versions
    client.force_login(reviewer)
    html = client.get("/projects/lab/dashboard/").content.decode()
    assert 'id="effort-table"' in html
    assert f'<tr data-model-version="{v1.pk}" data-n="3"' in html
    for chart in ("accepted_unchanged", "median_dice", "median_minutes"):
        assert f'data-chart="{chart}"' in html
    effort = api(reviewer).get("/api/projects/lab/dashboard/").json()["effort"]
    assert [row["n"] for row in effort] == [2, 3, 3]


def test_review_page_says_where_each_annotation_started(
    client, reviewer, hand_made, sections, versions
):
    v1, _v2 = versions
    client.force_login(reviewer)
    html = client.get(f"/sections/{sections[0].pk}/review/").content.decode()
    dice = f1_score(hand_made[0][3].ravel(), hand_made[0][4].ravel())
    assert f"started from model version {v1.pk} · correction Dice {dice:.2f}" in html
    assert "started from model version" in html and "drawn from blank" in html
    assert "<b>2 of 3</b> annotations started from a model proposal" in html


def test_review_queue_counts_annotations_from_a_proposal(
    api, client, reviewer, hand_made, sections
):
    rows = api(reviewer).get("/api/projects/lab/review-queue/").json()["results"]
    counts = {row["id"]: row["from_proposal"] for row in rows}
    assert counts == {sections[0].pk: 2, sections[1].pk: 3}
    client.force_login(reviewer)
    html = client.get("/projects/lab/review/").content.decode()
    assert '<td data-from-proposal="2">2 of 3</td>' in html
