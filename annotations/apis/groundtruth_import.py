"""REST endpoint of ground-truth import: a mask file uploaded for a specimen (what
``manage.py import_masks`` does on the server)."""

from __future__ import annotations

from rest_framework import serializers, status
from rest_framework.response import Response

from annotations.apis.import_fields import dataset_field
from annotations.conflicts import CONFLICTS
from annotations.models import Role
from annotations.permissions import get_specimen
from annotations.services.groundtruth_upload import ground_truth_upload
from cellweb.api import conflict_responses, parse
from cellweb.api.fields import optional_text
from cellweb.api.uploads import UploadApi, upload_schema


class GroundTruthImportSerializer(serializers.Serializer):
    file = serializers.FileField(
        allow_empty_file=False,
        use_url=False,
        help_text="A binary mask, class map or instance label image: .npy, TIFF, HDF5 or PNG "
        "(z, y, x); with instances, also a .zip of one binary mask file per nucleus (.png, .tif, "
        ".npy), merged in file-name order.",
    )
    instances = serializers.BooleanField(
        required=False,
        default=False,
        help_text="The file is an instance label image: 0 background, each positive value one "
        "object of the class.",
    )
    # The form field is "class", a Python keyword: declared as class_name, renamed in get_fields.
    class_name = optional_text(
        40,
        help_text="The class of a binary mask or of every instance; default: the project's only "
        "class, or its instance class.",
    )
    time = serializers.IntegerField(min_value=0, max_value=100_000, required=False, default=0)
    dataset = dataset_field()
    labelled_only = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Store only the sections whose mask holds something (experts who labelled some "
        "z sections); the empty ones are left without new ground truth, open for annotators and "
        "not scored. A stack with no labelled section is refused (400).",
    )
    z = optional_text(
        2000,
        help_text="Store only these sections, empty or not: z separated by commas (“3, 8, 13” "
        "or “z3,z8”); the others are left without new ground truth. Not with labelled_only. (The "
        "answer's `sections` is how many were stored.)",
    )

    def get_fields(self):
        fields = super().get_fields()
        fields["class"] = fields.pop("class_name")
        return fields


NOT_INSTANCES = "null unless imported as instances."


# What the import stored: a new imported ground-truth version of every section of the volume
# (with labelled_only, of the sections that hold something).
class GroundTruthImportedSerializer(serializers.Serializer):
    volume = serializers.IntegerField(help_text="The label-free volume it was stored for (id).")
    time = serializers.IntegerField(help_text="The volume's time point.")
    sections = serializers.IntegerField(help_text="Sections given ground truth.")
    stored_sections = serializers.ListField(
        child=serializers.IntegerField(), help_text="The z of the sections given ground truth."
    )
    summary = serializers.CharField(
        allow_null=True,
        help_text="With labelled_only or z, the sections stored and the others left, e.g. "
        "“stored z3, z8 (2 of 16 sections); 14 empty sections left without new ground truth "
        "(an earlier import's stays)”; null otherwise.",
    )
    stored_as = serializers.ChoiceField(choices=["class maps", "instance maps"])
    instances = serializers.ListField(
        child=serializers.IntegerField(),
        allow_null=True,
        help_text=f"Instances (distinct positive ids) per section, by z; {NOT_INSTANCES}",
    )
    instances_in_volume = serializers.IntegerField(
        allow_null=True, help_text=f"Distinct instance ids in the whole volume; {NOT_INSTANCES}"
    )
    merged = serializers.CharField(
        allow_null=True,
        help_text="What merging a .zip of one mask file per nucleus did (files, nuclei, empty "
        "files skipped, overlapping pixels and where they went); null for one file.",
    )


class GroundTruthImportApi(UploadApi):
    @upload_schema(
        "specimens_ground_truth_create",
        GroundTruthImportSerializer,
        {
            201: GroundTruthImportedSerializer,
            **conflict_responses(CONFLICTS, "no_instance_class"),
        },
    )
    def post(self, request, specimen_id: int):
        specimen = get_specimen(request.user, specimen_id, Role.MANAGER)
        values = parse(GroundTruthImportSerializer, request.data)
        result = ground_truth_upload(
            specimen=specimen,
            upload=values["file"],
            user=request.user,
            instances=values["instances"],
            class_name=values["class"].strip() or None,
            time_index=values["time"],
            dataset=values["dataset"] or None,
            labelled_only=values["labelled_only"],
            sections=values["z"],
        )
        return Response(GroundTruthImportedSerializer(result).data, status=status.HTTP_201_CREATED)
