"""The stain-shift card of the fluorescence ground-truth page: it shows the stored shift, the
stain's outline to move and the front end's configuration, and reading it stores nothing."""

from __future__ import annotations

from annotations.models import AuditEvent, GroundTruth, Volume
from inference.services.fluorescence_gt import fluorescence_gt_create, stain_shift_set
from tests.conftest import signed_in
from tests.helpers_stain_shift import stain_pair


def test_the_page_shows_the_stored_shift_and_configures_the_card(project, reviewer):
    _, stain, _ = stain_pair(project)
    stain_shift_set(stain=stain, user=reviewer, dy=-2, dx=-3, base_version=0)
    writes = (AuditEvent.objects.count(), GroundTruth.objects.count())

    page = signed_in(reviewer).get(f"/projects/{project.slug}/fluorescence-gt/?stain={stain.pk}")

    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="fl-shift"' in html and 'data-role="shift-outline"' in html
    assert "Stored: (-2, -3) px · version 1 · set by rita" in html
    assert 'data-shift="-2,-3"' in html
    config = page.context["config"]
    assert config["module"] == "stainshift" and config["canSet"] is True
    assert (config["dy"], config["dx"], config["version"], config["maxDy"]) == (-2, -3, 1, 48)
    assert config["api"] == f"/api/volumes/{stain.pk}/stain-shift/"
    assert (AuditEvent.objects.count(), GroundTruth.objects.count()) == writes
    assert Volume.objects.get(pk=stain.pk).stain_shift_version == 1


def test_a_manager_sees_the_card_but_cannot_apply(project, manager):
    stain_pair(project)

    page = signed_in(manager).get(f"/projects/{project.slug}/fluorescence-gt/?stain=junk")

    assert page.status_code == 200
    assert page.context["config"]["canSet"] is False
    assert 'title="Reviewers set the stain shift"' in page.content.decode()


def test_the_section_page_names_the_shift_and_moves_the_mask_back_onto_the_raw_stain(
    project, reviewer
):
    label_free, stain, _ = stain_pair(project)
    stain_shift_set(stain=stain, user=reviewer, dy=-2, dx=-3, base_version=0)
    fluorescence_gt_create(project=project, user=reviewer)
    section = label_free.sections.get()

    page = signed_in(reviewer).get(f"/sections/{section.pk}/fluorescence-gt/")

    html = page.content.decode()
    assert "(-2, -3) px · stain imaged rows 0–189, columns 0–188" in html
    # 3 of 192 columns and 2 of 192 rows back: the mask lies on the stain as it was imaged.
    assert 'style="transform: translate(1.5625%, 1.0417%)"' in html
