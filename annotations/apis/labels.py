"""REST endpoints of a project's label set: its classes, adding, changing and deleting one."""

from __future__ import annotations

import string

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.conflicts import CONFLICTS
from annotations.models import LabelKind, PaintRule, Role
from annotations.permissions import get_project
from annotations.selectors.labels import label_set
from annotations.services.labels import (
    label_class_add,
    label_class_delete,
    label_class_update,
)
from annotations.services.labels.checks import NAME_MAX, RESERVED_SHORTCUTS, shortcut_check
from cellweb.api import RefusesUnknownFields, conflict_responses, parse
from cellweb.api.fields import SPACE
from cellweb.api.reads import ReadApi, read_schema
from cellweb.errors import InvalidInput

SHORTCUT_HELP = (
    "One letter or digit the editor selects the class with; empty for none. Keys the editor and "
    "the annotate page already use are refused: "
    + " ".join(sorted(key for key in RESERVED_SHORTCUTS if key.isalnum()))
    + "."
)
PAINT_RULE_HELP = (
    "replace: painting over another class replaces it; background: painting fills background only."
)
COLOUR_PATTERN = r"^#[0-9a-fA-F]{6}$"
# One letter or digit the editor does not use already (either case: a shortcut is stored lower-case).
_FREE_KEYS = "".join(
    k for k in string.ascii_letters + string.digits if k.lower() not in RESERVED_SHORTCUTS
)
SHORTCUT_PATTERN = f"^[{_FREE_KEYS}]?$"


class LabelClassSerializer(serializers.Serializer):
    value = serializers.IntegerField(help_text="The label value masks store; never changes.")
    name = serializers.CharField()
    colour = serializers.CharField(help_text="#rrggbb")
    shortcut = serializers.CharField(allow_blank=True, help_text=SHORTCUT_HELP)
    kind = serializers.ChoiceField(
        choices=LabelKind.choices,
        help_text="region (one area per cell) or instances (each object numbered).",
    )


class LabelSetSerializer(serializers.Serializer):
    classes = LabelClassSerializer(many=True, help_text="By value.")
    paint_rule = serializers.ChoiceField(choices=PaintRule.choices, help_text=PAINT_RULE_HELP)


class ShortcutValidator(RegexValidator):
    """A free key (the pattern, which the schema shows); a refused one in the service's words
    (not one key, or a key the editor already uses)."""

    def __call__(self, value):
        try:
            shortcut_check(value)
        except InvalidInput as error:
            raise ValidationError(str(error)) from None
        super().__call__(value)


# A class name's character: not one of the control characters that survive collapsing white
# space (name_check refuses them). DRF trims the name first, so the schema's pattern also asks for
# one character that is not white space.
_NAME_CHARACTER = r"[^\x00-\x08\x0e-\x1b]"


class LabelClassInputSerializer(RefusesUnknownFields, serializers.Serializer):
    name = serializers.RegexField(
        rf"^{_NAME_CHARACTER}*[^\x00-\x08\x0e-\x1b{SPACE}]{_NAME_CHARACTER}*$",
        max_length=NAME_MAX,
        error_messages={"invalid": "The class name must not contain control characters."},
    )
    colour = serializers.RegexField(
        COLOUR_PATTERN,
        help_text="#rrggbb",
        error_messages={"invalid": "Write the colour as #rrggbb (e.g. #ffb000)."},
    )
    shortcut = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=SHORTCUT_HELP,
        validators=[ShortcutValidator(SHORTCUT_PATTERN)],
    )
    kind = serializers.ChoiceField(choices=LabelKind.choices, default=LabelKind.REGION)


class LabelClassPatchSerializer(LabelClassInputSerializer):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)


@read_schema("project_labels_retrieve", LabelSetSerializer)
class LabelSetApi(ReadApi):
    def read(self, request, slug: str):
        return label_set(get_project(request.user, slug))

    @extend_schema(
        operation_id="project_labels_create",
        request=LabelClassInputSerializer,
        responses={
            201: LabelClassSerializer,
            **conflict_responses(
                CONFLICTS,
                "label_name_taken",
                "label_key_taken",
                "label_set_full",
                "label_values_spent",
            ),
        },
    )
    def post(self, request, slug: str):
        project = get_project(request.user, slug, Role.MANAGER)
        entry = label_class_add(project=project, **parse(LabelClassInputSerializer, request.data))
        return Response(LabelClassSerializer(entry).data, status=status.HTTP_201_CREATED)


class LabelClassApi(APIView):
    @extend_schema(
        operation_id="project_labels_update",
        request=LabelClassPatchSerializer,
        responses={
            200: LabelClassSerializer,
            **conflict_responses(CONFLICTS, "label_name_taken", "label_key_taken", "label_in_use"),
        },
    )
    def patch(self, request, slug: str, value: int):
        project = get_project(request.user, slug, Role.MANAGER)
        changes = parse(LabelClassPatchSerializer, request.data)
        entry = label_class_update(project=project, value=value, user=request.user, **changes)
        return Response(LabelClassSerializer(entry).data)

    @extend_schema(
        operation_id="project_labels_destroy",
        responses={
            204: None,
            **conflict_responses(CONFLICTS, "label_in_use"),
        },
    )
    def delete(self, request, slug: str, value: int):
        project = get_project(request.user, slug, Role.MANAGER)
        label_class_delete(project=project, value=value, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
