"""Endpoints that answer a GET with what they read, through one output serializer.

A subclass of ``ReadApi`` reads its answer in ``read`` (the URL's keywords as arguments, the
objects the caller may not see refused there); ``read_schema`` names the output serializer and
documents the GET. Other methods of the view keep their own ``extend_schema``.
"""

from __future__ import annotations

from typing import ClassVar

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView


# GET: ``output(self.read(request, **kwargs))``, a list of them when ``many``. (A comment, not a
# docstring: the schema would give a docstring as the description of every subclass's GET.)
class ReadApi(APIView):
    output: ClassVar[type[serializers.Serializer]]
    many: ClassVar[bool] = False

    def read(self, request, **kwargs):
        raise NotImplementedError

    def get(self, request, **kwargs):
        return Response(self.output(self.read(request, **kwargs), many=self.many).data)


def read_schema(operation_id: str, output: type[serializers.Serializer], *, many=False, **schema):
    """A class decorator for a ``ReadApi``: its ``output`` (a list of them when ``many``) and the
    schema of its GET; ``schema``: ``summary``, ``description``, ``parameters`` and ``responses``
    beside the 200 (the error answers the endpoint words differently)."""

    def decorate(view: type[ReadApi]) -> type[ReadApi]:
        view.output, view.many = output, many
        responses = {200: output(many=True) if many else output, **schema.pop("responses", {})}
        get = extend_schema(operation_id=operation_id, responses=responses, **schema)
        return extend_schema_view(get=get)(view)

    return decorate
