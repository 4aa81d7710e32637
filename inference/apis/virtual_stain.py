"""``GET /api/sections/<id>/virtual_stain.png?version=N``: a section's predicted stain."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.cache import patch_cache_control
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from annotations.permissions import get_section
from cellweb.api import FirstRendererNegotiation, error_responses, parse
from inference.apis.fields import MAX_DB_ID
from inference.selectors.virtual_stain import section_virtual_stain


class VirtualStainQuery(serializers.Serializer):
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_DB_ID,
        help_text="An in-silico-labelling model version; default: the project's newest.",
    )


class SectionVirtualStainApi(APIView):
    renderer_classes = [JSONRenderer]  # errors as JSON; the image is an HttpResponse
    content_negotiation_class = FirstRendererNegotiation

    @extend_schema(
        operation_id="section_virtual_stain",
        summary="The predicted fluorescence of a section, as an 8-bit grey PNG",
        description="Predicted by an in-silico-labelling model version (paper 004) from the "
        "label-free section, stained or not; computed on first request, then cached. Header "
        "`X-Model-Version` names the version used.",
        parameters=[VirtualStainQuery],
        responses={
            (200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY, description="The stain."),
            **error_responses(
                400,
                404,
                409,
                descriptions={
                    404: "No such section or version for you, or no in-silico-labelling model.",
                    409: "A segmentation version, or a fluorescence section.",
                },
            ),
        },
    )
    def get(self, request, section_id: int):
        section = get_section(request.user, section_id)
        query = parse(VirtualStainQuery, request.query_params)
        stain = section_virtual_stain(
            user=request.user, section=section, version_id=query.get("version")
        )
        response = HttpResponse(stain.png, content_type="image/png")
        response["X-Model-Version"] = str(stain.model_version_id)
        patch_cache_control(response, private=True, max_age=300)
        return response
