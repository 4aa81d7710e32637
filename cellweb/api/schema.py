"""The OpenAPI schema class: every operation documents the error answers it can give.

An endpoint lists its own error codes with ``error_responses`` where it has something to say
about them; the ones any endpoint can give are added here in the one error shape: 403 (not
signed in, or no role), 404 (no such object, or an address under /api/ that matches nothing),
406 (an Accept header that names no type the endpoint answers; the endpoints of images and files
answer their own type whatever it says) and, for operations that take a body, 400, 413 and 415.
A request serializer may add ``schema_rules``: JSON Schema keywords for its rules across fields.
Two postprocessing hooks finish the schema: free text cannot hold a NUL character, and an
optional query parameter's empty value means the same as leaving it out.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema

from .fields import SPACE
from .inputs import error_responses
from .negotiation import FirstRendererNegotiation

_ALWAYS = (400, 403, 404)
_WITH_BODY = (413, 415)


class ApiAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        codes = _ALWAYS + (_WITH_BODY if self.method in ("POST", "PUT", "PATCH") else ())
        if not issubclass(self.view.content_negotiation_class, FirstRendererNegotiation):
            codes += (406,)
        for code, answer in error_responses(*codes).items():
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(answer, str(code))
        return responses

    def _map_serializer(self, serializer, direction, bypass_extensions=False):
        schema = super()._map_serializer(serializer, direction, bypass_extensions)
        if direction == "request" and getattr(serializer, "refuses_unknown_fields", False):
            schema["additionalProperties"] = False
        if direction == "request" and (rules := getattr(serializer, "schema_rules", None)):
            # Rules across fields (JSON Schema keywords such as anyOf), so that a request the
            # schema calls valid is one the serializer and the service accept.
            schema.update(rules)
        return schema


def only(*values) -> dict:
    """A property of ``schema_rules`` limited to some of its choices.

    Wrapped in allOf so that drf-spectacular's enum hook, which turns every property ``enum``
    into the field's shared enum component, keeps the narrower list.
    """
    return {"allOf": [{"enum": list(values)}]}


# DRF's CharField refuses the NUL character in every text input (ProhibitNullCharactersValidator).
NO_NUL_PATTERN = "^[^\\u0000]*$"
# ... and trims every text input first, so a text that may not be blank needs one character that is
# not white space.
NON_BLANK_PATTERN = rf"^[^\u0000]*[^\u0000{SPACE}][^\u0000]*$"


def label_free_modalities() -> list[str]:
    """The label-free modalities as the request fields list them (ENUM_NAME_OVERRIDES)."""
    from annotations.models import LABEL_FREE_MODALITIES

    return sorted(LABEL_FREE_MODALITIES)


def describe_text_constraints(result, generator, request, public):
    """Postprocessing hook: free-text strings say that they cannot hold a NUL character, and
    those that may not be blank that they need more than white space."""

    def visit(node):
        if isinstance(node, dict):
            if node.get("type") == "string" and not {"format", "enum", "pattern", "readOnly"} & set(
                node
            ):
                blank = node.get("minLength", 0) < 1
                node["pattern"] = NO_NUL_PATTERN if blank else NON_BLANK_PATTERN
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(result.get("components", {}))
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            visit(operation.get("parameters", []))
            visit(operation.get("requestBody", {}))
    return result


# DRF reads an empty query value of an optional field as no value (``?tint=`` is the default tint).
EMPTY_QUERY_VALUE = {"type": "string", "maxLength": 0}


def describe_empty_query_values(result, generator, request, public):
    """Postprocessing hook: an optional query parameter (other than a list) also takes an empty
    value, which means the same as leaving it out."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if (
                    parameter.get("in") != "query"
                    or parameter.get("required")
                    or schema.get("type") == "array"
                ):
                    continue
                parameter["schema"] = {"anyOf": [schema, EMPTY_QUERY_VALUE]}
                note = "Empty: as if left out."
                parameter["description"] = " ".join(
                    part for part in (parameter.get("description", ""), note) if part
                )
    return result
