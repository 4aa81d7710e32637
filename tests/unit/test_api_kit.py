"""cellweb.api: one way to validate input, decode base64 masks, negotiate images and paginate."""

from __future__ import annotations

import base64

import numpy as np
import pytest
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIRequestFactory

from annotations.apis.masks import decode_base64_mask
from annotations.imaging.masks import encode_mask
from cellweb.api import (
    FirstRendererNegotiation,
    PageQuerySerializer,
    decode_base64_png,
    error_responses,
    exception_handler,
    flatten_errors,
    page_of,
    parse,
)
from cellweb.api.handler import field_errors
from cellweb.errors import InvalidInput


class _Body(serializers.Serializer):
    count = serializers.IntegerField(min_value=1)
    name = serializers.CharField(max_length=3)


def test_parse_returns_the_validated_data():
    assert parse(_Body, {"count": "2", "name": "ab"}) == {"count": 2, "name": "ab"}


def test_parse_errors_become_one_sentence_and_field_messages():
    for flat in (False, True):
        with pytest.raises(ValidationError) as error:
            parse(_Body, {"count": 0, "name": "abcd"}, flat=flat)
        response = exception_handler(error.value, {})
        assert response.status_code == 400
        assert set(response.data) == {"detail", "errors"}
        assert set(response.data["errors"]) == {"count", "name"}
        assert response.data["detail"].startswith("count: ")
        assert "name: " in response.data["detail"]


def test_nested_field_errors_get_dotted_names():
    errors = {
        "a": ["bad"],
        "non_field_errors": ["whole"],
        "b": {"c": ["deep"]},
        "d": [{}, {"e": ["x"]}],
    }
    assert field_errors(errors) == {
        "a": ["bad"],
        "non_field_errors": ["whole"],
        "b.c": ["deep"],
        "d.1.e": ["x"],
    }


def test_flatten_errors_names_nested_fields_and_drops_non_field_labels():
    errors = {"a": ["bad"], "non_field_errors": ["whole"], "b": {"c": ["deep"]}}
    assert flatten_errors(errors) == ["a: bad", "whole", "b: c: deep"]


def test_error_responses_document_the_codes_asked_for():
    responses = error_responses(400, 404, descriptions={404: "No such section."})
    assert set(responses) == {400, 404}
    assert responses[404].description == "No such section."


def test_a_base64_png_may_come_as_a_data_url_with_line_breaks():
    png = encode_mask(np.eye(16, dtype=bool))
    text = base64.b64encode(png).decode()
    wrapped = "data:image/png;base64," + "\n".join(
        text[i : i + 20] for i in range(0, len(text), 20)
    )
    assert decode_base64_png(wrapped) == png


@pytest.mark.parametrize("text", ["not base64!!", "AAA", "data:image/png;base64,@@"])
def test_text_that_is_not_base64_is_a_400_naming_the_field(text):
    with pytest.raises(InvalidInput, match="“edited” must be a base64-encoded PNG"):
        decode_base64_png(text, field="edited")


def test_a_base64_mask_is_checked_against_the_section_shape():
    mask = np.zeros((16, 16), dtype=bool)
    mask[4:9, 4:9] = True
    text = base64.b64encode(encode_mask(mask)).decode()
    assert np.array_equal(decode_base64_mask(text, (16, 16)), mask)
    with pytest.raises(InvalidInput):
        decode_base64_mask(text, (32, 32))
    for unusable in (base64.b64encode(b"not a png").decode(), "", None):
        with pytest.raises(InvalidInput):
            decode_base64_mask(unusable, (16, 16))


def test_the_first_renderer_answers_whatever_the_client_accepts():
    request = APIRequestFactory().get("/x.png?format=tiff", HTTP_ACCEPT="image/png")
    renderer, media_type = FirstRendererNegotiation().select_renderer(request, [JSONRenderer()])
    assert isinstance(renderer, JSONRenderer) and media_type == "application/json"


def test_page_of_counts_everything_and_slices_one_page():
    assert page_of(list(range(10)), limit=3, offset=8) == (10, [8, 9])
    assert page_of([], limit=3) == (0, [])


@pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": "501"}, {"offset": "-1"}])
def test_page_parameters_are_bounded(query):
    with pytest.raises(ValidationError):
        parse(PageQuerySerializer, query)
    assert parse(PageQuerySerializer, {}) == {"limit": 50, "offset": 0}
