"""Request and response shapes of the review API (the review front end's contract)."""

from __future__ import annotations

from rest_framework import serializers

from annotations.models import GroundTruth, GroundTruthSource
from annotations.serializers_section import SectionPlaceSerializer, specimen_name
from annotations.services.review import MAX_COMMENT_LENGTH
from cellweb.api.pagination import PageSerializer

MAX_DB_ID = 2**63 - 1


MAX_VERSION = 2**31 - 1


# A 1-bit PNG of an 8192x8192 mask is far below this; base64 adds a third.
MAX_MASK_B64_CHARS = 24 * 1024 * 1024


class ReviewQueueItemSerializer(SectionPlaceSerializer):
    id = serializers.IntegerField(help_text="The section's id.")
    specimen = specimen_name(source="specimen_name")
    agreement = serializers.FloatField(
        allow_null=True,
        help_text="Mean pairwise Dice (mean over annotator pairs) of the section's worst class.",
    )
    worst_class = serializers.CharField(
        allow_null=True, help_text="The class that agreement is of; null for a binary section."
    )
    status = serializers.CharField()
    stale = serializers.BooleanField()
    response = serializers.BooleanField(
        help_text="Resubmitted after a send-back: the annotators answered the reviewer's comment."
    )
    submitted_count = serializers.IntegerField()
    annotators = serializers.ListField(child=serializers.CharField())
    from_proposal = serializers.IntegerField(
        help_text="Submitted annotations whose latest revision started from a model proposal."
    )
    url = serializers.SerializerMethodField()

    def get_url(self, row) -> str:
        return f"/sections/{row['id']}/review/"


class ReviewQueueSerializer(PageSerializer):
    results = ReviewQueueItemSerializer(many=True)


# Two annotators' masks of the section, compared as foreground (any class) and background
# (``annotations.imaging.overlap``).
class AgreementPairSerializer(serializers.Serializer):
    a = serializers.CharField(help_text="One annotator (username).")
    b = serializers.CharField(help_text="The other annotator (username).")
    dice = serializers.FloatField(
        help_text="Dice of the two masks, 2|A∩B| / (|A| + |B|); 1 when both are empty, 0 when "
        "only one is."
    )
    jaccard = serializers.FloatField(
        help_text="Jaccard index of the two masks, |A∩B| / |A∪B|; 1 when both are empty, 0 when "
        "only one is."
    )


class SectionAnnotatorAgreementSerializer(serializers.Serializer):
    annotator = serializers.CharField()
    revision = serializers.IntegerField(allow_null=True)
    mean_dice = serializers.FloatField(allow_null=True)
    dice_consensus = serializers.FloatField(allow_null=True)
    dice_ground_truth = serializers.FloatField(allow_null=True)
    sensitivity = serializers.FloatField(allow_null=True)
    specificity = serializers.FloatField(allow_null=True)


class SectionAgreementSerializer(serializers.Serializer):
    consensus_id = serializers.IntegerField(allow_null=True)
    method = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField(allow_null=True)
    n = serializers.IntegerField()
    mean_dice = serializers.FloatField(allow_null=True)
    mean_jaccard = serializers.FloatField(allow_null=True)
    pairs = AgreementPairSerializer(many=True)
    annotators = SectionAnnotatorAgreementSerializer(many=True)
    staple = serializers.JSONField(allow_null=True)
    classes = serializers.ListField(
        child=serializers.JSONField(),
        help_text="Per label class: mean pairwise Dice of map == class (mean over annotator "
        "pairs) and its pairs; instance classes add `instances`: nucleus F1 at IoU 0.5 per pair "
        "and its mean over pairs, with each side's unmatched ids. Empty for a one-class binary "
        "section.",
    )
    worst_class = serializers.JSONField(
        allow_null=True,
        help_text="{value, name, mean_dice} of the class with the lowest mean Dice.",
    )
    minority = serializers.ListField(
        child=serializers.JSONField(),
        help_text="Nuclei only a minority found (not in the consensus): class, found_by, of, "
        "annotators {name: their id}, x, y (centroid, pixels), pixels.",
    )


class ConsensusProposalSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="consensus_id")
    method = serializers.CharField()
    created_at = serializers.DateTimeField()
    mask_png = serializers.CharField()
    disagreement_png = serializers.CharField(allow_null=True)
    agreement = SectionAgreementSerializer()


class GroundTruthResultSerializer(serializers.Serializer):
    version = serializers.IntegerField(allow_null=True)
    mask_png = serializers.CharField(allow_null=True)
    reviewer = serializers.CharField(allow_null=True)
    confirmed_at = serializers.DateTimeField(allow_null=True)


class ReviewConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    current = GroundTruthResultSerializer()


class GroundTruthVersionDetailSerializer(GroundTruthResultSerializer):
    source = serializers.CharField()
    is_current = serializers.BooleanField()
    stale = serializers.BooleanField()
    method = serializers.CharField()
    params = serializers.JSONField()
    consensus_id = serializers.IntegerField(allow_null=True)
    input_revisions = serializers.JSONField()
    edited = serializers.BooleanField()
    edit_summary = serializers.JSONField()
    foreground_pixels = serializers.IntegerField()


class GroundTruthVersionSummarySerializer(serializers.ModelSerializer):
    reviewer = serializers.SerializerMethodField()
    source = serializers.CharField()

    class Meta:
        model = GroundTruth
        fields = [
            "version",
            "source",
            "confirmed_at",
            "reviewer",
            "method",
            "edited",
            "stale",
            "is_current",
        ]

    def get_reviewer(self, truth) -> str | None:
        return truth.reviewer.get_username() if truth.reviewer_id else None


class SectionGroundTruthSerializer(serializers.Serializer):
    current = GroundTruthVersionDetailSerializer(allow_null=True)
    versions = GroundTruthVersionSummarySerializer(many=True)


class SectionGroundTruthQuerySerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, max_value=MAX_VERSION, required=False)
    source = serializers.ChoiceField(
        choices=GroundTruthSource.choices, default=GroundTruthSource.CONSENSUS, required=False
    )


class SectionAuditEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    actor = serializers.CharField(allow_null=True)
    action = serializers.CharField()
    label = serializers.CharField(help_text="The action in words.")
    summary = serializers.CharField(help_text="One readable line (a send-back's comment...).")
    detail = serializers.JSONField()


class ReviewConfirmInputSerializer(serializers.Serializer):
    consensus_id = serializers.IntegerField(min_value=1, max_value=MAX_DB_ID, allow_null=True)
    mask_png = serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        max_length=MAX_MASK_B64_CHARS,
        trim_whitespace=True,
    )
    edited = serializers.BooleanField(required=False, default=False)
    base_version = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=MAX_VERSION
    )

    def validate(self, attrs):
        if attrs.get("edited") and not attrs.get("mask_png"):
            raise serializers.ValidationError(
                {"mask_png": "An edited confirmation needs the edited mask."}
            )
        return attrs


class ReviewConfirmOutputSerializer(GroundTruthResultSerializer):
    edited = serializers.BooleanField()
    stale = serializers.BooleanField()


class ReviewSendBackInputSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=MAX_COMMENT_LENGTH)
    annotators = serializers.ListField(
        child=serializers.CharField(max_length=150), min_length=1, max_length=100
    )


class ReviewSendBackOutputSerializer(serializers.Serializer):
    status = serializers.CharField()
    annotators = serializers.ListField(child=serializers.CharField())
    submitted_count = serializers.IntegerField()


class ReviewExcludeInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=MAX_COMMENT_LENGTH)


class ReviewStatusSerializer(serializers.Serializer):
    status = serializers.CharField()
