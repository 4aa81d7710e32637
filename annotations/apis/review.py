"""REST endpoints of cross-confirmation: the review queue, agreement, consensus, review actions,
ground-truth versions, the audit trail and the project dashboard."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.conflicts import CONFLICTS
from annotations.models import GroundTruthSource, Role
from annotations.permissions import get_project, get_section
from annotations.selectors import review as review_selectors
from annotations.selectors.users import user_ids_by_name
from annotations.serializers_review import (
    ConsensusProposalSerializer,
    GroundTruthVersionDetailSerializer,
    ProjectDashboardSerializer,
    ReviewConfirmInputSerializer,
    ReviewConfirmOutputSerializer,
    ReviewConflictSerializer,
    ReviewExcludeInputSerializer,
    ReviewQueueSerializer,
    ReviewSendBackInputSerializer,
    ReviewSendBackOutputSerializer,
    ReviewStatusSerializer,
    SectionAgreementSerializer,
    SectionAuditEventSerializer,
    SectionGroundTruthQuerySerializer,
    SectionGroundTruthSerializer,
)
from annotations.services import review as review_services
from cellweb.api import (
    LimitQuerySerializer,
    conflict_list,
    conflict_responses,
    decode_base64_png,
    error_responses,
    parse,
)

READ_ROLES = (Role.REVIEWER, Role.MANAGER)
ERRORS = error_responses(
    403, 404, descriptions={403: "Needs the reviewer role.", 404: "No such section or project."}
)


class ReviewQueueApi(APIView):
    @extend_schema(
        operation_id="review_queue",
        parameters=[LimitQuerySerializer],
        responses={200: ReviewQueueSerializer, **ERRORS},
        summary="Sections waiting for review, lowest agreement first",
    )
    def get(self, request, slug: str):
        project = get_project(request.user, slug, *READ_ROLES)
        query = parse(LimitQuerySerializer, request.query_params)
        page = review_selectors.review_queue_page(
            project=project, user=request.user, limit=query["limit"]
        )
        return Response(ReviewQueueSerializer(page).data)


class DashboardApi(APIView):
    @extend_schema(
        operation_id="project_dashboard",
        responses={200: ProjectDashboardSerializer, **ERRORS},
        summary="Section counts, the annotator agreement table and agreement distributions",
    )
    def get(self, request, slug: str):
        project = get_project(request.user, slug, *READ_ROLES)
        return Response(ProjectDashboardSerializer(review_selectors.dashboard(project)).data)


class SectionAgreementApi(APIView):
    @extend_schema(
        operation_id="section_agreement",
        responses={200: SectionAgreementSerializer, **ERRORS},
        summary="Pairwise and per-annotator agreement of the section's current consensus",
    )
    def get(self, request, section_id: int):
        section = get_section(request.user, section_id, *READ_ROLES)
        return Response(
            SectionAgreementSerializer(review_selectors.section_agreement(section)).data
        )


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
        section = get_section(request.user, section_id, *READ_ROLES)
        record = review_services.consensus_recompute(section=section, user=request.user)
        return Response(
            ConsensusProposalSerializer(review_selectors.consensus_proposal(record)).data,
            status=status.HTTP_201_CREATED,
        )


class SectionGroundTruthApi(APIView):
    @extend_schema(
        operation_id="section_ground_truth",
        parameters=[SectionGroundTruthQuerySerializer],
        responses={200: SectionGroundTruthSerializer, **ERRORS},
        summary="Ground-truth versions of a section; ?version=N returns that version in full",
        description="Without `version` the answer is `{current, versions}`; with it, the body is "
        "that version's detail (same shape as `current`).",
    )
    def get(self, request, section_id: int):
        section = get_section(request.user, section_id, *READ_ROLES)
        query = parse(SectionGroundTruthQuerySerializer, request.query_params)
        source = query.get("source", GroundTruthSource.CONSENSUS)
        if "version" in query:
            detail = review_selectors.ground_truth_version_detail(
                section, source=source, version=query["version"]
            )
            return Response(GroundTruthVersionDetailSerializer(detail).data)
        payload = review_selectors.section_ground_truth(section, source=source)
        return Response(SectionGroundTruthSerializer(payload).data)


class SectionAuditApi(APIView):
    @extend_schema(
        operation_id="section_audit",
        responses={200: SectionAuditEventSerializer(many=True), **ERRORS},
        summary="Everything reviewers and the system did to the section, oldest first",
    )
    def get(self, request, section_id: int):
        section = get_section(request.user, section_id, *READ_ROLES)
        return Response(
            SectionAuditEventSerializer(review_selectors.audit_rows(section), many=True).data
        )


class ReviewConfirmApi(APIView):
    @extend_schema(
        operation_id="review_confirm",
        request=ReviewConfirmInputSerializer,
        responses={
            200: ReviewConfirmOutputSerializer,
            409: OpenApiResponse(
                ReviewConflictSerializer,
                description="The state refuses the confirmation; `code` says which:\n\n"
                + conflict_list(
                    CONFLICTS, "stale_ground_truth", "stale_consensus", "too_few_annotations"
                ),
            ),
            **ERRORS,
        },
        summary="Confirm (optionally edited) consensus as the section's next ground-truth version",
    )
    def post(self, request, section_id: int):
        section = get_section(request.user, section_id, Role.REVIEWER)
        data = parse(ReviewConfirmInputSerializer, request.data)
        # Any stored mask (binary, class map, instance map): the service reads it by the project.
        mask_png = decode_base64_png(data["mask_png"], field="mask_png") if data["edited"] else None
        truth = review_services.review_confirm(
            section=section,
            reviewer=request.user,
            consensus_id=data["consensus_id"],
            mask_png=mask_png,
            edited=data["edited"],
            base_version=data["base_version"],
        )
        payload = {
            **review_selectors.ground_truth_public(truth),
            "edited": truth.edited,
            "stale": truth.stale,
        }
        return Response(ReviewConfirmOutputSerializer(payload).data)


class ReviewSendBackApi(APIView):
    @extend_schema(
        operation_id="review_send_back",
        request=ReviewSendBackInputSerializer,
        responses={200: ReviewSendBackOutputSerializer, **ERRORS},
        summary="Reopen the named annotators' annotations with a comment",
    )
    def post(self, request, section_id: int):
        section = get_section(request.user, section_id, Role.REVIEWER)
        data = parse(ReviewSendBackInputSerializer, request.data)
        names = sorted(set(data["annotators"]))
        section = review_services.review_send_back(
            section=section,
            reviewer=request.user,
            comment=data["comment"],
            annotator_ids=user_ids_by_name(names),
        )
        payload = {
            "status": section.status,
            "annotators": names,
            "submitted_count": section.submitted_count,
        }
        return Response(ReviewSendBackOutputSerializer(payload).data)


class ReviewExcludeApi(APIView):
    @extend_schema(
        operation_id="review_exclude",
        request=ReviewExcludeInputSerializer,
        responses={200: ReviewStatusSerializer, **ERRORS},
        summary="Exclude the section (out of focus, no nucleus in view)",
    )
    def post(self, request, section_id: int):
        section = get_section(request.user, section_id, Role.REVIEWER)
        data = parse(ReviewExcludeInputSerializer, request.data)
        section = review_services.review_exclude(
            section=section, reviewer=request.user, reason=data["reason"]
        )
        return Response(ReviewStatusSerializer({"status": section.status}).data)
