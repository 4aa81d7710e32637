"""A job's last word is the one its work saved last, even when progress made inside a
transaction was still on its way through the side writer (a batch field's stain: the import
said "Imported 1 volume(s)" of a label-free image and its stain, the stain file's own words)."""

from __future__ import annotations

import pytest
from django.db import transaction

from cellweb.jobs import job_execute, register
from tests.jobkind_app.job_kinds import ChoreKind
from tests.jobkind_app.models import Chore

pytestmark = pytest.mark.django_db(transaction=True)


@register
class SummingUpChore(ChoreKind):
    """Reports each part inside its transaction, then saves the whole's message outside it."""

    name = "chore-summing-up"

    def work(self, job, ctx):
        with transaction.atomic():
            for step in range(1, job.steps + 1):
                ctx.progress(step / job.steps, message=f"part {step} done")
        job.message = f"all {job.steps} parts done"
        ctx.save("message")
        return {}


def test_the_message_saved_after_a_transaction_is_not_overwritten_by_its_last_progress():
    chores = [Chore.objects.create(steps=2) for _ in range(12)]
    for chore in chores:
        assert job_execute("chore-summing-up", chore.pk, worker="w") == "succeeded"
    messages = [Chore.objects.get(pk=chore.pk).message for chore in chores]
    assert messages == ["all 2 parts done"] * len(chores)
