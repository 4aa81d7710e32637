"""Response shapes of the project dashboard: section counts by workflow state, per annotator,
agreement distributions, fluorescence agreement and correction effort."""

from __future__ import annotations

from rest_framework import serializers

from annotations.serializers_section import SpecimenRefSerializer


class AgreementHistogramSerializer(serializers.Serializer):
    edges = serializers.ListField(child=serializers.FloatField())
    counts = serializers.ListField(child=serializers.IntegerField())
    n = serializers.IntegerField()
    mean = serializers.FloatField(allow_null=True)
    median = serializers.FloatField(allow_null=True)


class SpecimenAgreementDistributionSerializer(SpecimenRefSerializer):
    distribution = AgreementHistogramSerializer()


class _WorkflowCountsSerializer(serializers.Serializer):
    """Sections annotated, and in each review state (the project's, or one annotator's)."""

    annotated = serializers.IntegerField()
    review = serializers.IntegerField()
    confirmed = serializers.IntegerField()
    sent_back = serializers.IntegerField()
    excluded = serializers.IntegerField()


class DashboardTotalsSerializer(_WorkflowCountsSerializer):
    total = serializers.IntegerField()
    open = serializers.IntegerField()
    stale = serializers.IntegerField()


class DashboardAnnotatorRowSerializer(_WorkflowCountsSerializer):
    username = serializers.CharField()
    drafts = serializers.IntegerField()
    sections_in_consensus = serializers.IntegerField()
    mean_dice_others = serializers.FloatField(allow_null=True)
    sections_confirmed = serializers.IntegerField()
    mean_dice_ground_truth = serializers.FloatField(allow_null=True)
    mean_sensitivity = serializers.FloatField(allow_null=True)
    mean_specificity = serializers.FloatField(allow_null=True)
    stain_sections = serializers.IntegerField(
        help_text="Sections with fluorescence ground truth (not flagged) where this annotator "
        "or the stain has a nucleus."
    )
    stain_both_empty = serializers.IntegerField(
        help_text="Sections with fluorescence ground truth empty in both (not averaged)."
    )
    mean_dice_stain = serializers.FloatField(
        allow_null=True, help_text="Mean per-section Dice against fluorescence ground truth."
    )
    pooled_dice_stain = serializers.FloatField(
        allow_null=True, help_text="Dice of the same sections' pixels pooled."
    )
    mean_dice_others_on_stain = serializers.FloatField(
        allow_null=True, help_text="Mean Dice with the other annotators on the same sections."
    )


class DashboardStainSerializer(serializers.Serializer):
    sections = serializers.IntegerField(help_text="Sections with fluorescence ground truth used.")
    flagged_left_out = serializers.IntegerField()
    aggregation = serializers.CharField()


class EffortRowSerializer(serializers.Serializer):
    model_version = serializers.IntegerField(
        allow_null=True, help_text="The proposal's model version id; null: no proposal."
    )
    label = serializers.CharField()
    n = serializers.IntegerField(help_text="Submitted annotations.")
    measured = serializers.IntegerField(help_text="Of them, with the loaded proposal recorded.")
    accepted_unchanged = serializers.FloatField(
        allow_null=True, help_text="Fraction of the measured submitted with no pixel changed."
    )
    median_dice = serializers.FloatField(
        allow_null=True, help_text="Median Dice between proposal and submission."
    )
    median_changed_pixels = serializers.FloatField(allow_null=True)
    median_minutes = serializers.FloatField(
        allow_null=True, help_text="Median active minutes per section."
    )
    aggregation = serializers.CharField()


class ProjectDashboardSerializer(serializers.Serializer):
    totals = DashboardTotalsSerializer()
    annotators = DashboardAnnotatorRowSerializer(many=True)
    stain = DashboardStainSerializer()
    distribution = AgreementHistogramSerializer()
    specimens = SpecimenAgreementDistributionSerializer(many=True)
    effort = EffortRowSerializer(
        many=True, help_text="Correction effort per model version (docs/effort.md)."
    )
