"""The dashboard after a send-back: the overruled consensus no longer counts (agreement
histogram, sections in consensus, mean Dice with the others) until the section is resubmitted
and recomputed, and every annotator's state columns add up to their "annotated"."""

from __future__ import annotations

import re
from itertools import combinations

import numpy as np
import pytest
from sklearn.metrics import f1_score

from annotations.models import Section, SectionStatus
from annotations.services.annotation import annotation_save
from annotations.services.review import consensus_compute_for_section
from tests.conftest import signed_in
from tests.review_support import confirm, disk, save_revision, sections_of, submit_all

SHAPE = (32, 32)
STATES = ("open", "review", "confirmed", "sent_back", "excluded")


def masks(shift: int) -> list[np.ndarray]:
    return [disk(SHAPE, 16, 16 + shift * k, 8 + k) for k in range(3)]


def mean_pairwise_dice(drawn: list[np.ndarray]) -> float:
    return float(np.mean([f1_score(a.ravel(), b.ravel()) for a, b in combinations(drawn, 2)]))


@pytest.fixture
def day(api, reviewer, specimen, make_volume, cast):
    """z0 sent back to alice; z1 in review; z2 confirmed; z3 waits for bob and carol; z4
    excluded."""
    sections = sections_of(specimen, make_volume, shape=(5, *SHAPE))
    drawn = {}
    for section, shift in zip(sections[:3] + sections[4:], (1, 2, 3, 1)):
        drawn[section.pk] = masks(shift)
        submit_all(section, dict(zip(cast, drawn[section.pk])))
        consensus_compute_for_section(section)
    client = api(reviewer)
    answer = client.post(
        f"/api/sections/{sections[0].pk}/review/send-back/",
        {"comment": "Follow the dark rim.", "annotators": ["alice"]},
        format="json",
    )
    assert answer.status_code == 200, answer.content
    confirm(sections[2], reviewer, sections[2].consensuses.get(is_current=True))
    save_revision(sections[3], cast[0], disk(SHAPE, 16, 16, 8))
    answer = client.post(
        f"/api/sections/{sections[4].pk}/review/exclude/",
        {"reason": "out of focus", "base_version": None},
        format="json",
    )
    assert answer.status_code == 200, answer.content
    return sections, drawn


def dashboard(api, reviewer) -> dict:
    return api(reviewer).get("/api/projects/lab/dashboard/").json()


def test_a_sent_back_consensus_leaves_the_agreement_numbers(api, reviewer, day):
    sections, drawn = day
    statuses = dict(Section.objects.values_list("pk", "status"))
    assert statuses[sections[0].pk] == SectionStatus.SENT_BACK
    counted = [
        pk for pk in drawn if statuses[pk] not in (SectionStatus.SENT_BACK, SectionStatus.EXCLUDED)
    ]
    assert counted == [sections[1].pk, sections[2].pk]

    body = dashboard(api, reviewer)

    expected = [mean_pairwise_dice(drawn[pk]) for pk in counted]
    assert body["distribution"]["n"] == len(counted)
    assert body["distribution"]["counts"] == list(
        np.histogram(expected, bins=np.linspace(0, 1, 21))[0]
    )
    assert body["distribution"]["mean"] == pytest.approx(np.mean(expected))
    bob = next(row for row in body["annotators"] if row["username"] == "bob")
    assert bob["sections_in_consensus"] == 2
    with_others = [
        np.mean([f1_score(drawn[pk][1].ravel(), drawn[pk][k].ravel()) for k in (0, 2)])
        for pk in counted
    ]
    assert bob["mean_dice_others"] == pytest.approx(np.mean(with_others))


def test_resubmitted_and_recomputed_it_counts_again(api, reviewer, day, cast):
    sections, drawn = day
    section = Section.objects.select_related("project", "volume", "specimen").get(pk=sections[0].pk)
    redrawn = disk(SHAPE, 16, 17, 8)
    annotation_save(
        section=section,
        user=cast[0],
        mask=redrawn,
        base_revision=1,
        time_spent_s=1,
        submit=True,
        source="canvas",
    )
    section.refresh_from_db()
    assert section.status == SectionStatus.REVIEW
    consensus_compute_for_section(section)

    body = dashboard(api, reviewer)

    assert body["distribution"]["n"] == 3
    expected = [mean_pairwise_dice([redrawn, *drawn[section.pk][1:]])] + [
        mean_pairwise_dice(drawn[s.pk]) for s in sections[1:3]
    ]
    assert body["distribution"]["mean"] == pytest.approx(np.mean(expected))
    bob = next(row for row in body["annotators"] if row["username"] == "bob")
    assert bob["sections_in_consensus"] == 3


def test_each_annotator_row_adds_up_to_annotated(api, reviewer, day):
    body = dashboard(api, reviewer)

    rows = {row["username"]: row for row in body["annotators"]}
    for name, row in rows.items():
        assert sum(row[state] for state in STATES) == row["annotated"], name
    # alice's z0 is a draft again (sent back to her); bob's and carol's stand in a sent-back
    # section.
    assert {k: rows["alice"][k] for k in ("annotated", *STATES)} == {
        "annotated": 4,
        "open": 1,
        "review": 1,
        "confirmed": 1,
        "sent_back": 0,
        "excluded": 1,
    }
    assert rows["alice"]["drafts"] == 1 and rows["alice"]["drafts_sent_back"] == 1
    assert rows["bob"]["sent_back"] == 1 and rows["bob"]["annotated"] == 4
    assert rows["bob"]["drafts_sent_back"] == 0


def test_the_dashboard_page_shows_the_columns_that_add_up(day, reviewer):
    html = signed_in(reviewer).get("/projects/lab/dashboard/").content.decode()

    bob = re.search(r'<tr data-annotator="bob">(.*?)</tr>', html, re.S).group(1)
    counts = dict(re.findall(r'data-count-([a-z-]+)="(\d+)"', bob))
    assert int(counts["annotated"]) == sum(int(counts[s.replace("_", "-")]) for s in STATES)
    assert "Waiting for others" in html


def test_a_section_an_annotator_reopened_leaves_the_agreement_numbers(api, reviewer, day, cast):
    sections, drawn = day
    answer = api(cast[1]).post(f"/api/sections/{sections[1].pk}/annotations/mine/reopen/")
    assert answer.status_code == 200, answer.content
    assert Section.objects.get(pk=sections[1].pk).status == SectionStatus.OPEN

    body = dashboard(api, reviewer)

    assert body["distribution"]["n"] == 1
    assert body["distribution"]["mean"] == pytest.approx(mean_pairwise_dice(drawn[sections[2].pk]))
    bob = next(row for row in body["annotators"] if row["username"] == "bob")
    assert bob["sections_in_consensus"] == 1
