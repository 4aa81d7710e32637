"""``GET /api/sections/<id>/proposal.png``: the active model's mask for a section."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.cache import patch_cache_control
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from annotations.permissions import get_section
from cellweb.api import FirstRendererNegotiation, error_responses
from inference.selectors.proposals import section_proposal


class SectionProposalApi(APIView):
    renderer_classes = [JSONRenderer]  # errors as JSON; the mask is an HttpResponse
    content_negotiation_class = FirstRendererNegotiation

    @extend_schema(
        operation_id="section_proposal",
        summary="The active model's proposal for a section, as a 1-bit PNG mask",
        description="White = nucleus, the format the editor loads masks in. Headers: "
        "`X-Model-Version` (id), `X-Model-Version-Name`, `X-Proposal-Source` (`prediction`: a "
        "stored prediction of the active version; `computed`: segmented on demand, then cached).",
        responses={
            (200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY, description="The mask."),
            **error_responses(
                404,
                409,
                descriptions={
                    404: "No such section for you, or the project has no active model.",
                    409: "The active model was trained on another modality; start blank.",
                },
            ),
        },
    )
    def get(self, request, section_id: int):
        section = get_section(request.user, section_id)
        proposal = section_proposal(section)
        response = HttpResponse(proposal.png, content_type="image/png")
        response["X-Model-Version"] = str(proposal.model_version_id)
        response["X-Model-Version-Name"] = proposal.model_version_name.encode(
            "ascii", "replace"
        ).decode()
        response["X-Proposal-Source"] = proposal.source
        patch_cache_control(response, private=True, no_cache=True)
        return response
