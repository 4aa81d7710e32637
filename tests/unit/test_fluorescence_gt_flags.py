"""Quality flags of fluorescence ground truth: stored with each mask, listed on the fluorescence
page and the section page, marked in the gallery, and left out of an evaluation on request
(form, API and command)."""

from __future__ import annotations

from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command

from annotations.models import GroundTruth, Specimen
from inference.forms_evaluation import EvaluationLaunchForm
from inference.ml.fluorescence import FluorescenceGTParams
from inference.models import Evaluation
from inference.services.evaluation import evaluation_launch
from inference.services.fluorescence_gt import fluorescence_gt_create, fluorescence_gt_edit
from tests.conftest import signed_in
from tests.helpers_evaluation import disk_volume, launch_evaluation, run_evaluation

SIZE = 48


def _stain(nucleus: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The nucleus's stain, plus a bright 4x4 speck in the last section: stain signal there,
    but an object too small (16 px < 64) to be a nucleus, so the mask stays empty."""
    stain = 100.0 + 900.0 * nucleus + rng.normal(0.0, 10.0, nucleus.shape)
    stain[-1, 4:8, 4:8] = 1000.0
    return stain.astype(np.float32)


@pytest.fixture
def flagged(project, make_volume):
    """Two specimens whose last section (z5) is 'stain signal but empty mask'."""
    from annotations.services.volumes import volume_create

    rng = np.random.default_rng(4)
    made = []
    for i in range(2):
        specimen = Specimen.objects.create(project=project, name=f"fl-{i}", lab="A")
        ri, nucleus = disk_volume(6, SIZE, rng, radius=12)
        volume = volume_create(specimen=specimen, data=ri, modality="ri")
        volume_create(
            specimen=specimen, data=_stain(nucleus, rng), modality="fluorescence", channel="DAPI"
        )
        made.append((specimen, volume))
    fluorescence_gt_create(project=project, user=None)
    return made


def _quality(volume) -> dict[int, str | None]:
    return {
        z: params.get("quality")
        for z, params in GroundTruth.objects.filter(
            section__volume=volume, source="fluorescence", is_current=True
        ).values_list("section__z", "params")
    }


def test_each_mask_stores_its_flag_and_the_stain_signal(flagged) -> None:
    _, volume = flagged[0]
    assert _quality(volume) == {0: None, 1: None, 2: None, 3: None, 4: None, 5: "signal_no_mask"}
    params = GroundTruth.objects.get(
        section__volume=volume, section__z=5, source="fluorescence", is_current=True
    ).params
    assert params["stain_signal"] is True and params["half_maximum_fill"] is True


def test_the_fluorescence_page_lists_flagged_sections_and_the_section_page_marks_one(
    project, reviewer, flagged
) -> None:
    page = signed_in(reviewer).get(f"/projects/{project.slug}/fluorescence-gt/")
    assert page.status_code == 200
    listed = page.context["flagged"]
    assert [(f["label"], f["flag"]) for f in listed] == [
        ("fl-0 · t0 · z5", "signal_no_mask"),
        ("fl-1 · t0 · z5", "signal_no_mask"),
    ]
    html = page.content.decode()
    assert 'data-flag-count="signal_no_mask"' in html and "stain signal but empty mask" in html
    section_id = listed[0]["id"]
    section_page = signed_in(reviewer).get(f"/sections/{section_id}/fluorescence-gt/")
    assert 'id="fl-quality"' in section_page.content.decode()


def test_a_reviewer_correction_updates_the_flag(project, reviewer, flagged) -> None:
    _, volume = flagged[0]
    section = volume.sections.get(z=5)
    truth = GroundTruth.objects.get(section=section, source="fluorescence", is_current=True)
    drawn = np.zeros(section.shape, dtype=bool)
    drawn[4:8, 4:8] = True
    fluorescence_gt_edit(section=section, user=reviewer, mask=drawn, base_version=truth.version)
    assert _quality(volume)[5] is None


def test_an_evaluation_leaves_flagged_sections_out_only_when_asked(
    project, manager, flagged
) -> None:
    specimens = [s for s, _ in flagged]
    kept = launch_evaluation(project, manager, specimens=specimens, gt_source="fluorescence")
    assert kept.sections == 12 and kept.config["excluded_flagged"] == []

    evaluation = evaluation_launch(
        project=project,
        user=manager,
        model_version_id=None,
        set_kind="specimens",
        set_params={"specimen_ids": [s.pk for s in specimens], "exclude_flagged": True},
        gt_source="fluorescence",
        queue=False,
    )
    flagged_sections = {v.sections.get(z=5).pk for _, v in flagged}
    assert evaluation.sections == 10
    assert {e["section"] for e in evaluation.config["excluded_flagged"]} == flagged_sections
    scored = set(
        GroundTruth.objects.filter(pk__in=evaluation.config["ground_truth_ids"]).values_list(
            "section_id", flat=True
        )
    )
    assert not scored & flagged_sections and len(scored) == 10


def test_the_api_and_the_form_carry_the_option(api, project, manager, flagged) -> None:
    specimens = [s.pk for s, _ in flagged]
    body = {
        "set_kind": "specimens",
        "gt_source": "fluorescence",
        "set_params": {"specimen_ids": specimens, "exclude_flagged": True},
    }
    response = api(manager).post(f"/api/projects/{project.slug}/evaluations/", body, format="json")
    assert response.status_code == 201, response.json()
    assert len(Evaluation.objects.get(pk=response.json()["id"]).config["excluded_flagged"]) == 2
    bad = {**body, "set_params": {"specimen_ids": specimens, "exclude_flagged": "sometimes"}}
    response = api(manager).post(f"/api/projects/{project.slug}/evaluations/", bad, format="json")
    assert response.status_code == 400

    choices = {"versions": [], "labs": [], "tags": [], "specimens": [], "sources": []}
    form = EvaluationLaunchForm(
        {"set_kind": "specimens", "threshold": "0.5", "exclude_flagged": "on"}, choices=choices
    )
    assert form.is_valid(), form.errors
    assert form.launch_args()["set_params"] == {"exclude_flagged": True}


def test_the_command_leaves_flagged_sections_out_and_the_pages_say_so(
    project, manager, flagged
) -> None:
    out = StringIO()
    options = "--set cross_modality --exclude-flagged --wait --device cpu"
    call_command("evaluate", "--project", project.slug, *options.split(), stdout=out)
    evaluation = Evaluation.objects.get()
    assert evaluation.status == "succeeded", evaluation.error
    assert evaluation.sections == 10 and len(evaluation.config["excluded_flagged"]) == 2
    printed = out.getvalue()
    assert "Flagged, left out: 2 sections whose fluorescence ground truth is flagged" in printed
    assert "Stain shift: (0, 0) px on 10 sections" in printed
    client = signed_in(manager)
    for url in (f"/evaluations/{evaluation.pk}/", f"/evaluations/{evaluation.pk}/report.html"):
        response = client.get(url)
        html = b"".join(getattr(response, "streaming_content", None) or [response.content])
        html = html.decode()
        assert 'data-role="excluded-flagged">2 sections' in html, url


def test_the_gallery_marks_sections_with_a_flagged_ground_truth(project, manager, flagged):
    specimens = [s for s, _ in flagged]
    done = run_evaluation(project, manager, specimens=specimens, gt_source="fluorescence")
    assert done.status == "succeeded", done.error
    response = signed_in(manager).get(f"/evaluations/{done.pk}/gallery/")
    gallery = response.context["gallery"]
    assert gallery["pages"] == 1
    rows = gallery["rows"]
    assert response.content.decode().count('data-role="gt-flag"') == 2
    marked = {r["section"] for r in rows if r["gt_flag"]}
    assert marked == {v.sections.get(z=5).pk for _, v in flagged}
    assert all(r["gt_flag"]["flag"] == "signal_no_mask" for r in rows if r["gt_flag"])


def test_deriving_with_per_section_otsu_flags_masks_without_signal(project, reviewer, flagged):
    params = FluorescenceGTParams(scope="section", min_size=1, remove_border=False)
    fluorescence_gt_create(project=project, user=reviewer, params=params)
    _, volume = flagged[0]
    assert _quality(volume)[0] == "mask_no_signal"


def test_the_derive_command_takes_the_new_options_and_reports_the_flags(project, flagged):
    out = StringIO()
    options = "--small-objects section --no-local-fill"
    call_command("fluorescence_gt", "--project", project.slug, *options.split(), stdout=out)
    _, volume = flagged[0]
    params = GroundTruth.objects.filter(
        section__volume=volume, source="fluorescence", is_current=True
    ).values_list("params", flat=True)
    assert {(p["small_objects"], p["local_fill"]) for p in params} == {("section", False)}
    assert "flagged: 2 stain signal but empty mask." in out.getvalue()


def test_the_derive_api_takes_the_same_options_as_the_page_and_the_command(
    api, project, reviewer, flagged
):
    body = {"small_objects": "section", "local_fill": False}
    response = api(reviewer).post(
        f"/api/projects/{project.slug}/fluorescence-gt/", body, format="json"
    )
    assert response.status_code == 201, response.content
    assert (
        response.json()["params"]["small_objects"],
        response.json()["params"]["local_fill"],
    ) == (
        "section",
        False,
    )
    _, volume = flagged[0]
    params = GroundTruth.objects.filter(
        section__volume=volume, source="fluorescence", is_current=True
    ).values_list("params", flat=True)
    assert {(p["small_objects"], p["local_fill"]) for p in params} == {("section", False)}
