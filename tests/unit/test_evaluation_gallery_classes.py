"""The gallery of a several-class evaluation: a class selector; each class's rows, Dice and
contour layers are that class's own (the layer drawn from the class's stored masks)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from django.test import Client
from PIL import Image

from inference.models import SectionResult
from inference.reports.layers import outline
from tests.unit.test_evaluation_multiclass import evaluated  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("media_root")


def drawn(response) -> np.ndarray:
    assert response.status_code == 200, response.content[:200]
    return np.asarray(Image.open(io.BytesIO(response.content)))[..., 3] > 0


def test_the_gallery_shows_each_class_with_its_own_rows_and_contours(evaluated, manager):  # noqa: F811
    evaluation, volume, maps = evaluated
    client = Client()
    client.force_login(manager)
    default = client.get(f"/evaluations/{evaluation.pk}/gallery/")
    assert default.context["gallery"]["class_value"] == 1
    assert 'data-class="2"' in default.content.decode()
    page = client.get(f"/evaluations/{evaluation.pk}/gallery/?class=2")
    gallery = page.context["gallery"]
    rows = SectionResult.objects.filter(evaluation=evaluation, method="model", class_value=2)
    assert sorted(r["dice"] for r in gallery["rows"]) == sorted(r.dice for r in rows)
    all_dice = next(s["dice"] for s in gallery["subsets"] if s["key"] == "all")
    assert all_dice == pytest.approx(np.mean([r.dice for r in rows]))
    assert [s["label"] for s in gallery["subsets"]][
        1
    ] == "sections with cytoplasm in the ground truth"
    assert not gallery["edge_scored"]  # the edge baseline scores the nucleus only
    row = gallery["rows"][0]
    assert row["layers"]["gt"].endswith("gt.png?class=2")
    truth = drawn(client.get(row["layers"]["gt"]))
    z = row["z"]
    width = max(1, round(max(maps[z].shape) / 224))
    assert np.array_equal(truth, outline(maps[z] == 2, width))
    nucleus = drawn(client.get(row["layers"]["gt"].replace("class=2", "class=1")))
    assert np.array_equal(nucleus, outline(maps[z] == 1, width))
    assert np.array_equal(drawn(client.get(row["layers"]["gt"].split("?")[0])), nucleus)
    bad = client.get(row["layers"]["gt"].replace("class=2", "class=7"))
    assert bad.status_code == 400 and "class" in bad.json()["errors"]
    assert client.get(f"/evaluations/{evaluation.pk}/gallery/?class=x").status_code == 400
