"""The launch of an inference job by a project's managers: a POST whose answer is 201 with the
new job's snapshot (what its detail endpoint answers)."""

from __future__ import annotations

from typing import ClassVar

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.views import APIView

from annotations.models import Role
from annotations.permissions import get_project
from cellweb.jobs.api import job_launched_response


# POST: a project's manager launches a job of ``kind`` from ``input``; 201 with the job's snapshot
# in ``output``. A subclass launches it in ``launch``; ``launch_schema`` documents it. (A comment:
# the schema would give a docstring as the description of the subclasses' other operations.)
class ProjectJobLaunchApi(APIView):
    kind: ClassVar[str]
    input: ClassVar[type[serializers.Serializer]]
    output: ClassVar[type[serializers.Serializer]]

    def launch(self, project, user, body: serializers.Serializer):
        """The launched job (``body``: the validated ``input``)."""
        raise NotImplementedError

    def post(self, request, slug: str):
        project = get_project(request.user, slug, Role.MANAGER)
        body = self.input(data=request.data)
        body.is_valid(raise_exception=True)
        job = self.launch(project, request.user, body)
        return job_launched_response(self.kind, job, self.output)


def launch_schema(*, errors: dict, refusals: dict, request=None, **schema):
    """A class decorator: the POST schema of a ``ProjectJobLaunchApi`` subclass, its 201 the
    ``output``, with ``errors`` and its 409 ``refusals``; ``request`` defaults to ``input``;
    ``schema``: ``operation_id``, ``summary`` and ``description``."""

    def decorate(view: type[ProjectJobLaunchApi]) -> type[ProjectJobLaunchApi]:
        responses = {201: view.output, **errors, **refusals}
        post = extend_schema(request=request or view.input, responses=responses, **schema)
        return extend_schema_view(post=post)(view)

    return decorate
