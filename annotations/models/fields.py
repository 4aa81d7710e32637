"""Links drawn the same way across the models of both apps.

An optional link may be empty and, unless told otherwise, becomes empty when the row it points
at is deleted (the row that holds it stays: a result outlives the model version that made it,
a job outlives the user who launched it).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


def optional_link(to, related_name: str = "+", **options) -> models.ForeignKey:
    """A nullable foreign key to ``to``; ``on_delete`` is ``SET_NULL`` unless given."""
    options = {"null": True, "blank": True, "on_delete": models.SET_NULL, **options}
    return models.ForeignKey(to, related_name=related_name, **options)


def creator(related_name: str = "+", **options) -> models.ForeignKey:
    """The user who made the row, or launched the job; empty once that user is deleted."""
    return optional_link(settings.AUTH_USER_MODEL, related_name, **options)


def voxel_size_used() -> models.JSONField:
    """A result's own record of the voxel size it was measured with: a manager may set or
    correct a volume's voxel size later (``annotations/services/voxel_size.py``), and a result
    made before keeps the numbers, and says the size, it was made with."""
    return models.JSONField(
        null=True,
        blank=True,
        default=None,
        help_text="[z, y, x] in µm: the volume's voxel size when this was made, which its µm³, "
        "µm² and picograms were measured with (a later change leaves them as they are); "
        "null: the volume had none.",
    )
