"""The migrations that add ``cancelled_by_name`` fill it for rows cancelled by a user who still
exists; a system cancel stays blank."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.utils import timezone

from annotations.models import ImportJob
from cellweb.jobs.backfill import cancelled_by_names

pytestmark = pytest.mark.django_db


def test_a_users_cancel_gets_their_name_and_a_system_cancel_none(project):
    kim = get_user_model().objects.create_user(username="kim")
    now = timezone.now()
    by_kim = ImportJob.objects.create(
        project=project, cancel_requested=True, cancelled_by=kim, cancel_requested_at=now
    )
    by_system = ImportJob.objects.create(
        project=project, cancel_requested=True, cancel_requested_at=now
    )

    cancelled_by_names("annotations", "ImportJob").code(apps, None)

    by_kim.refresh_from_db()
    by_system.refresh_from_db()
    assert by_kim.cancelled_by_name == "kim"
    assert by_system.cancelled_by_name == ""
