"""Request and response shapes of the review API (the review front end's contract)."""

from __future__ import annotations

from rest_framework import serializers

from annotations.serializers_groundtruth import (
    EDITED,
    MAX_VERSION,
    STALE,
    GroundTruthResultSerializer,
)
from annotations.serializers_section import (
    SECTION_STATUS,
    SectionPlaceSerializer,
    score,
    specimen_name,
)
from annotations.services.review import MAX_COMMENT_LENGTH
from cellweb.api.pagination import PageQuerySerializer, PageSerializer

MAX_DB_ID = 2**63 - 1


# A 1-bit PNG of an 8192x8192 mask is far below this; base64 adds a third.
MAX_MASK_B64_CHARS = 24 * 1024 * 1024

NO_CONSENSUS = "null while the section has no consensus."
CONSENSUS_METHOD = "How the annotations were merged: majority or staple"
# The masks answers carry (``annotations.selectors.encoding``).
CONSENSUS_PNG = (
    "Base64 PNG of the consensus mask: binary (white = foreground), or a class or instance map "
    "where the project has label classes (docs/labels.md)."
)


class ReviewQueueItemSerializer(SectionPlaceSerializer):
    id = serializers.IntegerField(help_text="The section's id.")
    label = serializers.CharField(
        help_text="How pages name the section: “specimen · t<time point> · z<z> of z0–z<last>”."
    )
    time_index = serializers.IntegerField(help_text="The section's time point (from 0).")
    specimen = specimen_name(source="specimen_name")
    agreement = serializers.FloatField(
        allow_null=True,
        help_text="Mean pairwise Dice (mean over annotator pairs) of the section's worst class; "
        "null before its first consensus.",
    )
    worst_class = serializers.CharField(
        allow_null=True, help_text="The class that agreement is of; null for a binary section."
    )
    status = serializers.CharField(help_text="The section's workflow state: review.")
    stale = serializers.BooleanField(help_text=f"Its confirmed ground truth is stale: {STALE}.")
    response = serializers.BooleanField(
        help_text="Resubmitted after a send-back: the annotators answered the reviewer's comment."
    )
    submitted_count = serializers.IntegerField(help_text="The section's submitted annotations.")
    annotators = serializers.ListField(
        child=serializers.CharField(), help_text="Who submitted one (usernames, sorted)."
    )
    from_proposal = serializers.IntegerField(
        help_text="Submitted annotations whose latest revision started from a model proposal."
    )
    url = serializers.SerializerMethodField(help_text="The section's review page.")

    def get_url(self, row) -> str:
        return f"/sections/{row['id']}/review/"


class ReviewQueueQuerySerializer(PageQuerySerializer):
    specimen = serializers.IntegerField(
        required=False, min_value=1, help_text="Only this specimen's sections (its id)."
    )
    responses = serializers.BooleanField(
        default=False, help_text="Only responses: sections resubmitted after a send-back."
    )
    stale = serializers.BooleanField(
        default=False, help_text=f"Only sections whose confirmed ground truth is stale: {STALE}."
    )


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


# One annotator's scores on the section: their foreground (any class) against the others' and
# against the consensus (``annotations.services.review.labelled.foreground_statistics``).
class SectionAnnotatorAgreementSerializer(serializers.Serializer):
    annotator = serializers.CharField(help_text="The annotator (username).")
    revision = serializers.IntegerField(
        allow_null=True, help_text="The number of their revision the consensus used."
    )
    mean_dice = score("Their mean Dice with each other annotator (mean over their pairs).")
    dice_consensus = score("Dice of their mask with the consensus mask.")
    dice_ground_truth = score(
        "Dice of their mask with the current confirmed ground truth; null before a "
        "confirmation, or when their mask was not among its inputs."
    )
    sensitivity = score(
        "STAPLE's estimate of the share of the true foreground they marked (whatever the "
        "consensus method); where STAPLE's estimated foreground is empty (0/0): 1.0 for an "
        "annotator who marked nothing, else 0.0."
    )
    specificity = score(
        "STAPLE's estimate of the share of the true background they left unmarked (whatever "
        "the consensus method)."
    )


# The agreement of the section's current consensus; every field null or empty (n 0) while it
# has none.
class SectionAgreementSerializer(serializers.Serializer):
    consensus_id = serializers.IntegerField(
        allow_null=True, help_text=f"The consensus's id; {NO_CONSENSUS}"
    )
    method = serializers.CharField(allow_null=True, help_text=f"{CONSENSUS_METHOD}; {NO_CONSENSUS}")
    created_at = serializers.DateTimeField(
        allow_null=True, help_text=f"When it was computed; {NO_CONSENSUS}"
    )
    n = serializers.IntegerField(
        help_text="Annotations it merged (the latest submitted revision of each)."
    )
    mean_dice = score(
        f"Mean over annotator pairs of the pairs' Dice (foreground, any class); {NO_CONSENSUS}"
    )
    mean_jaccard = score(f"Mean over annotator pairs of the pairs' Jaccard index; {NO_CONSENSUS}")
    pairs = AgreementPairSerializer(many=True, help_text="Every pair of annotators.")
    annotators = SectionAnnotatorAgreementSerializer(many=True, help_text="By username.")
    staple = serializers.JSONField(
        allow_null=True,
        help_text="{iterations, converged, max_iterations} of the STAPLE run behind the "
        f"sensitivities and specificities; {NO_CONSENSUS}",
    )
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
    id = serializers.IntegerField(source="consensus_id", help_text="The consensus's id.")
    method = serializers.CharField(help_text=f"{CONSENSUS_METHOD}.")
    created_at = serializers.DateTimeField(help_text="When it was computed.")
    mask_png = serializers.CharField(help_text=CONSENSUS_PNG)
    disagreement_png = serializers.CharField(
        allow_null=True,
        help_text="Base64 8-bit grey PNG: per pixel, how many annotators did not give it its "
        "most common value (0 where all agree).",
    )
    agreement = SectionAgreementSerializer()


class ReviewConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    current = GroundTruthResultSerializer()


class SectionAuditEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField(help_text="When it happened.")
    actor = serializers.CharField(
        allow_null=True,
        help_text="Who did it (username); null for the system or once the user is deleted.",
    )
    action = serializers.CharField(help_text="What happened (consensus, confirm, send_back...).")
    label = serializers.CharField(help_text="The action in words.")
    summary = serializers.CharField(help_text="One readable line (a send-back's comment...).")
    detail = serializers.JSONField(
        help_text="The action's details as recorded; keys vary by action."
    )


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
    edited = serializers.BooleanField(help_text=EDITED)
    stale = serializers.BooleanField(help_text=f"True when {STALE}.")


def _seen_version() -> serializers.IntegerField:
    """The optional ``base_version`` of a send-back or an exclusion (left out: not checked)."""
    return serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_VERSION,
        help_text="The ground-truth version the reviewer saw (null: none). When given and another "
        "reviewer confirmed since, the answer is 409 `stale_ground_truth`.",
    )


class ReviewSendBackInputSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=MAX_COMMENT_LENGTH)
    annotators = serializers.ListField(
        child=serializers.CharField(max_length=150), min_length=1, max_length=100
    )
    base_version = _seen_version()


class ReviewSendBackOutputSerializer(serializers.Serializer):
    status = serializers.CharField(help_text=SECTION_STATUS)
    annotators = serializers.ListField(
        child=serializers.CharField(), help_text="The annotators it was sent back to (sorted)."
    )
    submitted_count = serializers.IntegerField(
        help_text="The section's submitted annotations left after it."
    )


class ReviewExcludeInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=MAX_COMMENT_LENGTH)
    base_version = _seen_version()


class ReviewIncludeInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=MAX_COMMENT_LENGTH)


class ReviewStatusSerializer(serializers.Serializer):
    status = serializers.CharField(help_text=SECTION_STATUS)
