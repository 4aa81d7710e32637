"""The settings page's Members: a manager adds accounts with a role and takes roles away, so a
new lab can bring in its annotators and reviewer without the Django admin."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model

from annotations.models import Membership, Role
from tests.conftest import signed_in

PASSWORD = "members-test-pass"


def _account(username: str, **extra):
    return get_user_model().objects.create_user(username=username, password=PASSWORD, **extra)


def _roles(project, username: str) -> set[str]:
    return set(
        Membership.objects.filter(project=project, user__username=username).values_list(
            "role", flat=True
        )
    )


def test_a_manager_adds_two_annotators_and_a_reviewer_who_then_see_the_project(project, manager):
    for name in ("ann1", "ann2", "rev1"):
        _account(name, email=f"{name}@lab.example")
    client = signed_in(manager)
    base = f"/projects/{project.slug}/settings/"
    page = client.get(base).content.decode()
    assert 'id="member-add-form"' in page and 'data-username="mona"' in page

    for identifier, role in (
        ("ann1", "annotator"),
        ("ANN2@lab.example", "annotator"),
        ("rev1", "reviewer"),
    ):
        answer = client.post(base + "members/", {"identifier": identifier, "role": role})
        assert answer.status_code == 302, answer.content.decode()

    assert _roles(project, "ann1") == {Role.ANNOTATOR}
    assert _roles(project, "ann2") == {Role.ANNOTATOR}
    assert _roles(project, "rev1") == {Role.REVIEWER}
    listed = client.get(base).content.decode()
    assert 'data-username="ann2"' in listed and 'data-username="rev1"' in listed
    reviewer = get_user_model().objects.get(username="rev1")
    assert signed_in(reviewer).get(f"/projects/{project.slug}/review/").status_code == 200


def test_unknown_accounts_and_repeated_roles_are_refused_saying_why(project, manager, annotator):
    client = signed_in(manager)
    url = f"/projects/{project.slug}/settings/members/"
    unknown = client.post(url, {"identifier": "nobody", "role": "annotator"})
    assert unknown.status_code == 404
    assert "no active account called “nobody”" in unknown.content.decode()
    again = client.post(url, {"identifier": annotator.username, "role": "annotator"})
    assert again.status_code == 409
    assert "already annotator" in again.content.decode()
    assert Membership.objects.filter(project=project).count() == 2


def test_a_role_is_taken_away_but_never_the_last_managers(project, manager, annotator):
    client = signed_in(manager)
    held = Membership.objects.get(project=project, user=annotator)
    removed = client.post(f"/projects/{project.slug}/settings/members/{held.pk}/delete/")
    assert removed.status_code == 302
    assert _roles(project, annotator.username) == set()
    assert signed_in(annotator).get(f"/projects/{project.slug}/").status_code == 404

    own = Membership.objects.get(project=project, user=manager)
    refused = client.post(f"/projects/{project.slug}/settings/members/{own.pk}/delete/")
    assert refused.status_code == 409
    assert "only manager" in refused.content.decode()
    assert _roles(project, manager.username) == {Role.MANAGER}


def test_only_managers_change_members(project, reviewer, outsider):
    _account("newcomer")
    url = f"/projects/{project.slug}/settings/members/"
    data = {"identifier": "newcomer", "role": "manager"}
    assert signed_in(reviewer).post(url, data).status_code == 403
    assert signed_in(outsider).post(url, data).status_code == 404
    assert _roles(project, "newcomer") == set()


def test_too_few_annotators_for_the_required_annotations_is_said_until_there_are_enough(
    project, manager
):
    client = signed_in(manager)
    shortfall = 'data-role="annotator-shortfall"'
    settings_page = client.get(f"/projects/{project.slug}/settings/").content.decode()
    assert shortfall in settings_page
    assert (
        "needs 3 independent annotations" in settings_page
        and "no annotator (members with the annotator role): no section" in settings_page
    )
    for name in ("ann1", "ann2"):
        _account(name)
        client.post(
            f"/projects/{project.slug}/settings/members/",
            {"identifier": name, "role": "annotator"},
        )
    project_page = client.get(f"/projects/{project.slug}/").content.decode()
    assert (
        shortfall in project_page
        and "has 2 annotators (members with the annotator role)" in project_page
    )

    project.required_annotations = 2
    project.save(update_fields=["required_annotations"])
    assert shortfall not in client.get(f"/projects/{project.slug}/").content.decode()
    assert shortfall not in client.get(f"/projects/{project.slug}/settings/").content.decode()


def _nav(client, project) -> list[str]:
    page = client.get(f"/projects/{project.slug}/").content.decode()
    return re.findall(r'data-nav="([a-z]+)"', page)


def test_the_menu_offers_each_role_the_pages_it_may_open(
    project, reviewer, annotator, django_user_model
):
    only_manager = django_user_model.objects.create_user(username="pi", password=PASSWORD)
    Membership.objects.create(project=project, user=only_manager, role=Role.MANAGER)
    assert "review" in _nav(signed_in(only_manager), project)  # managers review too
    assert "dashboard" in _nav(signed_in(reviewer), project)
    for key in ("review", "dashboard"):
        assert signed_in(reviewer).get(f"/projects/{project.slug}/{key}/").status_code == 200
        assert signed_in(only_manager).get(f"/projects/{project.slug}/{key}/").status_code == 200
    annotator_menu = _nav(signed_in(annotator), project)
    assert "review" not in annotator_menu and "dashboard" not in annotator_menu
