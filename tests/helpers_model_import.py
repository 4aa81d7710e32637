"""Model imports over the API, their job run in this process (``eager_tasks``)."""

from __future__ import annotations

import pytest


@pytest.fixture
def model_import(api, eager_tasks, django_capture_on_commit_callbacks):
    """``post(user, project, upload, **fields)``: the upload's answer and, when it was accepted
    (202), its job's answer once the job has ended (else None)."""

    def post(user, project, upload, **fields):
        client = api(user)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                f"/api/projects/{project.slug}/model-versions/import/",
                {"file": upload, **fields},
                format="multipart",
            )
        if response.status_code != 202:
            return response, None
        return response, client.get(f"/api/model-imports/{response.json()['id']}/").json()

    return post
