"""The blind rule by role: whoever holds the annotator role in a project is blind on a section
still open, whatever other roles they hold; members who do not annotate see everything; once the
section has all its required submissions nothing is hidden from reviewers and managers."""

from __future__ import annotations

import numpy as np
import pytest
from django.contrib.auth import get_user_model

from annotations.models import Membership, Role, Section
from annotations.selectors.annotation import (
    blind_sections,
    is_blind_on,
    review_section,
    visible_annotations,
)
from cellweb.errors import NotAllowed
from tests.review_support import save_revision

SHAPE = (16, 16)


@pytest.fixture
def section(specimen, make_volume):
    volume = make_volume(specimen, shape=(2, *SHAPE))
    return Section.objects.filter(volume=volume).order_by("z").first()


def _submit(section, user) -> None:
    save_revision(section, user, np.ones(SHAPE, dtype=bool))
    section.refresh_from_db()


def _names(user, section) -> set[str]:
    return {a.annotator.username for a in visible_annotations(user=user, section=section)}


def _fresh(user):
    """The user loaded again (roles are cached on the user object)."""
    return get_user_model().objects.get(pk=user.pk)


@pytest.mark.parametrize("extra", [Role.MANAGER, Role.REVIEWER])
def test_an_annotator_who_also_oversees_is_blind_on_an_open_section(
    project, section, annotator, second_annotator, extra
):
    Membership.objects.create(project=project, user=annotator, role=extra)
    _submit(section, annotator)
    _submit(section, second_annotator)
    alice = _fresh(annotator)
    assert is_blind_on(alice, section)
    assert _names(alice, section) == {"alice"}
    assert section in blind_sections(alice, project)
    with pytest.raises(NotAllowed):
        review_section(alice, section.pk)


def test_members_who_do_not_annotate_see_everything(
    project, section, annotator, second_annotator, reviewer, manager
):
    _submit(section, annotator)
    _submit(section, second_annotator)
    for user in (reviewer, manager):
        assert not is_blind_on(user, section)
        assert _names(user, section) == {"alice", "bob"}
        assert not blind_sections(user, project).exists()
        assert review_section(user, section.pk) == section


def test_a_superuser_without_an_annotator_membership_is_not_blind(project, section, annotator):
    _submit(section, annotator)
    root = get_user_model().objects.create_superuser("root", "root@example.org", "pw")
    assert not is_blind_on(root, section)
    assert _names(root, section) == {"alice"}
    Membership.objects.create(project=project, user=root, role=Role.ANNOTATOR)
    assert is_blind_on(_fresh(root), section)
    assert _names(_fresh(root), section) == set()


def test_once_unblinded_the_annotating_manager_sees_everything(
    project, section, annotator, second_annotator, third_annotator
):
    Membership.objects.create(project=project, user=annotator, role=Role.MANAGER)
    for user in (annotator, second_annotator):
        _submit(section, user)
    save_revision(section, third_annotator, np.ones(SHAPE, dtype=bool), submit=False)
    assert is_blind_on(_fresh(annotator), section)
    _submit(section, third_annotator)
    assert section.submitted_count == project.required_annotations
    alice = _fresh(annotator)
    assert not is_blind_on(alice, section)
    assert _names(alice, section) == {"alice", "bob", "carol"}
    assert review_section(alice, section.pk) == section


def test_a_plain_annotator_sees_only_submitted_work_of_others_once_unblinded(
    project, section, annotator, second_annotator, third_annotator
):
    fourth = get_user_model().objects.create_user("dave", password="pw")
    Membership.objects.create(project=project, user=fourth, role=Role.ANNOTATOR)
    save_revision(section, fourth, np.ones(SHAPE, dtype=bool), submit=False)
    for user in (annotator, second_annotator, third_annotator):
        _submit(section, user)
    assert _names(annotator, section) == {"alice", "bob", "carol"}
