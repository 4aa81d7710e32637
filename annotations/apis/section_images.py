"""The rendered section image endpoint (the Django side of the section-image front)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_cache_control
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers

from annotations.imaging.render import TINTS
from annotations.selectors import section_images
from cellweb.api import BinaryApi, binary_answer


class SectionImageQuerySerializer(serializers.Serializer):
    lo = serializers.FloatField(
        required=False, help_text="Display window low end (RI or intensity)."
    )
    hi = serializers.FloatField(
        required=False, help_text="Display window high end; must exceed lo."
    )
    size = serializers.IntegerField(
        required=False,
        min_value=section_images.IMAGE_SIZE_RANGE[0],
        max_value=section_images.IMAGE_SIZE_RANGE[1],
        help_text="Longest side in pixels (thumbnails); never enlarged.",
    )
    tint = serializers.ChoiceField(choices=list(TINTS), required=False, default="gray")
    channel = serializers.IntegerField(
        required=False,
        min_value=0,
        default=0,
        help_text="The channel of a multi-channel section (bright-field + phase), from 0; "
        "400 beyond its channels.",
    )


class SectionImageApi(BinaryApi):
    @extend_schema(
        operation_id="sections_image",
        parameters=[
            SectionImageQuerySerializer,
            OpenApiParameter(
                "If-None-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False
            ),
        ],
        responses={
            **binary_answer("image/png", "The rendered section."),
            304: OpenApiResponse(description="Unchanged since the ETag the client holds."),
        },
    )
    def get(self, request, section_id: int):
        source = section_images.section_image_source(user=request.user, section_id=section_id)
        # Parsed by hand: this is the hottest endpoint, and a serializer costs more than the rest.
        params = section_images.section_image_params(request.query_params)
        spec = section_images.section_image_spec(source=source, **params)
        if section_images.etag_matches(spec.etag, request.headers.get("If-None-Match", "")):
            response = HttpResponseNotModified()
        else:
            response = HttpResponse(
                section_images.section_image_png(spec=spec), content_type="image/png"
            )
        response["ETag"] = spec.etag
        patch_cache_control(response, private=True, max_age=settings.SECTION_IMAGE_MAX_AGE)
        return response
