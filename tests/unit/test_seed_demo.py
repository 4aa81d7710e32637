"""manage.py seed_demo: the demo project, its cast and data; a second run changes nothing."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from annotations.models import (
    GroundTruth,
    Membership,
    Project,
    Section,
    SourceFile,
    Specimen,
    Volume,
)

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts() -> tuple:
    return tuple(
        m.objects.count() for m in (Specimen, Volume, Section, GroundTruth, SourceFile, Membership)
    )


def test_seed_demo_creates_the_demo_and_is_idempotent(media_root):
    first = seed()

    assert "Demo data created" in first
    assert "cellweb-demo" in first and "http://127.0.0.1:8000/" in first
    project = Project.objects.get(slug="demo")
    assert project.name == "Demo: label-free nuclei"
    assert project.required_annotations == 3 and project.consensus_method == "staple"

    kaist = Specimen.objects.filter(project=project, lab="KAIST", tags__name="train")
    assert kaist.count() == 10
    assert (
        Specimen.objects.filter(project=project, lab="Mannheim", tags__name="cross-lab").count()
        == 4
    )
    for specimen in kaist:
        fl = Volume.objects.get(specimen=specimen, modality="fluorescence")
        assert fl.channel == "DAPI" and fl.paired_with.modality == "ri"
        assert fl.paired_with.shape == (24, 128, 128)
        sections = Section.objects.filter(volume=fl.paired_with)
        assert (
            GroundTruth.objects.filter(
                section__in=sections, source="imported", is_current=True
            ).count()
            == 24
        )
    assert set(
        Volume.objects.filter(specimen__lab="Mannheim", modality="fluorescence").values_list(
            "channel", flat=True
        )
    ) == {"Hoechst"}
    time_lapse = Specimen.objects.get(project=project, tags__name="time-lapse")
    assert sorted(set(time_lapse.volumes.values_list("time_index", flat=True))) == [0, 1, 2, 3]
    assert (
        Volume.objects.filter(specimen__project=project, modality="brightfield", size_z=1).count()
        == 1
    )
    assert SourceFile.objects.filter(format="tcf").exists()

    User = get_user_model()
    roles = dict(Membership.objects.filter(project=project).values_list("user__username", "role"))
    assert roles == {
        "alice": "annotator",
        "bob": "annotator",
        "carol": "annotator",
        "rita": "reviewer",
        "mona": "manager",
    }
    assert User.objects.get(username="admin").is_superuser
    assert User.objects.get(username="mona").check_password("cellweb-demo")

    before = counts()
    second = seed()
    assert "nothing changed" in second
    assert counts() == before
