"""The specimen page (and the project's specimen list) says when ground truth was imported for some sections only (labelled only,
or a list of sections): per volume, how many of its sections hold imported ground truth and that
the others are open for annotation, in a number of queries that does not grow with volumes."""

from __future__ import annotations

import re

import numpy as np
import pytest

from annotations.models import Specimen
from annotations.services.groundtruth_import import ground_truth_import
from tests.conftest import signed_in

SHAPE = (16, 16)


def mask(z: int) -> np.ndarray:
    masks = np.zeros((z, *SHAPE), dtype=np.uint8)
    masks[:, 4:8, 4:8] = 1
    return masks


def cells(html: str) -> list[str]:
    return re.findall(r'data-role="imported-truth"[^>]*>(.*?)</td>', html, re.S)


def plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip()


@pytest.fixture
def partial(specimen, make_volume, manager):
    volume = make_volume(specimen, shape=(10, *SHAPE))
    ground_truth_import(volume=volume, masks=mask(10), user=manager, sections=[2, 5, 7])
    return volume


def test_a_partial_import_names_its_sections_and_the_open_ones(manager, specimen, partial):
    text = cells(signed_in(manager).get(f"/specimens/{specimen.pk}/").content.decode())[0]
    assert 'data-sections="3"' in text and 'data-of="10"' in text and 'data-open="7"' in text
    assert 'data-partial="true"' in text
    assert "3 of 10 sections have imported ground truth" in plain(text)
    assert "partial import: the other 7 sections are open for annotation" in plain(text)


def test_a_whole_import_is_not_called_partial(manager, specimen, make_volume):
    volume = make_volume(specimen, shape=(2, *SHAPE))
    ground_truth_import(volume=volume, masks=mask(2), user=manager)
    text = cells(signed_in(manager).get(f"/specimens/{specimen.pk}/").content.decode())[0]
    assert "2 of 2 sections have imported ground truth" in plain(text)
    assert 'data-partial="false"' in text and "partial import" not in text


def test_a_project_that_queues_imported_sections_says_so(manager, project, specimen, partial):
    project.queue_includes_imported = True
    project.save(update_fields=["queue_includes_imported"])
    text = plain(cells(signed_in(manager).get(f"/specimens/{specimen.pk}/").content.decode())[0])
    assert "the other 7 sections are open for annotation" in text
    assert "annotators are asked to draw the imported sections too" in text


def test_the_counts_cost_no_query_per_volume(
    manager, specimen, make_volume, partial, django_assert_max_num_queries
):
    client = signed_in(manager)
    client.get(f"/specimens/{specimen.pk}/")  # the session and the user are read once
    with django_assert_max_num_queries(12) as one:
        assert client.get(f"/specimens/{specimen.pk}/").status_code == 200
    for t in (1, 2, 3):
        volume = make_volume(specimen, shape=(10, *SHAPE), time_index=t)
        ground_truth_import(volume=volume, masks=mask(10), user=manager, sections=[t])
    with django_assert_max_num_queries(len(one.captured_queries)):
        html = client.get(f"/specimens/{specimen.pk}/").content.decode()
    assert [plain(c).split(" ·")[0] for c in cells(html)] == [
        "3 of 10 sections have imported ground truth",
        *["1 of 10 sections has imported ground truth"] * 3,
    ]


def test_the_project_list_says_of_how_many_sections_and_marks_a_partial_import(
    manager, project, specimen, make_volume, partial, api, django_assert_max_num_queries
):
    client = signed_in(manager)
    client.get(f"/projects/{project.slug}/")  # the session and the user are read once
    with django_assert_max_num_queries(20) as one:
        html = client.get(f"/projects/{project.slug}/").content.decode()
    assert plain(cells(html)[0]) == "3 of 10 sections · partial import"
    assert 'data-sections="3" data-of="10" data-partial="true"' in html
    # More specimens, a whole import among them: no query more.
    whole = Specimen.objects.create(project=project, name="whole")
    ground_truth_import(volume=make_volume(whole, shape=(2, *SHAPE)), masks=mask(2), user=manager)
    for n in range(3):
        other = Specimen.objects.create(project=project, name=f"part{n}")
        volume = make_volume(other, shape=(4, *SHAPE))
        ground_truth_import(volume=volume, masks=mask(4), user=manager, sections=[n])
    with django_assert_max_num_queries(len(one.captured_queries)):
        html = client.get(f"/projects/{project.slug}/").content.decode()
    shown = dict(
        zip(
            re.findall(r'data-specimen-id="\d+">.*?<a href="[^"]+">([^<]+)</a>', html, re.S),
            map(plain, cells(html)),
        )
    )
    assert shown["whole"] == "2 of 2 sections"
    assert shown["part0"] == "1 of 4 sections · partial import"
    # The API says the same.
    rows = api(manager).get(f"/api/projects/{project.slug}/specimens/").json()
    rows = rows["results"] if isinstance(rows, dict) else rows
    by_name = {row["name"]: row["imported_truth"] for row in rows}
    assert by_name["whole"] | {"nuclei": None} == {
        "sections": 2,
        "of": 2,
        "open_sections": 0,
        "partial": False,
        "imported_in_queue": False,
        "nuclei": None,
    }
    assert by_name[specimen.name]["of"] == 10 and by_name[specimen.name]["partial"] is True
