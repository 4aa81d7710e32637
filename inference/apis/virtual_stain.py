"""``GET /api/sections/<id>/virtual_stain.png?version=N``: a section's predicted stain."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from annotations.permissions import get_section
from cellweb.api import BinaryApi, binary_answer, error_responses, parse, png_response
from cellweb.api.fields import optional_id
from inference.selectors.virtual_stain import section_virtual_stain


class VirtualStainQuery(serializers.Serializer):
    version = optional_id("An in-silico-labelling model version; default: the project's newest.")


class SectionVirtualStainApi(BinaryApi):
    @extend_schema(
        operation_id="section_virtual_stain",
        summary="The predicted fluorescence of a section, as an 8-bit grey PNG",
        description="Predicted by an in-silico-labelling model version (paper 004) from the "
        "label-free section, stained or not; computed on first request, then cached. Header "
        "`X-Model-Version` names the version used.",
        parameters=[VirtualStainQuery],
        responses={
            **binary_answer("image/png", "The stain."),
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
        return png_response(stain.png, model_version=stain.model_version_id, max_age=300)
