"""Schemathesis over /api/schema/ with all its checks: no 5xx, every answer as documented.

Runs in-process against the WSGI application, signed in (HTTP Basic) as the manager of a project
with data. Every operation in the schema takes part, including those added later, with inputs
that fit the schema and inputs that do not. Half of the cases get ids of real objects so the
handlers behind the 404s are exercised too.
"""

from __future__ import annotations

import base64
import functools
import io
import itertools

import numpy as np
import pytest
import schemathesis
import torch
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS, is_check_class, load_all_checks

from annotations.models import ImportJob
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

# Per operation and generation mode (positive and negative): a few hundred requests in all.
MAX_EXAMPLES = 4
load_all_checks()
ALL_CHECKS = [check for check in CHECKS.get_all() if not is_check_class(check)]
# A schema can say a field is a file, not what the file holds, and it cannot compare two fields.
# Valid requests therefore carry what the words of the schema ask for: real files of a documented
# format (with the fields that must agree with the file's content), and a display window that is
# sent whole with lo < hi (and a section image's channel one the section has), class names of the
# project's one class. Every check runs on every operation, positive data acceptance included:
# a valid request is answered 2xx, or 404, or 409 when the project's state refuses it.
# Stain channels must be among the channels, which the schema says only in words.
VOLUME_FIELDS = {
    "channel": "",
    "dataset": "",
    "channels": "",
    "stain_channels": "",
    "voxel_size": "",
}


def _npy(seed: int) -> bytes:
    buffer = io.BytesIO()
    volume = 1.34 + 0.02 * np.random.default_rng(seed).random((3, 16, 16))
    np.save(buffer, volume.astype(np.float32))
    return buffer.getvalue()


def _mask_npy() -> bytes:
    """A binary mask of the known RI volume's shape (3 sections of 32 x 32)."""
    buffer = io.BytesIO()
    mask = np.zeros((3, 32, 32), np.uint8)
    mask[:, 8:20, 8:20] = 1
    np.save(buffer, mask)
    return buffer.getvalue()


@functools.cache
def _weights() -> bytes:
    """A real weights file of the unet16 network, a few kilobytes: every tensor is one stored
    zero broadcast to its shape (the upload is checked by names and shapes)."""
    from inference.ml.nets import create_model

    with torch.device("meta"):
        expected = create_model("unet16").state_dict()
    state = {
        name: torch.zeros(1, dtype=meta.dtype).expand(meta.shape)
        if meta.dim()
        else torch.zeros((), dtype=meta.dtype)
        for name, meta in expected.items()
    }
    buffer = io.BytesIO()
    torch.save({"arch": "unet16", "input_size": 64, "state_dict": state}, buffer)
    return buffer.getvalue()


def _with_files(label: str, body: dict) -> None:
    """Give a valid multipart body the files its operation documents. The multipart encoder names
    each file after its field, so a folder upload sends one label-free image named by a pattern
    that takes that name."""
    if label == "POST /api/projects/{slug}/imports/":
        body.update(VOLUME_FIELDS, file=_npy(1))
        body.pop("time", None)
        body.pop("channel_axis", None)  # a (z, y, x) stack: no channel axis to name
    elif label == "POST /api/projects/{slug}/imports/batch/":
        body.update(files=[_npy(2)], pattern="{specimen}", stain_channels="")
    elif label == "POST /api/specimens/{specimen_id}/ground-truth/":
        body.update(file=_mask_npy(), dataset="")
        body["class"] = "nucleus"  # named: the run may have added classes
        body.pop("time", None)
        # the z a volume has, and that a list goes without labelled_only, only the server knows
        body["z"] = "" if body.get("labelled_only") else "0, z2"
    elif label == "POST /api/projects/{slug}/model-versions/import/":
        body.update(file=_weights(), arch="")


def _whole_window(values: dict) -> None:
    """A display window goes whole with lo below hi, as the schema says in words; a bound alone
    must stay on its side of the volume's default window, which only the server knows."""
    bounds = [values.get(name) for name in ("lo", "hi")]
    if all(isinstance(bound, int | float) for bound in bounds):
        low, high = sorted(bounds)
        if high <= low:  # equal: move the bound that stays inside any documented range
            gap = max(1.0, abs(low) * 1e-6)
            low, high = (low - gap, low) if low > 0 else (low, low + gap)
        values["lo"], values["hi"] = low, high
    else:
        values.pop("lo", None)
        values.pop("hi", None)


# Fields whose words say "a class of the project, by name" (the project has one, the nucleus),
# and class weights, which the words give only to several classes learnt together.
CLASS_FIELDS = {"target_class": "nucleus", "classes": "", "class_weights": []}


def _as_documented(label: str, case) -> None:
    for values in (case.body, case.query):
        if isinstance(values, dict):
            _with_files(label, values)
            _whole_window(values)
            for name, value in CLASS_FIELDS.items():
                if name in values:
                    values[name] = value
            if values is case.body and case.media_type != "application/json":
                # A multipart form has no null: a nullable field is left out instead.
                for name in [name for name, value in values.items() if value is None]:
                    del values[name]
            if label == "GET /api/sections/{section_id}/image.png":
                # The schema says in words that a channel must be one the section has: these
                # sections have one.
                values.pop("channel", None)


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
    # Deletions last, so that the objects every other operation names (the project's nucleus
    # class among them) are still there when it runs.
    operations = sorted(
        (result.ok() for result in schema.get_all_operations()),
        key=lambda operation: operation.method.upper() == "DELETE",
    )
    assert len(operations) >= 10
    counter = itertools.count()
    failures: list[str] = []
    requests = 0

    for operation in operations:
        label = f"{operation.method.upper()} {operation.path}"
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
                if mode == GenerationMode.POSITIVE:  # noqa: B023 (run now)
                    _as_documented(label, case)  # noqa: B023
                # The session cookie is generated junk; the Basic credentials sign in, and the
                # auth check then sends the request without them and with wrong ones.
                case.cookies = {}
                requests += 1
                case.call_and_validate(headers=headers, checks=ALL_CHECKS)

            try:
                call()
            except BaseException as exc:  # collect every operation's failure, then report them all
                failures.append(
                    f"{operation.method.upper()} {operation.path} ({mode}): {exc}"[:3000]
                )

    print(f"schema fuzz: {len(operations)} operations, {requests} requests")
    assert requests > 0
    assert not failures, "\n\n".join(failures)
