"""The cast every permission test reads like a sentence with, plus real-service fixtures."""

from __future__ import annotations

import numpy as np
import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.test import APIClient

from annotations.models import Membership, Project, Role, Specimen
from cellweb.celery import app as celery_app

PASSWORD = "pass-word-123"

pytest_plugins = [
    "tests.fixtures_live",
    "tests.data_files",
    "tests.helpers_jobs",
    "tests.helpers_model_import",
    "tests.helpers_prediction",
    "tests.helpers_labels",
    "tests.helpers_routes",
]


def signed_in(user) -> Client:
    """A browser (Django's test client) signed in as ``user``."""
    client = Client()
    client.force_login(user)
    return client


def _user(username: str, **extra):
    return get_user_model().objects.create_user(username=username, password=PASSWORD, **extra)


@pytest.fixture
def project(db):
    return Project.objects.create(slug="lab", name="Lab project", required_annotations=3)


def _member(project, username, *roles):
    user = _user(username)
    for role in roles:
        Membership.objects.create(project=project, user=user, role=role)
    return user


def _member_fixture(name: str, username: str, role: Role):
    """A fixture ``name``: the user ``username``, a member of ``project`` with ``role``."""

    def member(project):
        return _member(project, username, role)

    member.__doc__ = f"{username.title()}, {role.label.lower()} of the project."
    return pytest.fixture(member, name=name)


annotator = _member_fixture("annotator", "alice", Role.ANNOTATOR)
second_annotator = _member_fixture("second_annotator", "bob", Role.ANNOTATOR)
third_annotator = _member_fixture("third_annotator", "carol", Role.ANNOTATOR)
reviewer = _member_fixture("reviewer", "rita", Role.REVIEWER)
manager = _member_fixture("manager", "mona", Role.MANAGER)


@pytest.fixture
def cast(annotator, second_annotator, third_annotator):
    """The three annotators a section needs before review."""
    return annotator, second_annotator, third_annotator


@pytest.fixture
def outsider(db):
    """Signed in, but a member of no project."""
    return _user("otto")


@pytest.fixture
def api():
    """Return a function giving an authenticated API client for a user (or anonymous for None)."""

    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def specimen(project):
    return Specimen.objects.create(project=project, name="cell-01", lab="Lab A")


@pytest.fixture
def make_volume(db):
    """Create a volume with its sections from an array, through the same service imports use."""
    from annotations.services.volumes import volume_create

    def make(
        specimen, data=None, *, modality="ri", channel="", time_index=0, shape=(4, 32, 32), seed=0
    ):
        if data is None:
            rng = np.random.default_rng(seed)
            data = (1.34 + 0.02 * rng.random(shape)).astype(np.float32)
        return volume_create(
            specimen=specimen,
            data=data,
            modality=modality,
            channel=channel,
            time_index=time_index,
            voxel_size=(0.195, 0.098, 0.098),
        )

    return make


@pytest.fixture
def eager_tasks():
    """Run Celery tasks in-process (for API tests that only need the job's outcome)."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = False
    yield
    celery_app.conf.task_always_eager = previous
