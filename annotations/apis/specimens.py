"""REST endpoints for browsing data: specimens, volumes and sections; a manager sets or clears a
specimen's frame interval and sets its voxel size (PATCH on the specimen)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from annotations.conflicts import CONFLICTS
from annotations.models import Role
from annotations.permissions import get_project, get_section, get_specimen, get_volume
from annotations.selectors.specimens import (
    section_detail,
    specimen_detail,
    specimen_list,
    volume_detail,
)
from annotations.serializers_specimens import (
    SectionDetailSerializer,
    SpecimenDetailSerializer,
    SpecimenQuerySerializer,
    SpecimenRowSerializer,
    SpecimenUpdateSerializer,
    VolumeDetailSerializer,
)
from annotations.services.specimens import specimen_update
from cellweb.api import conflict_responses, parse
from cellweb.api.reads import ReadApi, read_schema


@read_schema(
    "projects_specimens_list",
    SpecimenRowSerializer,
    many=True,
    parameters=[SpecimenQuerySerializer],
)
class SpecimenListApi(ReadApi):
    def read(self, request, slug: str):
        project = get_project(request.user, slug)
        query = parse(SpecimenQuerySerializer, request.query_params)
        return specimen_list(
            project=project,
            lab=query.get("lab") or None,
            tag=query.get("tag") or None,
            search=query.get("search") or None,
        )


@read_schema("specimens_retrieve", SpecimenDetailSerializer)
class SpecimenDetailApi(ReadApi):
    parser_classes = [JSONParser]

    def read(self, request, specimen_id: int):
        return specimen_detail(specimen=get_specimen(request.user, specimen_id))

    @extend_schema(
        operation_id="specimens_partial_update",
        summary="Set the specimen's frame interval or voxel size (managers)",
        description="Each field only where given, together or not at all. A voxel size set "
        "here holds for every volume of the specimen (label-free and paired stains, every time "
        "point), is recorded in the audit trail of its label-free sections, and is used by "
        "evaluations and predictions made from now on; results made before keep the size they "
        "were made with (docs/imports.md).",
        request=SpecimenUpdateSerializer,
        responses={
            200: SpecimenDetailSerializer,
            **conflict_responses(CONFLICTS, "specimen_without_images"),
        },
    )
    def patch(self, request, specimen_id: int):
        specimen = get_specimen(request.user, specimen_id, Role.MANAGER)
        values = parse(SpecimenUpdateSerializer, request.data)
        specimen = specimen_update(specimen=specimen, user=request.user, values=values)
        return Response(SpecimenDetailSerializer(specimen_detail(specimen=specimen)).data)


@read_schema("volumes_retrieve", VolumeDetailSerializer)
class VolumeDetailApi(ReadApi):
    def read(self, request, volume_id: int):
        return volume_detail(volume=get_volume(request.user, volume_id))


@read_schema("sections_retrieve", SectionDetailSerializer)
class SectionDetailApi(ReadApi):
    def read(self, request, section_id: int):
        return section_detail(section=get_section(request.user, section_id))
