"""REST endpoints of a project's members: who works in it as what, adding one, taking a role
away (the settings page's Members, ``annotations/views/members.py``)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.conflicts import CONFLICTS
from annotations.models import Role
from annotations.permissions import get_project
from annotations.selectors.members import project_members
from annotations.services.members import membership_add, membership_remove
from cellweb.api import RefusesUnknownFields, conflict_responses, parse
from cellweb.api.reads import ReadApi, read_schema


class HeldRoleSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The membership granting the role (to remove it).")
    role = serializers.ChoiceField(choices=Role.choices)


class MemberSerializer(serializers.Serializer):
    username = serializers.CharField()
    full_name = serializers.CharField(allow_blank=True)
    roles = HeldRoleSerializer(many=True, help_text="Manager, reviewer, annotator order.")


class MemberAddSerializer(RefusesUnknownFields, serializers.Serializer):
    identifier = serializers.CharField(
        max_length=254, help_text="User name or e-mail address of an existing, active account."
    )
    role = serializers.ChoiceField(choices=Role.choices)


class MembershipSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField(source="user.username")
    role = serializers.ChoiceField(choices=Role.choices)


@read_schema("project_members_list", MemberSerializer, many=True)
class MemberListApi(ReadApi):
    def read(self, request, slug: str):
        return project_members(project=get_project(request.user, slug))

    @extend_schema(
        operation_id="project_members_create",
        request=MemberAddSerializer,
        responses={201: MembershipSerializer, **conflict_responses(CONFLICTS, "already_member")},
    )
    def post(self, request, slug: str):
        project = get_project(request.user, slug, Role.MANAGER)
        membership = membership_add(project=project, **parse(MemberAddSerializer, request.data))
        return Response(MembershipSerializer(membership).data, status=status.HTTP_201_CREATED)


class MemberApi(APIView):
    @extend_schema(
        operation_id="project_members_destroy",
        responses={204: None, **conflict_responses(CONFLICTS, "last_manager")},
    )
    def delete(self, request, slug: str, membership_id: int):
        project = get_project(request.user, slug, Role.MANAGER)
        membership_remove(project=project, membership_id=membership_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
