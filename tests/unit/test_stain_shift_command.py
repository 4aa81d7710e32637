"""``manage.py stain_shift``: an estimate is printed and never applied; a shift is set with the
same checks as the page."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from annotations.models import AuditEvent, Volume
from tests.helpers_stain_shift import stain_pair


def run(*args) -> str:
    out = StringIO()
    call_command("stain_shift", *args, stdout=out)
    return out.getvalue()


def test_the_estimate_is_printed_not_applied_and_a_shift_is_set(project, reviewer):
    _, stain, _ = stain_pair(project)
    base = ["--project", project.slug, "--volume", str(stain.pk)]

    estimate = run(*base, "--estimate")
    assert "Suggested (-2, -3) px from z0" in estimate and "Not applied." in estimate
    assert Volume.objects.get(pk=stain.pk).stain_shift_version == 0

    done = run(*base, "--dy", "-2", "--dx", "-3", "--user", "rita")
    assert "Shift (-2, -3) px on 1 stain volume(s)" in done
    assert AuditEvent.objects.get(action="stain_shift").actor == reviewer
    assert run(*base) == "Shift (-2, -3) px, version 1, set by rita.\n"


def test_a_shift_out_of_bounds_is_the_commands_error(project):
    _, stain, _ = stain_pair(project)

    with pytest.raises(CommandError, match="at most ±48"):
        run("--project", project.slug, "--volume", str(stain.pk), "--dy", "60", "--dx", "0")
