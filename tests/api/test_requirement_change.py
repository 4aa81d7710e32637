"""A manager changes "annotations needed per section" mid-project: the sections already on either
side of the new line move. Before, a lowered requirement left sections that now had enough
submissions open (no reviewer saw them until one more annotator drew them, needlessly), and a
raised one left sections in review that were now short of it (a reviewer confirmed ground truth
from fewer annotations than the project asks)."""

from __future__ import annotations

from annotations.models import AuditEvent, Consensus, ReviewAction, SectionStatus
from tests.api.test_annotation_api import SHAPE, rect_mask, save_mask
from tests.conftest import signed_in
from tests.review_support import sections_of


def _submit(api, section, *users):
    for n, user in enumerate(users):
        answer = save_mask(api(user), section, rect_mask(left=6 + n), action="submit")
        assert answer.status_code == 200, answer.content


def _statuses(sections):
    for section in sections:
        section.refresh_from_db()
    return [section.status for section in sections]


def test_a_lower_requirement_sends_sections_with_enough_to_review(
    api, project, specimen, make_volume, cast, manager
):
    alice, bob, _ = cast
    two, one, none, sent = sections_of(specimen, make_volume, shape=(4, *SHAPE))
    _submit(api, two, alice, bob)
    _submit(api, one, alice)
    assert _statuses([two, one, none]) == [SectionStatus.OPEN] * 3  # the project asks 3
    sent.status = SectionStatus.SENT_BACK
    sent.save(update_fields=["status"])

    page = signed_in(manager).post(
        f"/projects/{project.slug}/settings/",
        {"required_annotations": 2, "consensus_method": "majority"},
        follow=True,
    )
    assert page.status_code == 200
    assert "1 section now has enough and went to review." in page.content.decode()
    assert _statuses([two, one, none, sent]) == [
        SectionStatus.REVIEW,
        SectionStatus.OPEN,
        SectionStatus.OPEN,
        SectionStatus.SENT_BACK,  # waits for its annotator's answer
    ]
    # As a submission reaching the requirement does: the consensus proposal is there to review.
    assert Consensus.objects.filter(section=two, is_current=True).exists()


def test_a_higher_requirement_returns_short_sections_to_annotation(
    api, project, specimen, make_volume, cast, manager, reviewer
):
    alice, bob, carol = cast
    project.required_annotations = 2
    project.save(update_fields=["required_annotations"])
    two, three = sections_of(specimen, make_volume, shape=(2, *SHAPE))
    _submit(api, two, alice, bob)
    _submit(api, three, alice, bob, carol)
    assert _statuses([two, three]) == [SectionStatus.REVIEW, SectionStatus.REVIEW]

    answer = api(manager).patch(
        f"/api/projects/{project.slug}/", {"required_annotations": 3}, format="json"
    )
    assert answer.status_code == 200, answer.content
    assert _statuses([two, three]) == [SectionStatus.OPEN, SectionStatus.REVIEW]
    event = AuditEvent.objects.get(section=two, action=ReviewAction.REOPEN)
    assert event.actor == manager
    assert event.detail["required"] == 3 and event.detail["submitted"] == 2
    trail = api(reviewer).get(f"/api/sections/{two.pk}/audit/")
    assert trail.status_code == 200
    assert "the project now needs 3 annotations per section (was 2; 2 submitted)" in (
        trail.content.decode()
    )
    # The third annotator now finds it; their submission sends it to review again.
    _submit(api, two, carol)
    assert _statuses([two]) == [SectionStatus.REVIEW]


def test_the_same_requirement_moves_nothing(api, project, specimen, make_volume, cast, manager):
    alice, bob, _ = cast
    (section,) = sections_of(specimen, make_volume, shape=(1, *SHAPE))
    _submit(api, section, alice, bob)
    answer = api(manager).patch(
        f"/api/projects/{project.slug}/", {"required_annotations": 3}, format="json"
    )
    assert answer.status_code == 200
    assert _statuses([section]) == [SectionStatus.OPEN]
    assert not AuditEvent.objects.filter(section=section, action=ReviewAction.REOPEN).exists()
