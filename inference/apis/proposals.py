"""``GET /api/sections/<id>/proposal.png``: the active model's mask for a section."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema

from annotations.permissions import get_section
from cellweb.api import BinaryApi, binary_answer, error_responses, png_response
from inference.selectors.proposals import section_proposal


class SectionProposalApi(BinaryApi):
    @extend_schema(
        operation_id="section_proposal",
        summary="The active model's proposal for a section, as a 1-bit PNG mask",
        description="White = nucleus, the format the editor loads masks in. Headers: "
        "`X-Model-Version` (id), `X-Model-Version-Name`, `X-Proposal-Source` (`prediction`: a "
        "stored prediction of the active version; `computed`: segmented on demand, then cached).",
        responses={
            **binary_answer("image/png", "The mask."),
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
        response = png_response(
            proposal.png, model_version=proposal.model_version_id, no_cache=True
        )
        response["X-Model-Version-Name"] = proposal.model_version_name.encode(
            "ascii", "replace"
        ).decode()
        response["X-Proposal-Source"] = proposal.source
        return response
