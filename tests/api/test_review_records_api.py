"""The review records over the API: ground-truth versions, the audit trail in order, and the
dashboard's section and annotator numbers."""

from __future__ import annotations

import numpy as np
import pytest

from annotations.imaging.masks import decode_mask
from annotations.models import Section, SectionStatus
from tests.api.test_review_api import SHAPE, _act, _unb64
from tests.helpers_schema import assert_documented
from tests.review_support import (
    box,
    confirm,
    disk,
    submit_all,
)

# --- ground truth and audit ----------------------------------------------------------------


def test_ground_truth_versions_and_one_version_in_full(api, ready, reviewer):
    section, consensus = ready
    confirm(section, reviewer, consensus)
    edit = box(SHAPE, slice(2, 30), slice(2, 30))
    confirm(section, reviewer, consensus, mask=edit, edited=True, base_version=1)
    client = api(reviewer)

    answers = [
        client.get(f"/api/sections/{section.pk}/ground-truth/"),
        client.get(f"/api/sections/{section.pk}/ground-truth/?version=1"),
    ]
    # Both shapes are documented (the full listing, and one version's detail).
    for answer in answers:
        assert_documented(client, "get", "/api/sections/{section_id}/ground-truth/", answer)
    listing, first = (answer.json() for answer in answers)

    assert [v["version"] for v in listing["versions"]] == [2, 1]
    assert listing["current"]["version"] == 2 and listing["current"]["edited"]
    np.testing.assert_array_equal(_unb64(listing["current"]["mask_png"]), edit)
    assert first["version"] == 1 and not first["is_current"]
    assert {e["annotator"] for e in first["input_revisions"]} == {"alice", "bob", "carol"}
    np.testing.assert_array_equal(
        _unb64(first["mask_png"]), decode_mask(bytes(consensus.mask_png), SHAPE)
    )
    assert client.get(f"/api/sections/{section.pk}/ground-truth/?version=3").status_code == 404
    assert client.get(f"/api/sections/{section.pk}/ground-truth/?version=0").status_code == 400


def test_ground_truth_of_an_unconfirmed_section(api, ready, reviewer):
    section, _ = ready
    body = api(reviewer).get(f"/api/sections/{section.pk}/ground-truth/").json()
    assert body == {"current": None, "versions": []}


def test_audit_trail_lists_every_action_in_order(api, ready, reviewer):
    section, consensus = ready
    client = api(reviewer)
    _act(client, section, "confirm", {"consensus_id": consensus.pk})
    body = {"comment": "tighter", "annotators": ["alice"], "base_version": 1}
    _act(client, section, "send-back", body)

    events = client.get(f"/api/sections/{section.pk}/audit/").json()

    assert [e["action"] for e in events] == ["consensus", "confirm", "send_back"]
    assert set(events[0]) == {"at", "actor", "action", "label", "summary", "detail"}
    assert events[0]["actor"] is None and events[2]["actor"] == "rita"
    assert events[2]["detail"]["comment"] == "tighter"
    # Readable as the page's own list is (the page reloads it after each decision).
    assert events[2]["label"] == "Sent back" and "“tighter”" in events[2]["summary"]


# --- dashboard -----------------------------------------------------------------------------


def test_dashboard_annotator_agreement_leaves_out_excluded_sections(api, reviewer, sections, cast):
    """Sections with no nucleus, excluded by the reviewer, added 1.0 each to every annotator's
    mean Dice with the others (the agreement distribution already left them out)."""
    from sklearn.metrics import f1_score

    from annotations.services.review import consensus_compute_for_section

    masks = [disk(SHAPE, 16, 16, 8), disk(SHAPE, 16, 16, 10), disk(SHAPE, 17, 15, 6)]
    submit_all(sections[0], dict(zip(cast, masks)))
    consensus_compute_for_section(sections[0])
    for section in sections[1:3]:
        submit_all(section, {user: np.zeros(SHAPE, bool) for user in cast})
        consensus_compute_for_section(section)
        body = {"reason": "no nucleus in view", "base_version": None}
        assert _act(api(reviewer), section, "exclude", body).status_code == 200

    body = api(reviewer).get("/api/projects/lab/dashboard/").json()

    alice = next(row for row in body["annotators"] if row["username"] == "alice")
    expected = np.mean([f1_score(masks[0].ravel(), other.ravel()) for other in masks[1:]])
    assert alice["sections_in_consensus"] == 1
    assert alice["mean_dice_others"] == pytest.approx(expected)
    assert body["distribution"]["n"] == 1


def test_dashboard_counts_sections_and_annotators(api, ready, reviewer, sections):
    section, consensus = ready
    confirm(section, reviewer, consensus)
    Section.objects.filter(pk=sections[1].pk).update(status=SectionStatus.EXCLUDED)

    body = api(reviewer).get("/api/projects/lab/dashboard/").json()

    assert body["totals"] == {
        "total": 4,
        "annotated": 1,
        "open": 2,
        "review": 0,
        "confirmed": 1,
        "sent_back": 0,
        "excluded": 1,
        "stale": 0,
        "imported": 0,
        "imported_in_queue": False,
    }
    alice = next(row for row in body["annotators"] if row["username"] == "alice")
    assert alice["annotated"] == 1 and alice["confirmed"] == 1
    assert alice["mean_dice_others"] == pytest.approx(
        consensus.annotator_stats["alice"]["mean_dice"]
    )
    assert alice["mean_dice_ground_truth"] == pytest.approx(
        consensus.annotator_stats["alice"]["dice_consensus"]
    )
    assert 0 < alice["mean_sensitivity"] <= 1
    assert body["distribution"]["n"] == 1 and sum(body["distribution"]["counts"]) == 1
    assert [s["specimen"] for s in body["specimens"]] == ["cell-01"]
