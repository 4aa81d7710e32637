"""A folder upload of bright-field + phase fields (docs/channels.md): the channel options of the
single-file import apply to every field's label-free image, with the same refusals."""

from __future__ import annotations

import numpy as np
import pytest
from django.test import Client

from annotations.models import ImportJob, Section, Specimen, Volume
from annotations.services.volumes import section_channels
from cellweb.jobs import JobStatus
from tests.helpers_jobs import cleaned_up
from tests.integration.test_import_batch_worker import assert_staging_emptied, tiff
from tests.integration.test_import_worker import wait_for_final
from tests.unit.test_multichannel_import import bf_phase_field

pytestmark = pytest.mark.integration

URL = "/api/projects/lab/imports/batch/"
PAGE = "/projects/lab/import/folder/"
PAGE_FIELDS = {"pattern": "{specimen}_c{channel}.*", "label_free": "1", "stain": "2"}


def two_channel_dish():
    """Field 1: bright-field + phase (c, y, x) and its Hoechst image; field 2: no stain."""
    return [
        tiff("dish_f01_c1.tif", bf_phase_field(0)),
        tiff("dish_f01_c2.tif", np.full((48, 64), 300, "u2")),
        tiff("dish_f02_c1.tif", bf_phase_field(1)),
    ]


def test_a_folder_of_two_channel_fields_is_imported_with_named_channels(
    media_root, celery_worker, api, manager
):
    response = api(manager).post(
        URL,
        {
            "files": two_channel_dish(),
            "modality": "brightfield",
            "stain_name": "Hoechst",
            "channel_axis": 0,
            "channels": "bf,phase",
        },
        format="multipart",
    )

    assert response.status_code == 202, response.content
    body = response.json()
    assert [row["specimen"] for row in body["queued"]] == ["dish_f01", "dish_f02"]
    assert body["refused"] == [] and body["skipped"] == []
    jobs = [wait_for_final(row["job"]["id"]) for row in body["queued"]]
    assert [job.status for job in jobs] == [JobStatus.SUCCEEDED] * 2, (
        [job.error for job in jobs],
        celery_worker.log_text()[-3000:],
    )
    for seed, job in enumerate(jobs):
        volume = Volume.objects.get(specimen=job.specimen, modality="brightfield")
        assert volume.channel_names == ["bf", "phase"] and volume.shape == (1, 48, 64)
        section = Section.objects.get(volume=volume)
        np.testing.assert_array_equal(section_channels(section), bf_phase_field(seed))
    stained = Section.objects.get(volume__specimen__name="dish_f01", volume__modality="brightfield")
    assert stained.fluorescence.volume.channel == "Hoechst"
    assert_staging_emptied(media_root)


def test_channel_options_are_refused_as_in_the_single_file_import(
    transactional_db, media_root, api, manager
):
    # Names without an axis: each field is refused with the single import's reason.
    response = api(manager).post(
        URL,
        {"files": two_channel_dish(), "modality": "brightfield", "channels": "bf,phase"},
        format="multipart",
    )
    assert response.status_code == 202, response.content
    refused = response.json()["refused"]
    assert [row["specimen"] for row in refused] == ["dish_f01", "dish_f02"]
    assert all("channel axis" in row["reason"] for row in refused), refused
    assert response.json()["queued"] == []

    # As many names as channels, but not the same count.
    miscounted = api(manager).post(
        URL,
        {
            "files": two_channel_dish()[2:],
            "modality": "brightfield",
            "channel_axis": 0,
            "channels": "a,b,c",
        },
        format="multipart",
    )
    [row] = miscounted.json()["refused"]
    assert "2 channels but 3 names" in row["reason"]

    # Names that cannot be channel names refuse the whole upload before any file is kept.
    for names, says in [("bf,bf", "must differ"), ("bf,", "1 to 32 characters")]:
        bad = api(manager).post(
            URL,
            {
                "files": two_channel_dish(),
                "modality": "brightfield",
                "channel_axis": 0,
                "channels": names,
            },
            format="multipart",
        )
        assert bad.status_code == 400, bad.content
        assert says in bad.json()["detail"]
    assert not ImportJob.objects.exists() and not Specimen.objects.exists()
    assert cleaned_up(media_root / "staging") == []


def test_the_folder_page_takes_the_channel_options(media_root, celery_worker, manager):
    client = Client()
    client.force_login(manager)
    page = client.get(PAGE).content.decode()
    assert 'name="channels"' in page and 'name="channel_axis"' in page
    response = client.post(
        PAGE,
        {
            **PAGE_FIELDS,
            "files": two_channel_dish(),
            "modality": "brightfield",
            "stain_name": "DAPI",
            "channel_axis": "0",
            "channels": "bf,phase",
        },
    )
    assert response.status_code == 202, response.content.decode()[-2000:]
    assert "2 fields queued" in response.content.decode()
    for job in ImportJob.objects.all():
        assert wait_for_final(job.pk).status == JobStatus.SUCCEEDED
    assert {tuple(v.channel_names) for v in Volume.objects.filter(modality="brightfield")} == {
        ("bf", "phase")
    }

    refused = client.post(
        PAGE,
        {
            **PAGE_FIELDS,
            "files": two_channel_dish(),
            "modality": "brightfield",
            "channels": "bf,bf",
            "channel_axis": "0",
        },
    )
    assert refused.status_code == 400 and "must differ" in refused.content.decode()
