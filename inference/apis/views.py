"""The endpoints the inference APIs build on: a read documented with the inference error answers,
a page of a project's list (its members read it), a project's settings that its managers save,
the launch of a job by the project's managers (a POST whose answer is 201 with the new
job's snapshot, what its detail endpoint answers), and a job's detail and cancel endpoints."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.models import Role
from annotations.permissions import get_project
from cellweb.api import parse
from cellweb.api.pagination import PageQuerySerializer, PageSerializer, requested_page
from cellweb.api.reads import read_schema
from cellweb.jobs.api import job_api_views, job_launched_response
from inference.apis.errors import ERRORS


def inference_read(operation_id: str, output, *, errors: dict = ERRORS, **schema):
    """``read_schema`` of an inference ``ReadApi``, with ``errors`` (by default the inference
    endpoints' error answers)."""
    return read_schema(operation_id, output, responses=errors, **schema)


def inference_job_views(kind: str, *, errors: dict = ERRORS, **schema):
    """``job_api_views`` of an inference job ``kind``, with ``errors`` (by default the inference
    endpoints' error answers); ``schema``: ``output``, ``summaries`` and where they differ from
    the defaults, ``id_kwarg`` and ``operations``."""
    return job_api_views(kind, errors=errors, **schema)


# GET: the page of a project's list that ``limit`` and ``offset`` select, in ``page_output``.
# A subclass gives the list (``items``) and each item's answer (``row``), or the page itself
# (``page``); ``list_schema`` documents it. (Comments rather than docstrings: the schema would
# give a docstring as the description of the subclasses' operations.)
class ProjectListApi(APIView):
    page_output: ClassVar[type[PageSerializer]]

    def items(self, project) -> Sequence:
        raise NotImplementedError

    def row(self, item):
        return item

    def page(self, project, query_params) -> dict:
        """The ``PageSerializer`` answer of the page that ``query_params`` select."""
        return requested_page(self.items(project), query_params, row=self.row)

    def get(self, request, slug: str):
        project = get_project(request.user, slug)
        return Response(self.page_output(self.page(project, request.query_params)).data)


def list_schema(*, errors: dict = ERRORS, **schema):
    """A class decorator: the GET schema of a ``ProjectListApi`` subclass, its 200 the
    ``page_output``, with ``errors`` (by default the inference endpoints' error answers);
    ``schema``: ``operation_id`` and ``summary``."""

    def decorate(view: type[ProjectListApi]) -> type[ProjectListApi]:
        responses = {200: view.page_output, **errors}
        get = extend_schema(parameters=[PageQuerySerializer], responses=responses, **schema)
        return extend_schema_view(get=get)(view)

    return decorate


# PUT: a project's manager saves its settings from ``input``; the answer is ``output`` of what
# ``public`` makes of the saved row. A subclass names the service that saves them (``save``,
# called with the project, the user and the validated fields); ``settings_schema`` documents it.
class ProjectSettingsApi(APIView):
    input: ClassVar[type[serializers.Serializer]]
    output: ClassVar[type[serializers.Serializer]]
    save: ClassVar[Callable]

    def public(self, project, row) -> dict:
        """The ``output`` answer of a project's settings ``row``."""
        raise NotImplementedError

    def put(self, request, slug: str):
        project = get_project(request.user, slug, Role.MANAGER)
        row = self.save(project=project, user=request.user, **parse(self.input, request.data))
        return Response(self.output(self.public(project, row)).data)


def settings_schema(operation_id: str, serializer: type[serializers.Serializer], *, summary: str):
    """A class decorator: a ``ProjectSettingsApi`` that takes and answers ``serializer``, and the
    schema of its PUT (with the inference endpoints' error answers)."""

    def decorate(view: type[ProjectSettingsApi]) -> type[ProjectSettingsApi]:
        view.input = view.output = serializer
        responses = {200: serializer, **ERRORS}
        put = extend_schema(
            operation_id=operation_id, summary=summary, request=serializer, responses=responses
        )
        return extend_schema_view(put=put)(view)

    return decorate


# POST: a project's manager launches a job of ``kind`` from ``input``; 201 with the job's snapshot
# in ``output``. A subclass launches it in ``launch``; ``launch_schema`` documents it.
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


def launch_schema(*, refusals: dict, errors: dict = ERRORS, request=None, **schema):
    """A class decorator: the POST schema of a ``ProjectJobLaunchApi`` subclass, its 201 the
    ``output``, with ``errors`` (by default the inference endpoints' error answers) and its 409
    ``refusals``; ``request`` defaults to ``input``; ``schema``: ``operation_id``, ``summary``
    and ``description``."""

    def decorate(view: type[ProjectJobLaunchApi]) -> type[ProjectJobLaunchApi]:
        responses = {201: view.output, **errors, **refusals}
        post = extend_schema(request=request or view.input, responses=responses, **schema)
        return extend_schema_view(post=post)(view)

    return decorate
