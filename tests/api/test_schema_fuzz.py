"""Schemathesis over /api/schema/ with all its checks: no 5xx, every answer as documented.

Runs in-process against the WSGI application, signed in (HTTP Basic) as the manager of a project
with data. Every operation in the schema takes part, including those added later, with inputs
that fit the schema and inputs that do not. Half of the cases get ids of real objects so the
handlers behind the 404s are exercised too.
"""

from __future__ import annotations

import base64
import itertools

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS, is_check_class, load_all_checks
from schemathesis.specs.openapi.checks import positive_data_acceptance

from annotations.models import ImportJob
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

# Per operation and generation mode (positive and negative): a few hundred requests in all.
MAX_EXAMPLES = 4
load_all_checks()
ALL_CHECKS = [check for check in CHECKS.get_all() if not is_check_class(check)]
# Operations whose valid-looking input can still be refused with a 400 for a reason the schema
# cannot state: the project's state (no ground truth, no active model, too few annotations), a
# file's contents, a rule across fields (lo < hi, an input size the networks can halve four
# times), a name or key already taken in the project's label set, or a form field that cannot
# carry JSON's null. Every other check runs on them; shrink
# this list as their schemas learn the constraints.
SEMANTIC_400_OPERATIONS = {
    "GET /api/sections/{section_id}/image.png",
    "PATCH /api/projects/{slug}/labels/{value}/",  # names and keys unique in the label set
    "POST /api/projects/",  # a short name that is taken, or reserved by the site's addresses
    "POST /api/projects/{slug}/labels/",
    "POST /api/projects/{slug}/evaluations/",
    "POST /api/projects/{slug}/fluorescence-gt/",
    "POST /api/projects/{slug}/imports/",
    "POST /api/projects/{slug}/imports/batch/",
    "POST /api/projects/{slug}/isl-jobs/",  # an input size the networks can halve four times
    "POST /api/projects/{slug}/model-versions/import/",
    "POST /api/projects/{slug}/predictions/",
    "POST /api/projects/{slug}/training-jobs/",
    "POST /api/sections/{section_id}/consensus/",
    "PUT /api/volumes/{volume_id}/display/",
}


@pytest.fixture
def known_ids(project, manager, annotator, specimen, make_volume) -> dict[str, object]:
    ri = make_volume(specimen, shape=(3, 32, 32))
    fl = make_volume(specimen, modality="fluorescence", channel="DAPI", shape=(3, 32, 32), seed=2)
    job = ImportJob.objects.create(
        project=project, created_by=manager, original_name="x.npy", params={}
    )
    section = ri.sections.get(z=1)
    return {
        "slug": project.slug,
        "specimen_id": specimen.pk,
        "volume_id": ri.pk,
        "section_id": section.pk,
        "job_id": job.pk,
        "fluorescence_section_id": fl.sections.first().pk,
        "id": section.pk,
    }


@pytest.fixture
def in_test_transaction():
    """Keep Django from closing the test's connection after each in-process WSGI request.

    Django's own test client does the same; schemathesis calls the WSGI application directly.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _basic_auth(username: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{PASSWORD}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def test_no_request_makes_the_api_fail_with_a_server_error(known_ids, in_test_transaction):
    # Operations are walked here rather than with schema.parametrize(): the lazy fixture-based
    # loader of schemathesis 4 does not run under pytest 9, and the database must exist first.
    from cellweb.wsgi import application

    headers = _basic_auth("mona")
    # The schema is for signed-in users, like the API it describes.
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/?format=json", application, headers=headers
    )
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    counter = itertools.count()
    failures: list[str] = []
    requests = 0

    for operation in operations:
        label = f"{operation.method.upper()} {operation.path}"
        checks = [
            check
            for check in ALL_CHECKS
            if check is not positive_data_acceptance or label not in SEMANTIC_400_OPERATIONS
        ]
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=MAX_EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def call(case):
                nonlocal requests
                # Valid requests get real ids half of the time (an invalid one must stay invalid).
                if mode == GenerationMode.POSITIVE and next(counter) % 2 == 0:  # noqa: B023 (run now)
                    for name in list(case.path_parameters or {}):
                        if name in known_ids:
                            case.path_parameters[name] = known_ids[name]
                # The session cookie is generated junk; the Basic credentials sign in, and the
                # auth check then sends the request without them and with wrong ones.
                case.cookies = {}
                requests += 1
                case.call_and_validate(headers=headers, checks=checks)  # noqa: B023

            try:
                call()
            except BaseException as exc:  # collect every operation's failure, then report them all
                failures.append(
                    f"{operation.method.upper()} {operation.path} ({mode}): {exc}"[:3000]
                )

    print(f"schema fuzz: {len(operations)} operations, {requests} requests")
    assert requests > 0
    assert not failures, "\n\n".join(failures)
