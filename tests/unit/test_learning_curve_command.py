"""``manage.py learning_curve``: refusals as command errors with the reason; ``--wait`` runs the
curve here and prints the median Dice per n and the 90%-of-plateau sentence."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from inference.models import LearningCurve
from tests.helpers_training import add_specimens

pytestmark = pytest.mark.django_db

TINY = ["--seeds", "1", "--samples", "2", "--arch", "unet16", "--input-size", "32"]


def test_the_command_refuses_with_the_reason_and_runs_a_tiny_curve(
    project,
    make_volume,
    single_thread_torch,
):
    add_specimens(project, make_volume, 3, sections=2)
    with pytest.raises(CommandError, match="4 sections available for training"):
        call_command("learning_curve", "--project", project.slug, "--n", "1,9", *TINY, "--wait")
    with pytest.raises(CommandError, match="No model version 4242"):
        call_command(
            "learning_curve", "--project", project.slug, "--from-version", "4242", "--wait"
        )
    with pytest.raises(CommandError, match="“two” is not a number"):
        call_command("learning_curve", "--project", project.slug, "--n", "1,two", "--wait")
    assert not LearningCurve.objects.exists()

    out = io.StringIO()
    call_command(
        "learning_curve", "--project", project.slug, "--n", "1,all", *TINY, "--wait", stdout=out
    )
    text = out.getvalue()
    assert "succeeded" in text and "curve from scratch reaches 90% of its plateau" in text
    table = [line.split() for line in text.splitlines() if line.strip()[:1].isdigit()]
    assert [row[0] for row in table] == ["1", "4"]
    # The held-out mAP of each n is printed beside its Dice, as the page and the API give it.
    header = next(line.split() for line in text.splitlines() if line.split()[:1] == ["n"])
    assert header == [
        "n",
        "scratch",
        "Dice",
        "scratch",
        "mAP",
        "pretrained",
        "Dice",
        "pretrained",
        "mAP",
    ]
    curve = LearningCurve.objects.get()
    maps = {p["n"]: p["map"] for p in curve.points}
    assert [float(row[2]) for row in table] == [pytest.approx(maps[n], abs=5e-4) for n in (1, 4)]
    assert "Touching predicted nuclei: separated by the watershed" in text
