"""REST endpoints of projects: the user's list, creating one, one project, and its settings."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from annotations.apis.labels import PAINT_RULE_HELP, LabelSetSerializer
from annotations.conflicts import CONFLICTS
from annotations.models import ConsensusMethod, PaintRule, ProposalMode, QueueMode, Role
from annotations.permissions import get_project
from annotations.selectors.projects import project_detail, project_list
from annotations.services.labels import DEFAULT_PRESET, PRESETS, project_create
from annotations.services.labels.creation import RESERVED_SLUGS
from annotations.services.projects import project_settings_update
from cellweb.api import RefusesUnknownFields, conflict_responses, parse
from cellweb.api.reads import ReadApi, read_schema


class ProjectSettingsSerializer(serializers.Serializer):
    required_annotations = serializers.IntegerField(
        min_value=1,
        max_value=20,
        help_text="Independent annotations each section needs before review.",
    )
    consensus_method = serializers.ChoiceField(
        choices=ConsensusMethod.choices,
        help_text="How a section's annotations are merged: majority vote or STAPLE.",
    )
    allow_fluorescence_reference = serializers.BooleanField(
        help_text="Annotators may look at the paired fluorescence while drawing."
    )
    allow_self_review = serializers.BooleanField(
        help_text="A reviewer may review sections they annotated (small labs)."
    )
    proposals = serializers.ChoiceField(
        choices=ProposalMode.choices,
        help_text="off, offered (a button and the M key) or start (loaded on a blank section).",
    )
    queue_mode = serializers.ChoiceField(
        choices=QueueMode.choices,
        help_text="fullest_first (finish sections, middle-out) or most_informative (sections "
        "the latest training job's fold models disagree on most first; unscored ones after).",
    )
    queue_includes_imported = serializers.BooleanField(
        help_text="The work queue also offers sections whose current ground truth is imported "
        "(false, the default: they are left out, the expert's mask is their ground truth)."
    )
    annotations_before_proposals = serializers.IntegerField(
        min_value=0,
        max_value=20,
        help_text="K: while a section has fewer than K submitted annotations that did not start "
        "from a proposal, no proposal is offered for it (409). 0: no such rule.",
    )
    paint_rule = serializers.ChoiceField(choices=PaintRule.choices, help_text=PAINT_RULE_HELP)


class ProjectSettingsPatchSerializer(RefusesUnknownFields, ProjectSettingsSerializer):
    """Any subset of the settings; a name that is not a setting is refused."""

    unknown_field_message = "This is not a project setting."

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)


class _ProjectFields(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField(help_text="The project's short name, as its addresses use it.")
    name = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    roles = serializers.ListField(
        child=serializers.ChoiceField(choices=Role.choices), help_text="Your roles in it."
    )
    specimen_count = serializers.IntegerField(help_text="Its specimens.")
    section_count = serializers.IntegerField(
        help_text="Its label-free sections (the ones annotated)."
    )


class ProjectCreateSerializer(RefusesUnknownFields, serializers.Serializer):
    # What slugify keeps as it is: no hyphen beside another or beside an underscore.
    slug = serializers.RegexField(
        r"^[a-z0-9](?:_*[a-z0-9]|-[a-z0-9])*$",
        max_length=64,
        help_text="Lower-case letters, digits, hyphens and underscores, e.g. bf-cells.",
        error_messages={
            "invalid": "Use lower-case letters, digits, hyphens and underscores (e.g. bf-cells)."
        },
    )
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    preset = serializers.ChoiceField(
        choices=[(name, preset["label"]) for name, preset in PRESETS.items()],
        default=DEFAULT_PRESET,
    )
    paint_rule = serializers.ChoiceField(choices=PaintRule.choices, default=PaintRule.REPLACE)
    # Words the site's addresses use (/projects/new/) cannot be a project's short name.
    schema_rules = {
        "not": {"properties": {"slug": {"enum": sorted(RESERVED_SLUGS)}}, "required": ["slug"]}
    }


class ProjectSummarySerializer(_ProjectFields):
    url = serializers.CharField(help_text="The project's page.")


# An area of the project's pages (specimens, annotate, review, dashboard...).
class LinkSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Which area: project, annotate, review, dashboard...")
    label = serializers.CharField(help_text="Its name in the menu.")
    url = serializers.CharField(help_text="Its page.")


class ProjectDetailSerializer(_ProjectFields):
    settings = ProjectSettingsSerializer()
    labels = LabelSetSerializer()
    links = LinkSerializer(many=True, help_text="The areas your roles open, in menu order.")


@read_schema("projects_list", ProjectSummarySerializer, many=True)
class ProjectListApi(ReadApi):
    def read(self, request):
        return project_list(user=request.user)

    @extend_schema(
        operation_id="projects_create",
        request=ProjectCreateSerializer,
        responses={
            201: ProjectDetailSerializer,
            **conflict_responses(CONFLICTS, "project_exists"),
        },
    )
    def post(self, request):
        """A new project whose label set starts from a preset; the caller becomes its manager."""
        project = project_create(user=request.user, **parse(ProjectCreateSerializer, request.data))
        return Response(
            ProjectDetailSerializer(project_detail(user=request.user, project=project)).data,
            status=status.HTTP_201_CREATED,
        )


@read_schema("projects_retrieve", ProjectDetailSerializer)
class ProjectDetailApi(ReadApi):
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def read(self, request, slug: str):
        return project_detail(user=request.user, project=get_project(request.user, slug))

    @extend_schema(
        operation_id="projects_settings_update",
        request=ProjectSettingsPatchSerializer,
        responses={200: ProjectDetailSerializer},
    )
    def patch(self, request, slug: str):
        project = get_project(request.user, slug, Role.MANAGER)
        changes = parse(ProjectSettingsPatchSerializer, request.data)
        project = project_settings_update(project=project, actor=request.user, **changes)
        return Response(
            ProjectDetailSerializer(project_detail(user=request.user, project=project)).data
        )
