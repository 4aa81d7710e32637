"""Request fields whose rules recur across endpoints: a number, optional text, a typed name, and
an optional id."""

from __future__ import annotations

from rest_framework import serializers

# Ids in a query: positive, and small enough for every database column that holds one.
MAX_QUERY_ID = 2**62


class NumberField(serializers.FloatField):
    """A request's number. JSON's true and false are not numbers: DRF's FloatField would take
    them as 1 and 0 (a display window sent as lo false, hi true was saved as 0 to 1)."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        return super().to_internal_value(data)


def optional_text(max_length: int, **kwargs) -> serializers.CharField:
    """Text up to ``max_length`` that may be left out or empty (then ``""``)."""
    return serializers.CharField(
        max_length=max_length, required=False, allow_blank=True, default="", **kwargs
    )


def optional_id(help_text: str) -> serializers.IntegerField:
    """The id of an object, or nothing (then the endpoint's default)."""
    return serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_QUERY_ID, help_text=help_text
    )


# The white space Python's ``str.strip()`` takes off a text's ends (DRF trims every text input with
# it before any check), written out because JSON Schema's ``\s`` is another set.
SPACE = r"\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_ENDS = rf"[{SPACE}]*"
_FIRST = rf"[^\x00-\x1f{SPACE}]"
# A name a user types (a specimen, a lab): once trimmed, no control character; so that the
# schema's pattern holds exactly the texts the server takes, it allows white space at the ends.
NAME_PATTERN = rf"^{_ENDS}(?:{_FIRST}[^\x00-\x1f]*)?{_ENDS}$"
REQUIRED_NAME_PATTERN = rf"^{_ENDS}{_FIRST}[^\x00-\x1f]*{_ENDS}$"


def name_text(max_length: int, *, what: str, required: bool = True, **kwargs):
    """A typed name of a ``what`` (trimmed; refused with a control character in it); optional
    (then ``""``) unless ``required``."""
    optional = {} if required else {"required": False, "allow_blank": True, "default": ""}
    return serializers.RegexField(
        REQUIRED_NAME_PATTERN if required else NAME_PATTERN,
        max_length=max_length,
        error_messages={"invalid": f"The {what} name must not contain control characters."},
        **optional,
        **kwargs,
    )
