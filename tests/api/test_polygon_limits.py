"""Polygons sent to the annotation API are bounded: a clear 400 naming the limit, nothing
stored, and the limits published in the schema."""

from __future__ import annotations

import math

import pytest

from annotations.models import AnnotationRevision, Section
from annotations.services.annotation import (
    MAX_POINTS_PER_POLYGON,
    MAX_POLYGON_POINTS,
    MAX_ROW_CROSSINGS,
)

pytestmark = pytest.mark.django_db

SHAPE = (448, 448)


@pytest.fixture
def section(specimen, make_volume):
    volume = make_volume(specimen, shape=(1, *SHAPE))
    return Section.objects.get(volume=volume)


def circle(points: int, radius: float = 100.0, centre: float = 224.0) -> list[list[float]]:
    return [
        [centre + radius * math.cos(2 * math.pi * i / points),
         centre + radius * math.sin(2 * math.pi * i / points)]
        for i in range(points)
    ]  # fmt: skip


def put_polygons(api, user, section, polygons):
    return api(user).put(
        f"/api/sections/{section.pk}/annotations/mine/",
        {"base_revision": None, "polygons": polygons},
        format="json",
    )


def test_a_polygon_over_the_per_polygon_limit_is_refused_naming_it(api, annotator, section):
    response = put_polygons(api, annotator, section, [circle(MAX_POINTS_PER_POLYGON + 1)])
    assert response.status_code == 400
    assert f"at most {MAX_POINTS_PER_POLYGON} are accepted per polygon" in response.json()["detail"]
    assert not AnnotationRevision.objects.exists()


def test_a_300k_point_body_is_refused_before_it_is_decoded(api, annotator, section):
    response = put_polygons(api, annotator, section, [circle(300_000)])
    assert response.status_code == 400
    assert response.json() == {
        "detail": f"The polygons have more than {MAX_POLYGON_POINTS} points in all; at most "
        f"{MAX_POLYGON_POINTS} are accepted (simplify the outlines)."
    }
    assert not AnnotationRevision.objects.exists()


def test_polygons_over_the_total_are_refused_naming_it(api, annotator, section):
    count = MAX_POLYGON_POINTS // MAX_POINTS_PER_POLYGON + 1
    polygons = [circle(MAX_POINTS_PER_POLYGON, radius=5 + i) for i in range(count)]
    response = put_polygons(api, annotator, section, polygons)
    assert response.status_code == 400
    assert f"at most {MAX_POLYGON_POINTS} are accepted" in response.json()["detail"]
    assert not AnnotationRevision.objects.exists()


def test_an_outline_zigzagging_across_the_section_is_refused(api, annotator, section):
    zigzag = [[x * 0.05, 0.0 if x % 2 == 0 else 448.0] for x in range(2 * 1250)]
    assert len(zigzag) * 448 > MAX_ROW_CROSSINGS
    response = put_polygons(api, annotator, section, [zigzag])
    assert response.status_code == 400
    assert f"at most {MAX_ROW_CROSSINGS} are accepted" in response.json()["detail"]


def test_a_large_outline_within_the_limits_is_saved(api, annotator, section):
    response = put_polygons(api, annotator, section, [circle(MAX_POINTS_PER_POLYGON)])
    assert response.status_code == 200, response.json()
    assert response.json()["revision"] == 1


def test_the_schema_publishes_the_limits(api, annotator):
    schema = api(annotator).get("/api/schema/", {"format": "json"}).json()
    polygons = schema["components"]["schemas"]["MineSaveRequest"]["properties"]["polygons"]
    assert polygons["items"]["maxItems"] == MAX_POINTS_PER_POLYGON
    assert polygons["items"]["minItems"] == 3
    assert str(MAX_POLYGON_POINTS) in polygons["description"]
