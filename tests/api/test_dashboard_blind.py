"""The dashboard and the review queue keep the blind rule: a manager who also annotates is shown
the other annotators' counts, Dice with the stain, correction effort and every agreement without
the sections still open (their own row keeps all of theirs), and the page says how many sections
that leaves out; a reviewer who does not annotate sees everything, as before."""

from __future__ import annotations

import pytest

from annotations.models import Membership, Role
from annotations.services.review import consensus_compute_for_section
from tests.conftest import signed_in
from tests.helpers_effort import effort_save
from tests.review_support import disk, fluorescence_truth, sections_of, submit_all

SHAPE = (32, 32)


def _row(body: dict, name: str) -> dict:
    return next(row for row in body["annotators"] if row["username"] == name)


@pytest.fixture
def day(project, specimen, make_volume, cast, reviewer):
    """z0: all three submitted, in review with its consensus; z1: alice and bob submitted (5 and
    10 minutes), still open; z2: bob's draft; z3: bob and carol submitted and the section is in
    review, though the project asks for three (as after the project raised its requirement).
    z0 and z1 have fluorescence ground truth. Alice is a manager too."""
    alice, bob, carol = cast
    Membership.objects.create(project=project, user=alice, role=Role.MANAGER)
    sections = sections_of(specimen, make_volume, shape=(4, *SHAPE))
    nucleus = disk(SHAPE, 16, 16, 8)
    for section in sections[:2]:
        fluorescence_truth(section, nucleus)
    submit_all(sections[0], {alice: nucleus, bob: disk(SHAPE, 16, 17, 8), carol: nucleus})
    consensus_compute_for_section(sections[0])
    effort_save(alice, sections[1], nucleus, 300)
    effort_save(bob, sections[1], disk(SHAPE, 12, 12, 5), 600)
    effort_save(bob, sections[2], nucleus, 60, submit=False)
    submit_all(sections[3], {bob: nucleus, carol: disk(SHAPE, 15, 16, 9)})
    consensus_compute_for_section(sections[3])
    return sections


def test_a_manager_who_annotates_sees_the_others_without_the_sections_still_open(
    api, project, day, annotator
):
    body = api(annotator).get(f"/api/projects/{project.slug}/dashboard/").json()

    bob = _row(body, "bob")
    assert (bob["annotated"], bob["open"], bob["review"], bob["drafts"]) == (1, 0, 1, 0)
    assert bob["stain_sections"] == 1 and bob["mean_dice_others_on_stain"] is not None
    carol = _row(body, "carol")
    assert (carol["annotated"], carol["review"]) == (1, 1)
    # Her own row keeps all of hers, her Dice with the stain on the open section included.
    alice = _row(body, "alice")
    assert (alice["annotated"], alice["open"], alice["review"]) == (2, 1, 1)
    assert alice["stain_sections"] == 2
    # Every agreement leaves the sections still open out: z3 is short of its submissions.
    assert body["distribution"]["n"] == 1
    assert [s["distribution"]["n"] for s in body["specimens"]] == [1]
    no_proposal = body["effort"][0]
    assert (no_proposal["n"], no_proposal["median_minutes"]) == (1, pytest.approx(5.0))
    assert body["blind"]["applies"] and body["blind"]["sections_left_out"] == 3
    assert "the 3 sections still open (fewer than 3 submissions)" in body["blind"]["note"]

    page = signed_in(annotator).get(f"/projects/{project.slug}/dashboard/").content.decode()
    assert 'data-role="blind-note" data-sections-left-out="3"' in page
    assert body["blind"]["note"].replace("'", "&#x27;") in page


def test_a_reviewer_who_does_not_annotate_sees_everything(api, project, day, reviewer):
    body = api(reviewer).get(f"/api/projects/{project.slug}/dashboard/").json()

    bob = _row(body, "bob")
    assert (bob["annotated"], bob["open"], bob["review"], bob["drafts"]) == (3, 1, 2, 1)
    assert bob["stain_sections"] == 2
    assert body["distribution"]["n"] == 2
    no_proposal = body["effort"][0]
    assert (no_proposal["n"], no_proposal["median_minutes"]) == (2, pytest.approx(7.5))
    assert body["blind"] == {"applies": False, "sections_left_out": 0, "note": ""}
    page = signed_in(reviewer).get(f"/projects/{project.slug}/dashboard/").content.decode()
    assert 'data-role="blind-note"' not in page


def test_the_review_queue_leaves_out_a_section_the_reviewer_is_blind_on(
    api, project, day, annotator, reviewer
):
    """Alice reviews too: z3 (in review, short of its third submission) would open on a 403
    (its review is refused to her), so her queue neither lists nor counts it; z0 she annotated
    herself."""
    Membership.objects.create(project=project, user=annotator, role=Role.REVIEWER)
    url = f"/api/projects/{project.slug}/review-queue/"
    queue = api(annotator).get(url).json()
    assert queue["count"] == 0 and queue["results"] == []
    following = signed_in(annotator).get(f"/projects/{project.slug}/review/next/")
    assert following.url == f"/projects/{project.slug}/review/"
    assert api(reviewer).get(url).json()["count"] == 2
    blind = day[3]
    assert signed_in(annotator).get(f"/sections/{blind.pk}/review/").status_code == 403


def test_with_nothing_of_the_others_still_open_the_note_says_none(api, project, annotator):
    Membership.objects.create(project=project, user=annotator, role=Role.MANAGER)
    blind = api(annotator).get(f"/api/projects/{project.slug}/dashboard/").json()["blind"]
    assert blind["applies"] and blind["sections_left_out"] == 0
    assert "there are none now" in blind["note"]
