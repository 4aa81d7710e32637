"""REST endpoints of cross-confirmation: the review queue, agreement, consensus, review actions,
ground-truth versions, the audit trail and the project dashboard."""

from __future__ import annotations

from typing import ClassVar

from drf_spectacular.utils import (
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.conflicts import CONFLICTS
from annotations.models import GroundTruthSource, Role
from annotations.permissions import REVIEW_ROLES, get_project, get_section
from annotations.selectors import review as review_selectors
from annotations.selectors.annotation import require_truth_unblinded, review_section
from annotations.selectors.users import user_ids_by_name
from annotations.serializers_dashboard import ProjectDashboardSerializer
from annotations.serializers_groundtruth import (
    GroundTruthVersionDetailSerializer,
    SectionGroundTruthQuerySerializer,
    SectionGroundTruthSerializer,
)
from annotations.serializers_review import (
    ConsensusProposalSerializer,
    ReviewConfirmInputSerializer,
    ReviewConfirmOutputSerializer,
    ReviewConflictSerializer,
    ReviewExcludeInputSerializer,
    ReviewIncludeInputSerializer,
    ReviewQueueQuerySerializer,
    ReviewQueueSerializer,
    ReviewSendBackInputSerializer,
    ReviewSendBackOutputSerializer,
    ReviewStatusSerializer,
    SectionAgreementSerializer,
    SectionAuditEventSerializer,
)
from annotations.services import review as review_services
from cellweb.api import (
    conflict_list,
    conflict_responses,
    decode_base64_png,
    error_responses,
    parse,
)
from cellweb.api.reads import ReadApi, read_schema
from cellweb.errors import NotFoundError

ERRORS = error_responses(
    403,
    404,
    descriptions={
        403: "Needs the reviewer role.",
        404: "No such section or project (or, filtering the queue, no such specimen in it).",
    },
)


def review_read(operation_id: str, output, **schema):
    """``read_schema`` of a review endpoint, with the review endpoints' error answers."""
    return read_schema(operation_id, output, responses=ERRORS, **schema)


@review_read(
    "review_queue",
    ReviewQueueSerializer,
    parameters=[ReviewQueueQuerySerializer],
    summary="Sections waiting for review, lowest agreement first, narrowed by the filters",
)
class ReviewQueueApi(ReadApi):
    def read(self, request, slug: str):
        project = get_project(request.user, slug, *REVIEW_ROLES)
        query = parse(ReviewQueueQuerySerializer, request.query_params)
        only = review_selectors.QueueFilter(
            specimen=query.get("specimen"), responses=query["responses"], stale=query["stale"]
        )
        if only.specimen is not None and not project.specimens.filter(pk=only.specimen).exists():
            raise NotFoundError(f"This project has no specimen {only.specimen}.")
        return review_selectors.review_queue_page(
            project=project,
            user=request.user,
            limit=query["limit"],
            offset=query["offset"],
            only=only,
        )


@review_read(
    "project_dashboard",
    ProjectDashboardSerializer,
    summary="Section counts, the annotator agreement table and agreement distributions",
)
class DashboardApi(ReadApi):
    def read(self, request, slug: str):
        project = get_project(request.user, slug, *REVIEW_ROLES)
        return review_selectors.dashboard(project, request.user)


@review_read(
    "section_agreement",
    SectionAgreementSerializer,
    summary="Pairwise and per-annotator agreement of the section's current consensus",
)
class SectionAgreementApi(ReadApi):
    def read(self, request, section_id: int):
        return review_selectors.section_agreement(review_section(request.user, section_id))


class SectionConsensusApi(APIView):
    @extend_schema(
        operation_id="section_consensus_recompute",
        request=None,
        responses={
            201: ConsensusProposalSerializer,
            **ERRORS,
            **conflict_responses(CONFLICTS, "too_few_annotations"),
        },
        summary="Recompute the consensus from the latest submitted annotations",
    )
    def post(self, request, section_id: int):
        section = review_section(request.user, section_id)
        record = review_services.consensus_recompute(section=section, user=request.user)
        return Response(
            ConsensusProposalSerializer(review_selectors.consensus_proposal(record)).data,
            status=status.HTTP_201_CREATED,
        )


class SectionGroundTruthApi(APIView):
    @extend_schema(
        operation_id="section_ground_truth",
        parameters=[SectionGroundTruthQuerySerializer],
        responses={
            200: PolymorphicProxySerializer(
                component_name="SectionGroundTruthAnswer",
                serializers=[SectionGroundTruthSerializer, GroundTruthVersionDetailSerializer],
                resource_type_field_name=None,
            ),
            **ERRORS,
        },
        summary="Ground-truth versions of a section; ?version=N returns that version in full",
        description="Without `version` the answer is `{current, versions}`; with it, the body is "
        "that version's detail (same shape as `current`).",
    )
    def get(self, request, section_id: int):
        section = get_section(request.user, section_id, *REVIEW_ROLES)
        query = parse(SectionGroundTruthQuerySerializer, request.query_params)
        source = query.get("source", GroundTruthSource.CONSENSUS)
        require_truth_unblinded(request.user, section, source)
        if "version" in query:
            detail = review_selectors.ground_truth_version_detail(
                section, source=source, version=query["version"]
            )
            return Response(GroundTruthVersionDetailSerializer(detail).data)
        payload = review_selectors.section_ground_truth(section, source=source)
        return Response(SectionGroundTruthSerializer(payload).data)


@review_read(
    "section_audit",
    SectionAuditEventSerializer,
    many=True,
    summary="Everything reviewers and the system did to the section, oldest first",
)
class SectionAuditApi(ReadApi):
    def read(self, request, section_id: int):
        return review_selectors.audit_rows(review_section(request.user, section_id))


# POST by a reviewer on a section: the body validated by ``body``, ``act`` does the action and
# returns the answer in ``output``; ``review_action`` documents it. (A comment, not a docstring:
# the schema would give a docstring as the description of every action.)
class ReviewActionApi(APIView):
    body: ClassVar[type[serializers.Serializer]]
    output: ClassVar[type[serializers.Serializer]]

    def act(self, section, reviewer, data: dict) -> dict:
        raise NotImplementedError

    def post(self, request, section_id: int):
        section = review_section(request.user, section_id, Role.REVIEWER)
        payload = self.act(section, request.user, parse(self.body, request.data))
        return Response(self.output(payload).data)


def review_action(operation_id: str, body, output, **schema):
    """A class decorator for a ``ReviewActionApi``: its ``body`` and ``output`` serializers and the
    schema of its POST; ``schema``: ``summary``, and ``responses`` beside the 200 and ``ERRORS``."""

    def decorate(view: type[ReviewActionApi]) -> type[ReviewActionApi]:
        view.body, view.output = body, output
        responses = {200: output, **ERRORS, **schema.pop("responses", {})}
        post = extend_schema(operation_id=operation_id, request=body, responses=responses, **schema)
        return extend_schema_view(post=post)(view)

    return decorate


@review_action(
    "review_confirm",
    ReviewConfirmInputSerializer,
    ReviewConfirmOutputSerializer,
    responses={
        409: OpenApiResponse(
            ReviewConflictSerializer,
            description="The state refuses the confirmation; `code` says which:\n\n"
            + conflict_list(
                CONFLICTS,
                "stale_ground_truth",
                "section_status",
                "stale_consensus",
                "too_few_annotations",
                "imported_ground_truth",
            ),
        )
    },
    summary="Confirm (optionally edited) consensus as the section's next ground-truth version",
)
class ReviewConfirmApi(ReviewActionApi):
    def act(self, section, reviewer, data):
        # Any stored mask (binary, class map, instance map): the service reads it by the project.
        mask_png = decode_base64_png(data["mask_png"], field="mask_png") if data["edited"] else None
        truth = review_services.review_confirm(
            section=section,
            reviewer=reviewer,
            consensus_id=data["consensus_id"],
            mask_png=mask_png,
            edited=data["edited"],
            base_version=data["base_version"],
        )
        return {
            **review_selectors.ground_truth_public(truth),
            "edited": truth.edited,
            "stale": truth.stale,
        }


@review_action(
    "review_send_back",
    ReviewSendBackInputSerializer,
    ReviewSendBackOutputSerializer,
    summary="Reopen the named annotators' annotations with a comment",
    responses=conflict_responses(
        CONFLICTS, "stale_ground_truth", "section_status", "annotation_not_submitted"
    ),
)
class ReviewSendBackApi(ReviewActionApi):
    def act(self, section, reviewer, data):
        names = sorted(set(data["annotators"]))
        section = review_services.review_send_back(
            section=section,
            reviewer=reviewer,
            comment=data["comment"],
            annotator_ids=user_ids_by_name(names),
            base_version=data.get("base_version", review_services.UNSEEN),
        )
        return {
            "status": section.status,
            "annotators": names,
            "submitted_count": section.submitted_count,
        }


@review_action(
    "review_exclude",
    ReviewExcludeInputSerializer,
    ReviewStatusSerializer,
    summary="Exclude the section (out of focus, no nucleus in view)",
    responses=conflict_responses(CONFLICTS, "stale_ground_truth", "section_status"),
)
class ReviewExcludeApi(ReviewActionApi):
    def act(self, section, reviewer, data):
        section = review_services.review_exclude(
            section=section,
            reviewer=reviewer,
            reason=data["reason"],
            base_version=data.get("base_version", review_services.UNSEEN),
        )
        return {"status": section.status}


@review_action(
    "review_include",
    ReviewIncludeInputSerializer,
    ReviewStatusSerializer,
    summary="Include an excluded section again (undo an exclusion)",
    responses=conflict_responses(CONFLICTS, "section_status"),
)
class ReviewIncludeApi(ReviewActionApi):
    def act(self, section, reviewer, data):
        section = review_services.review_include(
            section=section, reviewer=reviewer, reason=data["reason"]
        )
        return {"status": section.status}
