"""The queue mode "most informative first": fresh sections by the fold models' disagreement,
unscored ones after them in the fullest-first order, and every other queue rule unchanged."""

from __future__ import annotations

import pytest

from annotations.models import QueueMode, Section, SectionDisagreement
from annotations.selectors.annotation import queue_reason
from annotations.services.annotation import annotation_skip, section_offer_claim
from tests.unit.test_annotation_queue import drain, save

Z = 7  # middle-out over 7 sections: z 3, 2, 4, 1, 5, 0, 6
VARIANCE = {0: 0.02, 5: 0.09, 6: 0.05}  # z -> stored variance; the others are unscored


@pytest.fixture
def by_z(project, specimen, make_volume) -> dict[int, Section]:
    volume = make_volume(specimen, shape=(Z, 16, 16))
    sections = {s.z: s for s in Section.objects.filter(volume=volume)}
    for z, variance in VARIANCE.items():
        SectionDisagreement.objects.create(
            section=sections[z],
            project=project,
            variance=variance,
            pairwise_dice=0.5,
            folds=4,
            training_job_id=41,
        )
    return sections


def informative(project):
    project.queue_mode = QueueMode.MOST_INFORMATIVE
    project.save(update_fields=["queue_mode"])


def test_fullest_first_ignores_the_scores(project, by_z, annotator):
    assert drain(annotator, project) == [by_z[z].pk for z in (3, 2, 4, 1, 5, 0, 6)]


def test_most_informative_first_ranks_by_variance_then_the_unscored_middle_out(
    project, by_z, annotator
):
    informative(project)
    assert drain(annotator, project) == [by_z[z].pk for z in (5, 6, 0, 3, 2, 4, 1)]


def test_equal_variance_puts_the_lower_pairwise_dice_first(project, by_z, annotator):
    informative(project)
    SectionDisagreement.objects.filter(section=by_z[6]).update(variance=0.09, pairwise_dice=0.2)
    assert drain(annotator, project)[:2] == [by_z[6].pk, by_z[5].pk]


def test_drafts_skips_and_the_held_section_keep_their_place(project, by_z, annotator):
    informative(project)
    save(by_z[1], annotator)  # a draft (sent-back sections are drafts too) comes first
    assert section_offer_claim(user=annotator, project=project).pk == by_z[1].pk
    save(by_z[1], annotator, base=1, submit=True)

    first = section_offer_claim(user=annotator, project=project)
    assert first.pk == by_z[5].pk
    assert section_offer_claim(user=annotator, project=project).pk == first.pk  # held, not skipped
    annotation_skip(project=project, user=annotator, section_id=first.pk)
    rest = [section_offer_claim(user=annotator, project=project, skip=first.pk).pk]
    while len(rest) < Z - 1:
        annotation_skip(project=project, user=annotator, section_id=rest[-1])
        rest.append(section_offer_claim(user=annotator, project=project, skip=rest[-1]).pk)
    assert rest[0] == by_z[6].pk and rest[-1] == first.pk  # the skipped top section comes last


def test_a_second_annotator_gets_the_same_ranking_blind_to_the_first(
    project, by_z, annotator, second_annotator
):
    informative(project)
    save(by_z[5], annotator, submit=True)
    order = drain(second_annotator, project)
    assert order[:3] == [by_z[z].pk for z in (5, 6, 0)]


def test_the_reason_names_the_scores_and_the_training_job(project, by_z):
    assert queue_reason(by_z[5]) is None  # fullest first explains itself
    informative(project)
    by_z[5].project.refresh_from_db()
    reason = queue_reason(Section.objects.select_related("project").get(pk=by_z[5].pk))
    assert reason["scored"] and reason["training_job_id"] == 41
    assert "variance 0.090, pairwise Dice 0.50, from training job 41" in reason["text"]
    unscored = queue_reason(Section.objects.select_related("project").get(pk=by_z[3].pk))
    assert not unscored["scored"] and "fullest-first" in unscored["text"]


def test_ties_and_a_random_ranking_follow_the_full_order(project, specimen, make_volume, annotator):
    """The head of the queue is found by walking the scores' index; draining it gives exactly
    the full order, including equal variances (ties by pairwise Dice, then middle-out)."""
    import numpy as np

    informative(project)
    volume = make_volume(specimen, shape=(12, 8, 8))
    sections = list(Section.objects.filter(volume=volume))
    rng = np.random.default_rng(3)
    scores = {}
    for section in sections[:9]:
        variance = float(rng.choice([0.0, 0.0, 0.05, 0.1]))  # ties, as blank sections give
        dice = float(rng.choice([0.5, 1.0]))
        scores[section.pk] = (variance, dice)
        SectionDisagreement.objects.create(
            section=section,
            project=project,
            variance=variance,
            pairwise_dice=dice,
            folds=2,
            training_job_id=1,
        )

    def key(section):
        middle_out = abs(section.z * 2 - 12 + 1)
        if section.pk in scores:
            variance, dice = scores[section.pk]
            return (0, -variance, dice, middle_out, section.z)
        return (1, 0, 0, middle_out, section.z)

    assert drain(annotator, project) == [s.pk for s in sorted(sections, key=key)]


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_of_one_annotator_never_record_a_section_twice(
    project, by_z, annotator
):
    from annotations.models import SectionOffer
    from tests.helpers_threads import run_together

    informative(project)

    def ask():
        section = section_offer_claim(user=annotator, project=project)
        return section.pk if section else None

    results, errors = run_together(ask, 4)
    assert not errors and None not in results
    assert SectionOffer.objects.filter(annotator=annotator).count() == len(set(results))
    assert by_z[5].pk in results  # the top-scored section went to one of them
