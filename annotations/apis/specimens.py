"""REST endpoints for browsing data: specimens, volumes and sections."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.models import Modality
from annotations.permissions import get_project, get_section, get_specimen, get_volume
from annotations.selectors.specimens import (
    section_detail,
    specimen_detail,
    specimen_list,
    volume_detail,
)
from cellweb.api import parse


class SpecimenRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    lab = serializers.CharField(allow_blank=True)
    tags = serializers.ListField(child=serializers.CharField())
    modalities = serializers.ListField(child=serializers.CharField())
    time_points = serializers.ListField(child=serializers.IntegerField())
    volume_count = serializers.IntegerField()
    section_count = serializers.IntegerField()
    shape = serializers.ListField(child=serializers.IntegerField(), allow_null=True)
    thumbnail_url = serializers.CharField(allow_null=True)
    url = serializers.CharField()


class SpecimenQuerySerializer(serializers.Serializer):
    lab = serializers.CharField(required=False, allow_blank=True, max_length=100)
    tag = serializers.CharField(required=False, allow_blank=True, max_length=64)
    search = serializers.CharField(required=False, allow_blank=True, max_length=200)


class SectionRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    z = serializers.IntegerField()
    status = serializers.CharField()
    fluorescence_id = serializers.IntegerField(allow_null=True)
    image_url = serializers.CharField()
    fluorescence_url = serializers.CharField(allow_null=True)


class VolumeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    specimen_id = serializers.IntegerField()
    modality = serializers.ChoiceField(choices=Modality.choices)
    channel = serializers.CharField(allow_blank=True)
    time_index = serializers.IntegerField()
    shape = serializers.ListField(child=serializers.IntegerField())
    voxel_size = serializers.ListField(child=serializers.FloatField(), allow_null=True)
    units = serializers.CharField()
    stats = serializers.DictField(child=serializers.FloatField())
    is_label_free = serializers.BooleanField()
    paired_with = serializers.IntegerField(allow_null=True)
    created_at = serializers.CharField()
    sections = SectionRowSerializer(many=True)


class VolumeDetailSerializer(VolumeSerializer):
    specimen_name = serializers.CharField()


class TimePointSerializer(serializers.Serializer):
    time_index = serializers.IntegerField()
    volumes = VolumeSerializer(many=True)


class SpecimenDetailSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    lab = serializers.CharField(allow_blank=True)
    notes = serializers.CharField(allow_blank=True)
    project = serializers.CharField()
    tags = serializers.ListField(child=serializers.CharField())
    time_points = TimePointSerializer(many=True)


class FluorescencePartnerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    channel = serializers.CharField(allow_blank=True)
    volume_id = serializers.IntegerField()
    stats = serializers.DictField(child=serializers.FloatField())
    image_url = serializers.CharField()


class SectionDetailSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    z = serializers.IntegerField()
    shape = serializers.ListField(child=serializers.IntegerField())
    volume_id = serializers.IntegerField()
    specimen_id = serializers.IntegerField()
    specimen_name = serializers.CharField()
    project = serializers.CharField()
    modality = serializers.ChoiceField(choices=Modality.choices)
    channel = serializers.CharField(allow_blank=True)
    time_index = serializers.IntegerField()
    size_z = serializers.IntegerField()
    units = serializers.CharField()
    stats = serializers.DictField(child=serializers.FloatField())
    status = serializers.CharField()
    is_label_free = serializers.BooleanField()
    fluorescence = FluorescencePartnerSerializer(allow_null=True)
    label_free_partner = serializers.IntegerField(allow_null=True)
    prev_id = serializers.IntegerField(allow_null=True)
    next_id = serializers.IntegerField(allow_null=True)
    image_url = serializers.CharField()


class SpecimenListApi(APIView):
    @extend_schema(
        operation_id="projects_specimens_list",
        parameters=[SpecimenQuerySerializer],
        responses={200: SpecimenRowSerializer(many=True)},
    )
    def get(self, request, slug: str):
        project = get_project(request.user, slug)
        query = parse(SpecimenQuerySerializer, request.query_params)
        rows = specimen_list(
            project=project,
            lab=query.get("lab") or None,
            tag=query.get("tag") or None,
            search=query.get("search") or None,
        )
        return Response(SpecimenRowSerializer(rows, many=True).data)


class SpecimenDetailApi(APIView):
    @extend_schema(
        operation_id="specimens_retrieve",
        responses={200: SpecimenDetailSerializer},
    )
    def get(self, request, specimen_id: int):
        specimen = get_specimen(request.user, specimen_id)
        return Response(SpecimenDetailSerializer(specimen_detail(specimen=specimen)).data)


class VolumeDetailApi(APIView):
    @extend_schema(
        operation_id="volumes_retrieve",
        responses={200: VolumeDetailSerializer},
    )
    def get(self, request, volume_id: int):
        volume = get_volume(request.user, volume_id)
        return Response(VolumeDetailSerializer(volume_detail(volume=volume)).data)


class SectionDetailApi(APIView):
    @extend_schema(
        operation_id="sections_retrieve",
        responses={200: SectionDetailSerializer},
    )
    def get(self, request, section_id: int):
        section = get_section(request.user, section_id)
        return Response(SectionDetailSerializer(section_detail(section=section)).data)
