from django.db import models

from cellweb.jobs import JobFields


class Chore(JobFields):
    """A row of the test kind "chore": a few steps, and how often its work began."""

    steps = models.PositiveIntegerField(default=3)
    pause_s = models.FloatField(default=0.0)
    runs = models.PositiveIntegerField(default=0)
