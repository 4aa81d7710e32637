"""section_offer_claim / next_section_peek / annotation_progress: the annotation work queue."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from annotations.models import Section, SectionOffer, SectionStatus, Specimen
from annotations.selectors.annotation import annotation_progress, next_section_peek
from annotations.selectors.annotation.queue import OFFER_HOLD
from annotations.services.annotation import (
    annotation_save,
    annotation_skip,
    section_offer_claim,
)
from cellweb.errors import InvalidInput, NotAllowed
from tests.helpers_threads import run_together

SHAPE = (16, 16)


def mask() -> np.ndarray:
    out = np.zeros(SHAPE, dtype=bool)
    out[4:10, 4:10] = True
    return out


def save(section, user, *, submit=False, base=None):
    section = Section.objects.select_related("project", "volume", "specimen").get(pk=section.pk)
    return annotation_save(
        section=section,
        user=user,
        mask=mask(),
        base_revision=base,
        time_spent_s=1,
        submit=submit,
        source="canvas",
    )


@pytest.fixture
def sections(specimen, make_volume):
    volume = make_volume(specimen, shape=(4, *SHAPE))
    return list(Section.objects.filter(volume=volume).order_by("z"))


def drain(user, project, limit=50) -> list[int]:
    """Every section the queue hands this annotator when they skip each one unsaved."""
    handed = []
    on_screen = None
    for _ in range(limit):
        if on_screen is not None:
            annotation_skip(project=project, user=user, section_id=on_screen)
        section = section_offer_claim(user=user, project=project, skip=on_screen)
        if section is None or section.pk in handed:
            return handed
        handed.append(section.pk)
        on_screen = section.pk
    raise AssertionError("the queue never ran dry")


def test_every_section_is_offered_once_before_any_comes_back(project, sections, annotator):
    handed = drain(annotator, project)
    assert sorted(handed) == sorted(s.pk for s in sections)
    assert SectionOffer.objects.filter(annotator=annotator).count() == len(sections)


def test_other_annotators_get_their_own_offers(project, sections, annotator, second_annotator):
    drain(annotator, project)
    assert len(drain(second_annotator, project)) == len(sections)


def test_the_menu_shows_the_opened_unsaved_section_again(project, sections, annotator):
    opened = section_offer_claim(user=annotator, project=project)
    # "Annotate" in the menu again, nothing saved: the same section, not a silent skip.
    assert section_offer_claim(user=annotator, project=project).pk == opened.pk
    assert SectionOffer.objects.filter(annotator=annotator).count() == 1


def test_a_skipped_section_comes_back_after_the_fresh_ones(project, sections, annotator):
    first = section_offer_claim(user=annotator, project=project)
    annotation_skip(project=project, user=annotator, section_id=first.pk)
    order = [section_offer_claim(user=annotator, project=project, skip=first.pk).pk]
    while len(order) < len(sections):
        annotation_skip(project=project, user=annotator, section_id=order[-1])
        order.append(section_offer_claim(user=annotator, project=project, skip=order[-1]).pk)
    assert first.pk not in order[:-1]
    assert order[-1] == first.pk


def test_peeking_at_the_queue_writes_nothing_and_names_what_the_claim_hands_out(
    project, sections, annotator
):
    save(sections[0], annotator, submit=True)
    section_offer_claim(user=annotator, project=project, skip=None)
    annotation_skip(project=project, user=annotator, section_id=sections[1].pk)
    before = (SectionOffer.objects.count(), list(SectionOffer.objects.values()))
    for _ in range(3):
        peeked = next_section_peek(user=annotator, project=project)
    assert (SectionOffer.objects.count(), list(SectionOffer.objects.values())) == before
    assert section_offer_claim(user=annotator, project=project).pk == peeked.pk


def test_peeking_says_when_nothing_is_left(project, sections, annotator):
    for section in sections:
        save(section, annotator, submit=True)
    assert next_section_peek(user=annotator, project=project) is None
    assert section_offer_claim(user=annotator, project=project) is None


def test_an_opened_unsaved_section_returns_after_the_hold(project, sections, annotator):
    opened = section_offer_claim(user=annotator, project=project)
    second = section_offer_claim(user=annotator, project=project, skip=opened.pk)
    assert second.pk != opened.pk
    # Both were opened and left; once the hold is over they are back behind the fresh sections.
    SectionOffer.objects.filter(annotator=annotator).update(
        offered_at=timezone.now() - OFFER_HOLD - timedelta(seconds=1)
    )
    order = drain(annotator, project)
    assert sorted(order) == sorted(s.pk for s in sections)
    assert set(order[-2:]) == {opened.pk, second.pk}


def test_skipping_an_unknown_or_foreign_section_is_refused(project, sections, annotator):
    with pytest.raises(InvalidInput):
        annotation_skip(project=project, user=annotator, section_id=10**9)


def test_a_specimen_is_handed_out_middle_out(project, specimen, make_volume, annotator):
    volume = make_volume(specimen, shape=(7, *SHAPE))
    by_z = dict(Section.objects.filter(volume=volume).values_list("z", "pk"))
    assert drain(annotator, project) == [by_z[z] for z in (3, 2, 4, 1, 5, 0, 6)]


def test_sections_with_the_annotators_draft_come_back_first(project, sections, annotator):
    first = section_offer_claim(user=annotator, project=project)
    save(sections[3], annotator)  # started without being offered (opened from a link)

    assert section_offer_claim(user=annotator, project=project).pk == sections[3].pk
    assert section_offer_claim(user=annotator, project=project).pk == sections[3].pk
    save(sections[3], annotator, base=1, submit=True)
    # Submitted: the section opened earlier and never saved is shown again.
    assert section_offer_claim(user=annotator, project=project).pk == first.pk


def test_skip_passes_over_the_section_on_screen(project, sections, annotator):
    save(sections[1], annotator)
    skipped = section_offer_claim(user=annotator, project=project, skip=sections[1].pk)
    assert skipped.pk != sections[1].pk


def test_a_skipped_draft_waits_behind_the_other_drafts(project, sections, annotator):
    save(sections[0], annotator)
    save(sections[2], annotator)
    annotation_skip(project=project, user=annotator, section_id=sections[0].pk)
    assert section_offer_claim(user=annotator, project=project).pk == sections[2].pk


def test_closest_to_complete_comes_first(
    project, sections, annotator, second_annotator, third_annotator
):
    save(sections[2], second_annotator, submit=True)
    save(sections[2], third_annotator)  # 1 submitted + 1 started: one more needed
    save(sections[1], second_annotator, submit=True)  # 1 submitted: two more needed

    order = drain(annotator, project)
    assert order[:2] == [sections[2].pk, sections[1].pk]
    assert sorted(order[2:]) == [sections[0].pk, sections[3].pk]


def test_ties_follow_specimen_then_middle_out(project, specimen, make_volume, annotator):
    other = Specimen.objects.create(project=project, name="cell-02")
    # The later specimen's volume is imported first: the specimen order must still win.
    volume_other = make_volume(other, shape=(2, *SHAPE))
    volume_first = make_volume(specimen, shape=(3, *SHAPE))

    def middle_out(volume, zs):
        by_z = dict(Section.objects.filter(volume=volume).values_list("z", "pk"))
        return [by_z[z] for z in zs]

    expected = [*middle_out(volume_first, (1, 0, 2)), *middle_out(volume_other, (0, 1))]
    assert drain(annotator, project) == expected


def test_time_points_of_a_specimen_are_handed_out_in_order(
    project, specimen, make_volume, annotator
):
    later = make_volume(specimen, shape=(1, *SHAPE), time_index=1)
    earlier = make_volume(specimen, shape=(1, *SHAPE), time_index=0)
    order = drain(annotator, project)
    assert order == [
        Section.objects.get(volume=earlier).pk,
        Section.objects.get(volume=later).pk,
    ]


def test_sections_already_worked_on_by_enough_people_go_last(
    project, sections, annotator, second_annotator, third_annotator, manager
):
    # Three drafts on section 0 (nobody submitted yet): enough people are on it already.
    from annotations.models import Membership, Role

    Membership.objects.create(project=project, user=manager, role=Role.ANNOTATOR)
    for user in (second_annotator, third_annotator, manager):
        save(sections[0], user)
    save(sections[1], second_annotator, submit=True)

    order = drain(annotator, project)
    assert order[0] == sections[1].pk
    assert order[-1] == sections[0].pk


def test_complete_excluded_and_fluorescence_sections_are_never_offered(
    project, specimen, make_volume, sections, annotator, second_annotator, third_annotator, manager
):
    make_volume(specimen, modality="fluorescence", channel="DAPI", shape=(4, *SHAPE))
    Section.objects.filter(pk=sections[0].pk).update(status=SectionStatus.EXCLUDED)
    Section.objects.filter(pk=sections[1].pk).update(submitted_count=3, status=SectionStatus.REVIEW)
    Section.objects.filter(pk=sections[2].pk).update(status=SectionStatus.CONFIRMED)

    assert drain(annotator, project) == [sections[3].pk]


def test_only_annotators_use_the_queue(project, sections, reviewer):
    with pytest.raises(NotAllowed):
        section_offer_claim(user=reviewer, project=project)
    with pytest.raises(NotAllowed):
        next_section_peek(user=reviewer, project=project)


def test_the_queue_is_answered_by_a_few_queries_whatever_the_project_size(
    project, specimen, make_volume, annotator, django_assert_max_num_queries
):
    make_volume(specimen, shape=(40, *SHAPE))
    annotator._cellweb_roles = None  # count the role lookup too
    with django_assert_max_num_queries(6):
        section_offer_claim(user=annotator, project=project)


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_of_one_annotator_get_different_sections(project, sections, annotator):
    def ask():
        section = section_offer_claim(user=annotator, project=project)
        return section.pk if section else None

    results, errors = run_together(ask, 4)
    assert not errors
    assert None not in results
    # Each section handed out was recorded once, and none twice as a fresh offer.
    assert SectionOffer.objects.filter(annotator=annotator).count() == len(set(results))


def test_progress_counts_the_project_and_the_annotator(
    project, sections, annotator, second_annotator, third_annotator
):
    for user in (annotator, second_annotator, third_annotator):
        save(sections[0], user, submit=True)
    save(sections[1], annotator)
    Section.objects.filter(pk=sections[3].pk).update(status=SectionStatus.EXCLUDED)

    assert annotation_progress(user=annotator, project=project) == {
        "sections_total": 3,
        "sections_complete": 1,
        "sections_imported": 0,
        "imported_in_queue": False,
        "required_per_section": 3,
        "mine_submitted": 1,
        "mine_drafts": 1,
    }
    assert annotation_progress(user=second_annotator, project=project)["mine_drafts"] == 0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_with_n_annotators_and_n_required_every_section_reaches_n(
    project, specimen, make_volume, cast, seed
):
    """Annotators who skip, leave sections opened but unsaved and come back later: with exactly
    as many annotators as annotations required, every section still gets all of them."""
    import random

    volume = make_volume(specimen, shape=(6, *SHAPE))
    rng = random.Random(seed)
    for _ in range(120):
        user = rng.choice(cast)
        section = section_offer_claim(user=user, project=project)
        if section is None:
            continue
        action = rng.random()
        if action < 0.35:
            save(section, user, submit=True)
        elif action < 0.65:
            annotation_skip(project=project, user=user, section_id=section.pk)
        elif action < 0.85:
            # Opened, then "Annotate" in the menu: the same section, never a silent skip.
            assert section_offer_claim(user=user, project=project).pk == section.pk
        else:
            # Left unsaved; time passes beyond the hold.
            SectionOffer.objects.filter(annotator=user).update(
                offered_at=timezone.now() - OFFER_HOLD - timedelta(seconds=1)
            )
    # Then everyone works through what the queue still hands them.
    for user in cast:
        for _ in range(20):
            section = section_offer_claim(user=user, project=project)
            if section is None:
                break
            save(section, user, submit=True)
    counts = list(Section.objects.filter(volume=volume).values_list("submitted_count", flat=True))
    assert counts == [len(cast)] * 6
