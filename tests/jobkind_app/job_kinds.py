"""The kind "chore": a model row and ``work``; the framework does everything else."""

import time

from django.db.models import F

from cellweb.jobs import JobKind, register
from tests.jobkind_app.models import Chore


@register
class ChoreKind(JobKind):
    name = "chore"
    model = Chore

    def work(self, job: Chore, ctx) -> dict:
        Chore.objects.filter(pk=job.pk).update(runs=F("runs") + 1)
        for step in range(1, job.steps + 1):
            time.sleep(job.pause_s)
            ctx.progress(step / job.steps, message=f"step {step} of {job.steps}", step=step)
        return {"steps": job.steps}
