"""GET/POST /api/projects/<slug>/members/ and DELETE /api/projects/<slug>/members/<id>/."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from annotations.models import Membership, Role

pytestmark = pytest.mark.django_db


def test_a_manager_lists_adds_and_removes_members(api, project, manager, annotator):
    get_user_model().objects.create_user(username="rev1", password="members-api-pass")
    client = api(manager)
    base = f"/api/projects/{project.slug}/members/"
    listed = client.get(base).json()
    assert [m["username"] for m in listed] == ["alice", "mona"]
    assert listed[0]["roles"][0]["role"] == "annotator"

    added = client.post(base, {"identifier": "rev1", "role": "reviewer"}, format="json")
    assert added.status_code == 201, added.content
    assert added.json()["username"] == "rev1" and added.json()["role"] == "reviewer"
    again = client.post(base, {"identifier": "rev1", "role": "reviewer"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_member"

    gone = client.delete(f"{base}{added.json()['id']}/")
    assert gone.status_code == 204
    assert not Membership.objects.filter(project=project, user__username="rev1").exists()


def test_the_last_manager_role_stays_and_others_may_only_read(api, project, manager, annotator):
    own = Membership.objects.get(project=project, user=manager, role=Role.MANAGER)
    base = f"/api/projects/{project.slug}/members/"
    refused = api(manager).delete(f"{base}{own.pk}/")
    assert refused.status_code == 409 and refused.json()["code"] == "last_manager"
    member = api(annotator)
    assert member.get(base).status_code == 200
    assert (
        member.post(base, {"identifier": "alice", "role": "manager"}, format="json").status_code
        == 403
    )
    assert member.delete(f"{base}{own.pk}/").status_code == 403


def test_an_unknown_account_is_a_404_and_an_unknown_field_a_400(api, project, manager, outsider):
    base = f"/api/projects/{project.slug}/members/"
    unknown = api(manager).post(base, {"identifier": "ghost", "role": "annotator"}, format="json")
    assert unknown.status_code == 404 and "ghost" in unknown.json()["detail"]
    extra = api(manager).post(
        base, {"identifier": "alice", "role": "reviewer", "admin": True}, format="json"
    )
    assert extra.status_code == 400
    assert api(outsider).get(base).status_code == 404
