"""Response shapes of the project dashboard: section counts by workflow state, per annotator,
agreement distributions, fluorescence agreement and correction effort."""

from __future__ import annotations

from rest_framework import serializers

from annotations.serializers_groundtruth import STALE
from annotations.serializers_section import SpecimenRefSerializer, score

# A section's agreement: the mean pairwise Dice of its submitted annotations (of its worst class
# where it has label classes), as the review queue sorts by (``annotations.selectors.review``).
_SECTION_AGREEMENTS = "the sections' agreement (mean pairwise Dice)"


# An annotator's scores from the sections' current consensuses: each compares foreground masks
# (any class) on one section, then is averaged over the sections.
_OVER_CONSENSUS = "mean over sections_in_consensus; null when none."


# A histogram of the sections' agreement, excluded sections and those without an agreement
# (fewer than two submitted annotations) left out.
class AgreementHistogramSerializer(serializers.Serializer):
    edges = serializers.ListField(
        child=serializers.FloatField(),
        help_text="The bin edges, 0 to 1 in steps of 0.05 (one more than the bins).",
    )
    counts = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Sections per bin; the last bin includes 1.",
    )
    n = serializers.IntegerField(
        help_text="Sections counted: those with an agreement, excluded and sent-back ones left "
        "out (a sent-back section's consensus was overruled until it is resubmitted)."
    )
    mean = score(f"Mean of {_SECTION_AGREEMENTS}; null when n is 0.")
    median = score(f"Median of {_SECTION_AGREEMENTS}; null when n is 0.")


class SpecimenAgreementDistributionSerializer(SpecimenRefSerializer):
    distribution = AgreementHistogramSerializer(help_text="The specimen's sections alone.")


# Counts of the project's label-free sections (the ones annotated; fluorescence sections left
# out).
class DashboardTotalsSerializer(serializers.Serializer):
    annotated = serializers.IntegerField(
        help_text="Sections with at least one submitted annotation."
    )
    review = serializers.IntegerField(help_text="Sections ready for review.")
    confirmed = serializers.IntegerField(help_text="Sections whose ground truth is confirmed.")
    sent_back = serializers.IntegerField(help_text="Sections sent back to their annotators.")
    excluded = serializers.IntegerField(
        help_text="Sections excluded from annotation, review and training."
    )
    total = serializers.IntegerField(help_text="All label-free sections, in any state.")
    open = serializers.IntegerField(help_text="Sections that still need annotations.")
    stale = serializers.IntegerField(help_text=f"Sections whose ground truth is stale: {STALE}.")
    imported = serializers.IntegerField(
        help_text="Sections whose current ground truth is imported (an expert's mask); also "
        "counted in their state, usually open."
    )
    imported_in_queue = serializers.BooleanField(
        help_text="The project asks annotators to draw those sections too "
        "(queue_includes_imported); false: the annotation queue leaves them out."
    )


# One annotator's counts (of their annotations, one per section) and scores.
class DashboardAnnotatorRowSerializer(serializers.Serializer):
    annotated = serializers.IntegerField(
        help_text="Their submitted annotations: open + review + confirmed + sent_back + excluded."
    )
    open = serializers.IntegerField(
        help_text="Their submitted annotations of sections still waiting for other annotators."
    )
    review = serializers.IntegerField(
        help_text="Their submitted annotations of sections ready for review."
    )
    confirmed = serializers.IntegerField(
        help_text="Their submitted annotations of confirmed sections."
    )
    sent_back = serializers.IntegerField(
        help_text="Their submitted annotations of sent-back sections (the section waits for the "
        "annotators it was sent back to)."
    )
    excluded = serializers.IntegerField(
        help_text="Their submitted annotations of excluded sections."
    )
    username = serializers.CharField()
    drafts = serializers.IntegerField(help_text="Their annotations in draft (not submitted).")
    drafts_sent_back = serializers.IntegerField(
        help_text="Of their drafts, those of sections sent back to them (reopened by a reviewer)."
    )
    sections_in_consensus = serializers.IntegerField(
        help_text="Sections whose current consensus includes their annotation; sent-back and "
        "excluded sections left out."
    )
    mean_dice_others = score(
        f"Their mean Dice with each other annotator of a section, {_OVER_CONSENSUS}",
    )
    sections_confirmed = serializers.IntegerField(
        help_text="Sections whose current confirmed ground truth was built from their annotation."
    )
    mean_dice_ground_truth = score(
        "Dice of their annotation against the confirmed ground truth, mean over "
        "sections_confirmed; null when none.",
    )
    mean_sensitivity = score(
        f"STAPLE's estimate of the share of the true foreground they marked, {_OVER_CONSENSUS}",
    )
    mean_specificity = score(
        "STAPLE's estimate of the share of the true background they left "
        f"unmarked, {_OVER_CONSENSUS}",
    )
    stain_sections = serializers.IntegerField(
        help_text="Sections with fluorescence ground truth (not flagged) that they submitted "
        "and where they or the stain marked a nucleus."
    )
    stain_both_empty = serializers.IntegerField(
        help_text="Sections with fluorescence ground truth empty in both (not averaged)."
    )
    mean_dice_stain = score(
        "Dice of their nucleus class against fluorescence ground truth, mean over "
        "stain_sections; null when none.",
    )
    pooled_dice_stain = score(
        "Dice of the pixels of the same sections pooled; null when none.",
    )
    mean_dice_others_on_stain = score(
        "Their mean Dice with the other annotators (as in mean_dice_others), mean "
        "over the same sections that have a consensus; null when none.",
    )


class DashboardStainSerializer(serializers.Serializer):
    sections = serializers.IntegerField(
        help_text="Sections with current fluorescence ground truth used (not flagged)."
    )
    flagged_left_out = serializers.IntegerField(
        help_text="Sections left out: their fluorescence mask is flagged (the stain and the "
        "mask disagree)."
    )
    aggregation = serializers.CharField(help_text="How the stain scores are aggregated, in words.")


# A submission is measured when the proposal it started from was recorded (docs/effort.md).
_NONE_MEASURED = "null when none is measured."


class EffortRowSerializer(serializers.Serializer):
    model_version = serializers.IntegerField(
        allow_null=True, help_text="The proposal's model version id; null: no proposal."
    )
    label = serializers.CharField(help_text="“No proposal”, or the model version's id and name.")
    n = serializers.IntegerField(help_text="Submitted annotations.")
    measured = serializers.IntegerField(help_text="Of them, with the loaded proposal recorded.")
    accepted_unchanged = score(
        f"Fraction of the measured submitted with no pixel changed; {_NONE_MEASURED}"
    )
    median_dice = score(
        f"Median over the measured of the Dice between proposal and submission; {_NONE_MEASURED}"
    )
    median_changed_pixels = score(
        f"Median over the measured of the pixels changed from the proposal; {_NONE_MEASURED}"
    )
    median_minutes = score(
        "Median active drawing minutes per section, over all n; null when n is 0."
    )
    aggregation = serializers.CharField(help_text="How the figures are aggregated, in words.")


class DashboardBlindSerializer(serializers.Serializer):
    applies = serializers.BooleanField(
        help_text="You hold the annotator role in this project, so the blind rule applies: the "
        "other annotators' counts and scores, the correction effort of their submissions and "
        "every agreement (theirs and yours, the distributions) leave out the sections still open "
        "(fewer than the required submissions). Your own counts and Dice with the stain include "
        "all of yours. False: nothing is left out."
    )
    sections_left_out = serializers.IntegerField(
        help_text="Sections still open where another annotator has worked (a draft or a "
        "submission), left out as applies says; 0 when applies is false."
    )
    note = serializers.CharField(
        help_text="The same in one sentence, as the dashboard page says it; empty when applies "
        "is false."
    )


class ProjectDashboardSerializer(serializers.Serializer):
    totals = DashboardTotalsSerializer()
    annotators = DashboardAnnotatorRowSerializer(
        many=True, help_text="Per annotator (members with the role and anyone who annotated)."
    )
    stain = DashboardStainSerializer(help_text="Agreement with fluorescence ground truth.")
    distribution = AgreementHistogramSerializer(help_text="The project's sections.")
    specimens = SpecimenAgreementDistributionSerializer(
        many=True, help_text="Per specimen with a section that has an agreement, by name."
    )
    effort = EffortRowSerializer(
        many=True, help_text="Correction effort per model version (docs/effort.md)."
    )
    blind = DashboardBlindSerializer(
        help_text="What the blind rule leaves out of these figures for you (docs/handoffs.md)."
    )
