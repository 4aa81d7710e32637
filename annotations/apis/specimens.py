"""REST endpoints for browsing data: specimens, volumes and sections."""

from __future__ import annotations

from rest_framework import serializers

from annotations.models import Modality
from annotations.permissions import get_project, get_section, get_specimen, get_volume
from annotations.selectors.specimens import (
    section_detail,
    specimen_detail,
    specimen_list,
    volume_detail,
)
from cellweb.api import parse
from cellweb.api.reads import ReadApi, read_schema


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
    def read(self, request, specimen_id: int):
        return specimen_detail(specimen=get_specimen(request.user, specimen_id))


@read_schema("volumes_retrieve", VolumeDetailSerializer)
class VolumeDetailApi(ReadApi):
    def read(self, request, volume_id: int):
        return volume_detail(volume=get_volume(request.user, volume_id))


@read_schema("sections_retrieve", SectionDetailSerializer)
class SectionDetailApi(ReadApi):
    def read(self, request, section_id: int):
        return section_detail(section=get_section(request.user, section_id))
