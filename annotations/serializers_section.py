"""Response fields that name a specimen and place a section in it, shared by the answers that
list sections (the review queue, an evaluation's per-section results) or specimens (the
dashboard's agreement by specimen), the nullable scores of the review answers and the
dashboard, and texts several answers share."""

from __future__ import annotations

from rest_framework import serializers

SECTION_Z = "The section's index in its volume's stack (0 first)."
SECTION_STATUS = "The section's workflow state: open, review, confirmed, sent_back or excluded."
PROJECT_SLUG = "The project's slug."
FOREGROUND_PIXELS = "Pixels of any class in the mask."


def score(help_text: str) -> serializers.FloatField:
    """A score or figure that is null when there is nothing to compute it over."""
    return serializers.FloatField(allow_null=True, help_text=help_text)


def specimen_name(**kwargs) -> serializers.CharField:
    """The specimen's name (``kwargs``: a ``source`` where the row holds it under another key)."""
    return serializers.CharField(help_text="The specimen's name.", **kwargs)


# A specimen by id and name. (Comments, not docstrings: the schema would give a docstring as the
# description of every answer that inherits it.)
class SpecimenRefSerializer(serializers.Serializer):
    specimen_id = serializers.IntegerField(help_text="The specimen's id.")
    specimen = specimen_name()


# Where a section sits: its specimen, and its place in its volume's stack.
class SectionPlaceSerializer(SpecimenRefSerializer):
    z = serializers.IntegerField(help_text=SECTION_Z)
