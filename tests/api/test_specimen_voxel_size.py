"""A specimen's voxel size set or corrected after import, without importing it again: by a
manager over the API (a PATCH of the specimen), on the specimen page and with
``manage.py set_voxel_size``. Every volume of the specimen takes it (its paired stain too), the
sections' audit trail says who, when, from what and to what, bad values are a 400 that changes
nothing, and only managers may."""

from __future__ import annotations

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from annotations.models import AuditEvent, ReviewAction, Specimen, Volume
from annotations.services.volumes import volume_create
from annotations.services.voxel_size import specimen_voxel_size_set
from cellweb.errors import InvalidInput
from tests.conftest import signed_in

pytestmark = pytest.mark.usefixtures("media_root")

SIZE = [0.195, 0.098, 0.098]


def _stack(specimen, *, shape=(4, 16, 16), time_index=0, voxel_size=None, stain=True):
    """An RI stack imported without a voxel size, and its paired stain."""
    rng = np.random.default_rng(time_index)
    ri = volume_create(
        specimen=specimen,
        data=(1.34 + 0.02 * rng.random(shape)).astype(np.float32),
        modality="ri",
        time_index=time_index,
        voxel_size=voxel_size,
    )
    if stain:
        volume_create(
            specimen=specimen,
            data=rng.random(shape).astype(np.float32),
            modality="fluorescence",
            channel="DAPI",
            time_index=time_index,
            voxel_size=voxel_size,
        )
    return ri


def _url(specimen) -> str:
    return f"/api/specimens/{specimen.pk}/"


def _sizes(specimen) -> list:
    return [v.voxel_size for v in Volume.objects.filter(specimen=specimen).order_by("pk")]


def test_a_manager_sets_it_on_every_volume_and_the_audit_trail_says_who_and_what(
    api, specimen, manager, annotator
):
    ri = _stack(specimen)
    _stack(specimen, time_index=1)
    before = api(annotator).get(_url(specimen)).json()
    assert before["voxel_size"] is None and before["voxel_size_set_by"] is None

    response = api(manager).patch(_url(specimen), {"voxel_size": SIZE}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["voxel_size"] == SIZE and body["voxel_size_set_by"] == "mona"
    assert body["voxel_size_set_at"] is not None
    # Every volume: both time points, label-free and their stains alike.
    assert _sizes(specimen) == [tuple(SIZE)] * 4
    volumes = [v for tp in body["time_points"] for v in tp["volumes"]]
    assert [v["voxel_size"] for v in volumes] == [SIZE] * 4
    # One event per label-free section (the ones annotated and reviewed), with before and after.
    events = AuditEvent.objects.filter(action=ReviewAction.VOXEL_SIZE)
    assert events.count() == 8 and {e.actor.username for e in events} == {"mona"}
    assert {e.section.volume.modality for e in events} == {"ri"}
    first = events.get(section__volume=ri, section__z=0)
    assert first.detail == {"voxel_size": SIZE, "previous": None, "volume_id": ri.pk}
    [said] = api(manager).get(f"/api/sections/{first.section_id}/audit/").json()
    assert said["actor"] == "mona" and said["label"] == "Voxel size set"
    assert said["summary"] == "none → 0.195 × 0.098 × 0.098 µm (z × y × x)"

    corrected = api(manager).patch(_url(specimen), {"voxel_size": [0.2, 0.1, 0.1]}, format="json")
    assert corrected.status_code == 200 and corrected.json()["voxel_size"] == [0.2, 0.1, 0.1]
    latest = AuditEvent.objects.filter(action=ReviewAction.VOXEL_SIZE).latest("pk")
    assert latest.detail["previous"] == SIZE and latest.detail["voxel_size"] == [0.2, 0.1, 0.1]
    # The same size again changes nothing and records nothing.
    api(manager).patch(_url(specimen), {"voxel_size": [0.2, 0.1, 0.1]}, format="json")
    assert AuditEvent.objects.filter(action=ReviewAction.VOXEL_SIZE).count() == 16


def test_a_stain_that_lacked_the_size_of_its_image_is_recorded_on_the_images_sections(
    specimen, manager
):
    ri = _stack(specimen, voxel_size=(0.2, 0.1, 0.1))
    stain = Volume.objects.get(specimen=specimen, modality="fluorescence")
    Volume.objects.filter(pk=stain.pk).update(voxel_size_z=None)

    change = specimen_voxel_size_set(specimen=specimen, user=manager, values=[0.2, 0.1, 0.1])

    assert change.volumes == 1 and change.previous == [None]
    assert _sizes(specimen) == [(0.2, 0.1, 0.1)] * 2
    events = AuditEvent.objects.filter(action=ReviewAction.VOXEL_SIZE)
    assert {e.section.volume_id for e in events} == {ri.pk} and events.count() == 4
    assert {e.detail["volume_id"] for e in events} == {stain.pk}


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ([0, 0.1, 0.1], "between 0.01 and 100 µm"),
        ([0.2, -0.1, 0.1], "between 0.01 and 100 µm"),
        ([0.2, 0.1, 1000], "between 0.01 and 100 µm"),
        ([0.005, 0.1, 0.1], "between 0.01 and 100 µm"),
        ([0.2, "0.1", 0.1], "not a number"),
        ([0.2, True, 0.1], "not a number"),
        ([0.1, 0.1], "give the voxel size as three numbers z,y,x"),
        ([0.1], "three numbers z,y,x"),
        ([0.1, 0.1, 0.1, 0.1], "three numbers z,y,x"),
        ("0.2,0.1,0.1", "three numbers z,y,x"),
        (None, "may not be null"),
    ],
)
def test_values_that_are_not_a_plausible_size_are_a_400_and_change_nothing(
    api, specimen, manager, value, says
):
    _stack(specimen, voxel_size=(0.4, 0.2, 0.2))
    Specimen.objects.filter(pk=specimen.pk).update(frame_interval_min=4)
    body = {"frame_interval_min": 9, "voxel_size": value}  # together or not at all

    response = api(manager).patch(_url(specimen), body, format="json")

    assert response.status_code == 400, response.content
    assert says in str(response.json())
    assert _sizes(specimen) == [(0.4, 0.2, 0.2)] * 2
    assert Specimen.objects.get(pk=specimen.pk).frame_interval_min == 4
    assert not AuditEvent.objects.filter(action=ReviewAction.VOXEL_SIZE).exists()


def test_not_finite_numbers_and_unknown_fields_are_refused(api, specimen, manager):
    _stack(specimen)
    for value in (float("nan"), float("inf")):
        with pytest.raises(InvalidInput, match="between 0.01 and 100"):
            specimen_voxel_size_set(specimen=specimen, user=manager, values=[0.2, value, 0.1])
    typo = api(manager).patch(_url(specimen), {"voxel_sizes": SIZE}, format="json")
    assert typo.status_code == 400 and "voxel_sizes" in typo.json()["errors"]
    assert _sizes(specimen) == [None, None]


def test_a_field_of_single_sections_takes_y_and_x(api, specimen, manager):
    _stack(specimen, shape=(1, 16, 16), stain=False)
    response = api(manager).patch(_url(specimen), {"voxel_size": [0.16, 0.12]}, format="json")
    assert response.status_code == 200, response.content
    assert _sizes(specimen) == [(0.16, 0.16, 0.12)]  # as an import stores y, x
    # The page shows a field's pixel size, not the z an import copies from y.
    html = signed_in(manager).get(f"/specimens/{specimen.pk}/").content.decode()
    assert "Pixel size (y × x): <strong>0.16 × 0.12 µm</strong>" in html
    assert 'data-voxel-size="0.16,0.12"' in html and "Voxel size (z × y × x)" not in html


def test_a_specimen_without_images_is_a_409(api, specimen, manager):
    response = api(manager).patch(_url(specimen), {"voxel_size": SIZE}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "specimen_without_images"


def test_only_managers_may_set_it(api, specimen, annotator, reviewer, outsider):
    _stack(specimen)
    body = {"voxel_size": SIZE}
    assert api(annotator).patch(_url(specimen), body, format="json").status_code == 403
    assert api(reviewer).patch(_url(specimen), body, format="json").status_code == 403
    assert api(outsider).patch(_url(specimen), body, format="json").status_code == 404
    page = signed_in(reviewer).post(f"/specimens/{specimen.pk}/", {"voxel_size": "0.2,0.1,0.1"})
    assert page.status_code == 403
    assert _sizes(specimen) == [None, None]
    assert not AuditEvent.objects.filter(action=ReviewAction.VOXEL_SIZE).exists()


def test_the_page_says_it_is_missing_and_a_manager_sets_it_there(specimen, manager, annotator):
    _stack(specimen)
    page = f"/specimens/{specimen.pk}/"
    html = signed_in(annotator).get(page).content.decode()
    assert 'class="cw-callout cw-callout-warning"' in html
    assert "<strong>unknown</strong> for 2 volumes" in html and "not measured" in html
    assert "voxel-size-form" not in html and "a manager of the project can set it" in html
    client = signed_in(manager)
    assert 'id="voxel-size-form"' in client.get(page).content.decode()

    refused = client.post(page, {"voxel_size": "0.2,0.1"})
    assert refused.status_code == 400
    assert "three numbers z,y,x" in refused.content.decode() and _sizes(specimen) == [None] * 2
    saved = client.post(page, {"voxel_size": "0.2 × 0.1 × 0.1"}, follow=True)
    assert saved.redirect_chain == [(page, 302)]
    text = saved.content.decode()
    assert "Voxel size 0.2 × 0.1 × 0.1 µm (z × y × x) saved on 2 volumes" in text
    assert _sizes(specimen) == [(0.2, 0.1, 0.1)] * 2

    html = signed_in(annotator).get(page).content.decode()
    assert "cw-callout-warning" not in html and 'data-voxel-size="0.2,0.1,0.1"' in html
    assert "<strong>0.2 × 0.1 × 0.1 µm</strong> · set by mona" in html


def test_the_command_prints_sets_and_refuses(specimen, manager, capsys):
    _stack(specimen)
    base = ["set_voxel_size", "--project", specimen.project.slug, "--specimen", specimen.name]
    call_command(*base)
    assert "Voxel size: none; 2 volume(s) have none." in capsys.readouterr().out

    call_command(*base, "0.2", "0.1", "0.1", "--user", "mona")
    out = capsys.readouterr().out
    assert "Voxel size 0.2 × 0.1 × 0.1 µm (z × y × x) on 2 volume(s), was none." in out
    assert _sizes(specimen) == [(0.2, 0.1, 0.1)] * 2
    assert AuditEvent.objects.filter(action=ReviewAction.VOXEL_SIZE, actor=manager).count() == 4

    with pytest.raises(CommandError, match="between 0.01 and 100 µm"):
        call_command(*base, "0.2", "0.1", "500")
    with pytest.raises(CommandError, match="three numbers z,y,x"):
        call_command(*base, "0.1", "0.1")
    with pytest.raises(CommandError, match="No specimen “nope”"):
        call_command("set_voxel_size", "--project", specimen.project.slug, "--specimen", "nope")
    assert _sizes(specimen) == [(0.2, 0.1, 0.1)] * 2
